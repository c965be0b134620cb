import type { Command } from "../command.ts";
import { allActions, compileProject } from "../../dataform/compile.ts";
import { withPreparedProject } from "../../dataform/environment.ts";

export const command: Command = {
  name: "compile",
  summary: "compile the Dataform project (generate first); errors name file and line",
  details: "With --json, prints the compiled graph (with its SQL) on stdout. --env prod compiles the Redshift variant\nand needs no AWS access or credentials.",
  async run({ env, log, json }) {
    const graph = await withPreparedProject(env, log, { credentials: false }, () =>
      log.step("compile", () => compileProject(env), (g) => {
        const actions = allActions(g);
        const count = (kind: string) => actions.filter((a) => a.kind === kind).length;
        return `${actions.length} actions (${count("table") + count("incremental") + count("view")} tables/views, ${count("assertion")} assertions, ${count("declaration")} declarations, ${count("operation")} operations), ${g.tests?.length ?? 0} unit tests, warehouse ${g.projectConfig.warehouse}`;
      }),
    );
    if (json) process.stdout.write(`${JSON.stringify(graph, null, 2)}\n`);
  },
};
