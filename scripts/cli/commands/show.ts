import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { allActions, compileProject, type CompiledAction, type CompiledGraph } from "../../dataform/compile.ts";
import { withPreparedProject } from "../../dataform/environment.ts";
import { PROJECT_OPTIONS, projectArgs } from "../../dataform/project-args.ts";
import { selectableActions, selectActions } from "../../dataform/select.ts";
import { withClient } from "../../stack/db.ts";
import { parseLimit, printQuery, reportQueryError } from "./sql.ts";

const RELATIONS = new Set(["table", "view", "incremental", "declaration"]);

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The one model (table, view, incremental) or declaration a name picks, with the SQL `show` runs: the
 * model's compiled query (what the code produces now, built or not), or with `built` (and for a declaration)
 * its relation in the warehouse.
 */
export function showQuery(graph: CompiledGraph, model: string, built: boolean): { action: string; sql: string; from: "query" | "relation" } {
  const relations = selectableActions(graph).filter((a) => RELATIONS.has(a.type));
  let picked: string[];
  try {
    picked = selectActions(relations, { select: [model] });
  } catch {
    throw new LakehouseError("show", `no model or declaration named "${model}"`, { field: "model" }, "`lakehouse ls --select type:table type:view type:incremental` lists them");
  }
  if (picked.length !== 1) throw new LakehouseError("show", `"${model}" names ${picked.length} relations: ${picked.join(", ")}`, { field: "model" }, "give one as schema.name");
  const action = allActions(graph).find((a) => `${a.target.schema}.${a.target.name}` === picked[0]) as CompiledAction & { kind: string };
  const relation = `${quoted(action.target.schema)}.${quoted(action.target.name)}`;
  const query = action.query?.trim().replace(/;\s*$/, "");
  return built || !query ? { action: picked[0], sql: `select * from ${relation}`, from: "relation" } : { action: picked[0], sql: query, from: "query" };
}

export const command: Command = {
  name: "show",
  summary: "preview a model's rows (like dbt show): its compiled query with the limit inside the SQL",
  usage: "<model> [--limit N] [--built] [--json]",
  details:
    "<model> is name or schema.name (a glob that picks one). Runs the model's compiled query wrapped in\n" +
    "`select * from (…) limit N`, so it shows what the current code produces, built or not; --built reads the\n" +
    "relation in the warehouse instead (a declaration always is). --json prints a JSON array of row objects.",
  options: {
    limit: { type: "string", description: "rows fetched, inside the SQL", default: "5" },
    built: { type: "boolean", description: "read the built table or view instead of running the model's query" },
    ...PROJECT_OPTIONS,
  },
  async run({ env, log, values, positionals, json }) {
    const [model, ...extra] = positionals;
    if (!model || extra.length) throw new LakehouseError("show", model ? `one model at a time (got ${positionals.length})` : "no model given", {}, "lakehouse show dim_users --limit 10");
    const limit = parseLimit(values.limit) ?? 5;
    const args = projectArgs(values, { envName: env.name });
    const graph = await withPreparedProject(env, log, { credentials: false }, () => log.step("compile", () => compileProject(env, { args })));
    const { action, sql, from } = showQuery(graph, model, Boolean(values.built));
    log.info(`${action}: first ${limit} rows of ${from === "query" ? "its compiled query" : "the relation in the warehouse"}`);
    return withClient(env, "warehouse", async (client) => {
      try {
        return await printQuery(client, sql, { json, limit });
      } catch (error) {
        return reportQueryError(error);
      }
    });
  },
};
