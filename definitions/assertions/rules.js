// One Dataform assertion per rule of assertions/*.yaml (through includes/generated/rules.js), named
// <model>__<rule>__<column>, tagged with the model's tags plus "assertions", depending on its model.
//
// Definitions files load in alphabetical order, so the models are not all known yet when this file runs.
// The assertions are therefore added when the session compiles, after every file has been loaded: only
// rules whose models are defined or declared become assertions (a rule file may land before its model).
// This wrapper must stay in a definitions file: Dataform records the calling definitions file as the
// assertions' file name.
const session = dataform;
const compileGraph = session.compile;
let defined = false;
session.compile = function compileWithAssertions() {
  // the rule scopes of the incremental models (a project without them, e.g. a test's, checks every row)
  if (!defined) assertions.defineAssertions(session, typeof incremental_state === "undefined" ? null : incremental_state);
  defined = true;
  return compileGraph.apply(session, arguments);
};
