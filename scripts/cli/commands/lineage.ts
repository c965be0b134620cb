import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import type { Environment } from "../../core/config.ts";
import type { Logger } from "../../core/log.ts";
import type { DataformCompiled } from "../../graph/build.ts";
import { readCompiledJson } from "../../graph/index.ts";
import { KIND_LABEL } from "../../graph/lineage.ts";
import { findColumn, projectLineage, traceColumn, type Trace, type TraceHit } from "../../graph/lineage-project.ts";
import { SILVER_TABLES } from "../../silver/tables.ts";

async function compiled(env: Environment, log: Logger, fromJson: string | undefined): Promise<DataformCompiled> {
  if (fromJson) return readCompiledJson(fromJson);
  const [{ withPreparedProject }, { compileProject }] = await Promise.all([import("../../dataform/environment.ts"), import("../../dataform/compile.ts")]);
  return (await withPreparedProject(env, log, { credentials: false }, () => compileProject(env))) as DataformCompiled;
}

function printTrace(direction: string, trace: Trace): string[] {
  const lines = [`${direction} (${trace.hits.length} column${trace.hits.length === 1 ? "" : "s"}):`];
  if (!trace.hits.length) lines.push("  (none)");
  const width = Math.max(...Object.values(KIND_LABEL).map((k) => k.length));
  for (const h of trace.hits) lines.push(`  ${String(h.depth).padStart(2)}  ${KIND_LABEL[h.kind].padEnd(width)}  ${h.table}.${h.column}`);
  return lines;
}

export const command: Command = {
  name: "lineage",
  summary: "column lineage: where a model's column comes from and what reads it",
  usage: "<model>.<column> [--upstream | --downstream] [--values-only] [--from-json <file>] [--json]",
  details: [
    "Traces one column through the compiled SQL of every model (no database needed), nearest first, each with",
    "the hops from it and the kind of dependency along the path: copied, transformed, aggregated or",
    "filter/join only (the column only decides which rows there are). The model is named by schema.name or",
    "by its name when unique: `lakehouse lineage sales_per_country.total --upstream`.",
    "Without --upstream or --downstream both are printed. Parts that cannot be traced are listed as unresolved.",
    "--json prints {table, column, upstream?, downstream?, unresolved}; each hit is {table, column, kind, depth}.",
  ].join("\n"),
  options: {
    upstream: { type: "boolean", description: "only the columns it is computed from" },
    downstream: { type: "boolean", description: "only the columns computed from it" },
    "values-only": { type: "boolean", description: "leave out filter/join-only dependencies" },
    "from-json": { type: "string", description: "read a compiled graph (output of `lakehouse compile --json`) instead of compiling" },
  },
  async run({ env, values, positionals, log, json }) {
    const [spec, ...extra] = positionals;
    if (!spec || extra.length) {
      throw new LakehouseError("lineage", spec ? `one column at a time (got ${positionals.length})` : "no column given", { field: "<model>.<column>" }, "lakehouse lineage sales_per_country.total --upstream");
    }
    const lineage = projectLineage(await compiled(env, log, values["from-json"] as string | undefined), SILVER_TABLES);
    const found = findColumn(lineage, spec);
    if ("error" in found) throw new LakehouseError("lineage", found.error, { field: spec }, "name it <model>.<column>, e.g. sales_per_country.total or gold.dim_users.country_code");
    const both = !values.upstream && !values.downstream;
    const keep = (t: Trace): Trace => (values["values-only"] ? { ...t, hits: t.hits.filter((h: TraceHit) => h.kind !== "filter") } : t);
    const up = values.upstream || both ? keep(traceColumn(lineage, found.table, found.column, "upstream")) : undefined;
    const down = values.downstream || both ? keep(traceColumn(lineage, found.table, found.column, "downstream")) : undefined;
    const unresolved = up?.unresolved ?? [];
    if (json) {
      process.stdout.write(`${JSON.stringify({ table: found.table, column: found.column, ...(up ? { upstream: up.hits } : {}), ...(down ? { downstream: down.hits } : {}), unresolved })}\n`);
      return 0;
    }
    const lines = [`${found.table}.${found.column}`];
    if (up) lines.push(...printTrace("upstream", up));
    if (down) lines.push(...printTrace("downstream", down));
    if (unresolved.length) lines.push(`unresolved (${unresolved.length}):`, ...unresolved.map((u) => `  ${u}`));
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  },
};
