import type { Command } from "../command.ts";
import { describeError } from "../../core/errors.ts";
import { generateRules, staleError } from "../../assertions/generate.ts";

export const command: Command = {
  name: "generate",
  summary: "turn assertions/*.yaml into includes/generated/rules.js (what Dataform's sandbox reads)",
  usage: "[--check]",
  details: [
    "Validates every rule file against assertions/schema.json (errors name file, line and reason) and writes",
    "includes/generated/rules.js, sorted and stable. compile, run, test and all generate first.",
    "With --check, writes nothing and exits 1 when the generated file is stale (CI). Then the project is compiled",
    "and every column a rule names must be one its model declares (else: the rule's file:line and the columns).",
  ].join("\n"),
  options: {
    check: { type: "boolean", description: "exit 1 if includes/generated/rules.js is not up to date; write nothing" },
  },
  async run({ env, values, log, json }) {
    const check = Boolean(values.check);
    const result = await log.step(
      check ? "check generated rules" : "generate rules",
      async () => generateRules({ check }),
      (r) => `${r.models} models, ${r.rules} rules → ${r.file}${check ? (r.changed ? " (STALE)" : " (up to date)") : r.changed ? " (updated)" : " (unchanged)"}`,
    );
    // Every column a rule names must be declared by its model: compile (the generated rules included) and check.
    await log.step(
      "check rule columns",
      async () => {
        const [{ compileProject }, { assertRuleColumns }, { loadRules }] = await Promise.all([
          import("../../dataform/compile.ts"),
          import("../../assertions/columns.ts"),
          import("../../assertions/load.ts"),
        ]);
        assertRuleColumns(loadRules(), await compileProject(env));
      },
      () => "every named column is declared",
    );
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
    if (check && result.changed) {
      process.stderr.write(`error: ${describeError(staleError(result))}\nhint: run: npx lakehouse generate (and commit the result)\n`);
      return 1;
    }
    return 0;
  },
};
