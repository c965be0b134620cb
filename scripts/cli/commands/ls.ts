import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { compileProject } from "../../dataform/compile.ts";
import { withPreparedProject } from "../../dataform/environment.ts";
import { PROJECT_OPTIONS, projectArgs } from "../../dataform/project-args.ts";
import { SELECT_OPTIONS, selectableActions, selectActions, selectionOf, type SelectableAction } from "../../dataform/select.ts";

const OUTPUTS = ["name", "path", "json"] as const;

/** The lines (or JSON) `ls` prints for the selected actions: names, distinct files, or objects. */
export function formatListing(actions: SelectableAction[], output: string): string {
  if (output === "json") return JSON.stringify(actions.map(({ checksum: _checksum, ...a }) => a));
  const lines = output === "path" ? [...new Set(actions.flatMap((a) => (a.file ? [a.file] : [])))] : actions.map((a) => a.name);
  return lines.join("\n");
}

export const command: Command = {
  name: "ls",
  summary: "list the actions a selection picks (like dbt ls), without running anything",
  usage: "[--select …] [--exclude …] [--state PATH] [--output name|path|json]",
  details:
    "Compiles the project (no database needed). --output name prints schema.name per action (a unit test by its\n" +
    "name), path the distinct files (definitions/… or a rule's assertions/….yaml), json one array of\n" +
    "{name, type, schema, tags, file, dependencies}; --json is --output json.",
  options: {
    ...SELECT_OPTIONS,
    ...PROJECT_OPTIONS,
    output: { type: "string", short: "o", description: "name, path or json", default: "name" },
  },
  async run({ env, log, values, json }) {
    const output = json ? "json" : ((values.output as string | undefined) ?? "name");
    if (!(OUTPUTS as readonly string[]).includes(output)) throw new LakehouseError("ls", `unknown --output "${output}"`, { field: "--output" }, `use ${OUTPUTS.join(", ")}`);
    const selection = selectionOf(values);
    const args = projectArgs(values, { envName: env.name });
    const graph = await withPreparedProject(env, log, { credentials: false }, () => log.step("compile", () => compileProject(env, { args })));
    const actions = selectableActions(graph);
    const listed = await log.step(
      "select",
      async () => {
        const chosen = new Set(selectActions(actions, selection));
        return actions.filter((a) => chosen.has(a.name));
      },
      (l) => ({ summary: `${l.length} of ${actions.length} actions`, counts: { selected: l.length, actions: actions.length } }),
    );
    const text = formatListing(listed, output);
    if (text) process.stdout.write(`${text}\n`);
  },
};
