import type pg from "pg";
import QueryStream from "pg-query-stream";
import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { withClient } from "../../stack/db.ts";
import { displayTypes } from "../../stack/types.ts";

function cell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Rows as an aligned text table, like `dbt show`. `more`: the query had rows past the ones given (they were
 * not fetched), so the footer cannot count them.
 */
export function formatTable(fields: string[], rows: Record<string, unknown>[], limit: number, more = false): string {
  const shown = rows.slice(0, limit);
  const widths = fields.map((f) => Math.min(60, Math.max(f.length, ...shown.map((r) => cell(r[f]).length))));
  const line = (values: string[]) => `| ${values.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join(" | ")} |`;
  const out = [line(fields), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...shown.map((r) => line(fields.map((f) => cell(r[f]))))];
  if (more) out.push(`(first ${shown.length} row${shown.length === 1 ? "" : "s"}; more not fetched, raise --limit)`);
  else out.push(`(${rows.length} row${rows.length === 1 ? "" : "s"}${rows.length > limit ? `, first ${limit} shown` : ""})`);
  return out.join("\n");
}

/**
 * The statements of a SQL text, split at semicolons outside quotes, dollar quotes and comments, without
 * empty ones (a trailing `;` makes none).
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const rest = sql.slice(i);
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      i = close < 0 ? sql.length : close + 1; // a doubled quote is two adjacent strings: same split
    } else if (rest.startsWith("--")) {
      const nl = sql.indexOf("\n", i);
      i = nl < 0 ? sql.length : nl + 1;
    } else if (rest.startsWith("/*")) {
      const close = sql.indexOf("*/", i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === "$" && /^\$[A-Za-z_]*\$/.test(rest)) {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)![0];
      const close = sql.indexOf(tag, i + tag.length);
      i = close < 0 ? sql.length : close + tag.length;
    } else if (c === ";") {
      statements.push(sql.slice(start, i));
      start = ++i;
    } else i++;
  }
  statements.push(sql.slice(start));
  return statements.filter((s) => s.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, "").trim() !== "");
}

/** True for a statement that returns rows and can be wrapped in `select * from (…) limit N`. */
export function isQuery(statement: string): boolean {
  const text = statement.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/|\()*/, "");
  return /^(select|with|values|table)\b/i.test(text);
}

/** `statement` with its row limit inside the SQL (the warehouse stops there). */
export function limited(statement: string, limit: number): string {
  return `select * from (\n${statement}\n) as lakehouse_query limit ${limit}`;
}

export interface StreamedRows {
  fields: string[];
  /** How many rows `onRow` was given. */
  count: number;
}

/** Runs one query through a cursor and hands each row to `onRow` as it arrives: memory stays flat. */
export async function streamRows(client: pg.Client, text: string, onRow: (row: Record<string, unknown>, fields: string[]) => void): Promise<StreamedRows> {
  const stream = new QueryStream(text, [], { batchSize: 500, types: displayTypes });
  client.query(stream);
  const fieldNames = (): string[] => ((stream._result?.fields ?? []) as { name: string }[]).map((f) => f.name);
  let count = 0;
  for await (const row of stream) {
    onRow(row as Record<string, unknown>, count === 0 ? fieldNames() : []);
    count++;
  }
  return { fields: fieldNames(), count };
}

export interface PrintOptions {
  json: boolean;
  /** Rows to fetch at most; undefined: all (only with json). */
  limit?: number;
  out?: NodeJS.WritableStream;
}

/**
 * Prints a single query's rows: with json a JSON array of row objects, written as the rows stream in;
 * otherwise a table of the first `limit` rows. The limit is put into the SQL (one row more, to tell the
 * reader there are more).
 */
export async function printQuery(client: pg.Client, statement: string, options: PrintOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  if (options.json) {
    let opened = false;
    const sql = options.limit === undefined ? statement : limited(statement, options.limit);
    await streamRows(client, sql, (row) => {
      out.write(`${opened ? "," : "["}${JSON.stringify(row)}`);
      opened = true;
    });
    out.write(opened ? "]\n" : "[]\n");
    return 0;
  }
  const limit = options.limit ?? 50;
  const rows: Record<string, unknown>[] = [];
  const { fields } = await streamRows(client, limited(statement, limit + 1), (row) => rows.push(row));
  out.write(`${formatTable(fields, rows, limit, rows.length > limit)}\n`);
  return 0;
}

/** A server error as `lakehouse sql` prints it: message, SQLSTATE, position. */
export function reportQueryError(error: unknown): number {
  const e = error as Error & { position?: string; code?: string };
  process.stderr.write(`error: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ""}${e.position ? ` at character ${e.position}` : ""}\n`);
  return 1;
}

/** Parses `--limit`: a whole number ≥ 0, or undefined when not given. */
export function parseLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new LakehouseError("sql", `--limit "${String(value)}" is not a whole number ≥ 0`, { field: "--limit" }, "e.g. --limit 20");
  return n;
}

export const command: Command = {
  name: "sql",
  summary: "run one query against the warehouse and print the rows (like dbt show)",
  usage: '"<query>" [--json] [--limit N] [--database warehouse|catalog]',
  details:
    "A single query (select, with, values, table) streams through a cursor with --limit inside the SQL: the\n" +
    "table shows the first N rows (default 50); --json prints all rows, or N with --limit. Other statements\n" +
    "(DDL, insert, several statements) run as they are and print the last result.",
  options: {
    limit: { type: "string", description: "rows fetched (the table default is 50; --json: all unless given)" },
    database: { type: "string", description: "warehouse or catalog", default: "warehouse" },
  },
  async run({ env, positionals, values, json }) {
    const query = positionals.join(" ").trim();
    if (!query) throw new LakehouseError("sql", "no query given", {}, 'lakehouse sql "select 1"');
    const database = (values.database as string | undefined) ?? "warehouse";
    if (database !== "warehouse" && database !== "catalog") throw new LakehouseError("sql", `unknown database "${database}"`, {}, "use --database warehouse|catalog");
    const limit = parseLimit(values.limit);
    const statements = splitStatements(query);
    return withClient(env, database, async (client) => {
      try {
        if (statements.length === 1 && isQuery(statements[0])) return await printQuery(client, statements[0], { json, limit });
        const result = await client.query({ text: query, types: displayTypes });
        const last = (Array.isArray(result) ? result[result.length - 1] : result) as pg.QueryResult<Record<string, unknown>>;
        const rows = last.rows ?? [];
        if (json) process.stdout.write(`${JSON.stringify(limit === undefined ? rows : rows.slice(0, limit))}\n`);
        else if (last.fields?.length) process.stdout.write(`${formatTable(last.fields.map((f) => f.name), rows, limit ?? 50)}\n`);
        else process.stdout.write(`${last.command ?? "OK"}${last.rowCount !== null ? ` ${last.rowCount}` : ""}\n`);
        return 0;
      } catch (error) {
        return reportQueryError(error);
      }
    });
  },
};
