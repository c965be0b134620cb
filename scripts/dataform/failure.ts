// A failed model's error pointing at the cause: its SQLX file and the line of the user's statement where the
// warehouse puts the error, rather than Dataform's cleanup `drop … cascade` (the statement Dataform prints).
// PostgreSQL gives the position when the model's own query is explained; the query line is then found in
// the source file (the compiled text differs only where ${ref()} and other expressions were replaced).
import * as fs from "node:fs";
import * as path from "node:path";
import type pg from "pg";
import type { CompiledAction } from "./compile.ts";

export interface LocatedFailure {
  file?: string;
  line?: number;
  message: string;
}

/** The source line (1-based) of the compiled query's line `queryLine`, by its text; undefined when not found. */
export function sourceLine(source: string, query: string, queryLine: number): number | undefined {
  const lines = source.split("\n");
  const wanted = (query.split("\n")[queryLine - 1] ?? "").trim();
  if (!wanted) return undefined;
  const exact = lines.findIndex((l) => l.trim() === wanted);
  if (exact >= 0) return exact + 1;
  // A line with an expression: compare the text before the first replaced part.
  const head = wanted.split(/"[^"]+"\."[^"]+"/)[0].trim();
  if (head.length < 4) return undefined;
  const partial = lines.findIndex((l) => l.trim().startsWith(head));
  return partial >= 0 ? partial + 1 : undefined;
}

/** Explains the model's query to get the warehouse's error position, and maps it to the SQLX file's line. */
export async function locateFailure(client: pg.Client, action: CompiledAction, message: string, projectDir: string): Promise<LocatedFailure> {
  const query = action.query;
  const file = action.fileName;
  if (!query || !file) return { ...(file ? { file } : {}), message };
  let position: number | undefined;
  let pgMessage = message;
  try {
    await client.query(`explain ${query}`);
    return { file, message };
  } catch (error) {
    const e = error as Error & { position?: string };
    position = e.position ? Number(e.position) - "explain ".length : undefined;
    pgMessage = e.message || message;
  }
  if (!position || position < 1) return { file, message: pgMessage };
  const queryLine = query.slice(0, position - 1).split("\n").length;
  let line: number | undefined;
  try {
    line = sourceLine(fs.readFileSync(path.join(projectDir, file), "utf8"), query, queryLine);
  } catch {
    line = undefined;
  }
  return { file, ...(line ? { line } : {}), message: pgMessage };
}

/** `definitions/x.sqlx:12: column "nope" does not exist`. */
export function formatLocated(f: LocatedFailure): string {
  return f.file ? `${f.file}${f.line ? `:${f.line}` : ""}: ${f.message}` : f.message;
}
