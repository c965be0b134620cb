import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { withClient } from "../../stack/db.ts";
import { displayTypes } from "../../stack/types.ts";

function cell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Rows as an aligned text table, like `dbt show`. */
export function formatTable(fields: string[], rows: Record<string, unknown>[], limit: number): string {
  const shown = rows.slice(0, limit);
  const widths = fields.map((f) => Math.min(60, Math.max(f.length, ...shown.map((r) => cell(r[f]).length))));
  const line = (values: string[]) => `| ${values.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join(" | ")} |`;
  const out = [line(fields), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...shown.map((r) => line(fields.map((f) => cell(r[f]))))];
  out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"}${rows.length > limit ? `, first ${limit} shown` : ""})`);
  return out.join("\n");
}

export const command: Command = {
  name: "sql",
  summary: "run one query against the warehouse and print the rows (like dbt show)",
  usage: '"<query>" [--json] [--limit N] [--database warehouse|catalog]',
  options: {
    limit: { type: "string", description: "rows shown in the table (all rows with --json)", default: "50" },
    database: { type: "string", description: "warehouse or catalog", default: "warehouse" },
  },
  async run({ env, positionals, values, json }) {
    const query = positionals.join(" ").trim();
    if (!query) throw new LakehouseError("sql", "no query given", {}, 'lakehouse sql "select 1"');
    const database = (values.database as string | undefined) ?? "warehouse";
    if (database !== "warehouse" && database !== "catalog") throw new LakehouseError("sql", `unknown database "${database}"`, {}, "use --database warehouse|catalog");
    const limit = Number(values.limit ?? 50);
    return withClient(env, database, async (client) => {
      let result;
      try {
        result = await client.query({ text: query, types: displayTypes });
      } catch (error) {
        const e = error as Error & { position?: string; code?: string };
        process.stderr.write(`error: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ""}${e.position ? ` at character ${e.position}` : ""}\n`);
        return 1;
      }
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      const rows = (last.rows ?? []) as Record<string, unknown>[];
      if (json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
      } else if (last.fields?.length) {
        process.stdout.write(`${formatTable(last.fields.map((f: { name: string }) => f.name), rows, limit)}\n`);
      } else {
        process.stdout.write(`${last.command ?? "OK"}${last.rowCount !== null ? ` ${last.rowCount}` : ""}\n`);
      }
      return 0;
    });
  },
};
