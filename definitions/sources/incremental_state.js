// Declarations of the state tables of the incremental models (includes/incremental_state.js): what each
// incremental model saw on its last run. The models create and rewrite them in their pre/post-operations;
// declared so that the unit tests of the __pending views can hand in their content.

for (const name of Object.keys(incremental_state.TABLES)) {
  declare(incremental_state.target(name)).config({
    description: `State of an incremental model: what ${name.split("__")[0]} saw on its last run (includes/incremental_state.js).`,
  });
}
