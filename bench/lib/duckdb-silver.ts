/**
 * DuckDB references of the silver stage for the benchmark: an in-process DuckDB reads the same landed files
 * silver reads and writes the same rows to SNAPPY Parquet. Only that part is timed (instance start and
 * teardown are not). Shared by the api/sessions reference (here) and the sparkify/events one
 * (duckdb-events.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

export interface DuckdbReferenceOptions {
  /** Keep the Parquet files (default: outDir is removed afterwards; tests read them back). */
  keep?: boolean;
}

/** A DuckDB list literal of file paths: `['a', 'b']`. */
export const sqlFiles = (files: string[]): string => `[${files.map(sqlString).join(", ")}]`;

export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The landing partition day of a row, from read_json's `filename` column (…/ingest_on=YYYY-MM-DD/…). */
export const INGEST_ON = "cast(regexp_extract(filename, 'ingest_on=([0-9-]+)', 1) as date)";

/** The bucket key of the landed file (what silver stores in source_file), from `filename`. */
export const SOURCE_FILE = "regexp_extract(filename, '(landing/.*)$', 1)";

/**
 * Runs `statements(parquet)` in a fresh in-memory DuckDB, one after the other, and returns their wall time in
 * seconds; `parquet(name)` is the path of `<outDir>/<name>.parquet`, to `copy … to` it as SNAPPY Parquet.
 */
export async function timedDuckdb(outDir: string, statements: (parquet: (name: string) => string) => string[], options: DuckdbReferenceOptions = {}): Promise<number> {
  fs.mkdirSync(outDir, { recursive: true });
  const parquet = (name: string) => `${sqlString(path.join(outDir, `${name}.parquet`))} (format parquet, compression snappy)`;
  const sql = statements(parquet);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const started = performance.now();
    for (const statement of sql) await connection.run(statement);
    return (performance.now() - started) / 1000;
  } finally {
    connection.closeSync();
    instance.closeSync();
    if (!options.keep) fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** The same rows silver writes for api/sessions (sessions and session_items, with ingest_on and source file), by DuckDB. */
export function duckdbSessionsToParquet(files: string[], outDir: string, options: DuckdbReferenceOptions = {}): Promise<number> {
  const columns =
    "{session_id: 'VARCHAR', user_id: 'VARCHAR', session_start_time: 'TIMESTAMP', user_agent: 'VARCHAR', " +
    "session_items: 'STRUCT(song_id VARCHAR, song_name VARCHAR, artist_id VARCHAR, artist_name VARCHAR, price DOUBLE, currency VARCHAR, liked BOOLEAN, liked_since TIMESTAMP)[]'}";
  return timedDuckdb(
    outDir,
    (parquet) => [
      `create temp table landed as select *, ${INGEST_ON} as ingest_on from read_json(${sqlFiles(files)}, format = 'array', columns = ${columns}, filename = true)`,
      `copy (select session_id, user_id, session_start_time, user_agent, len(session_items)::integer as item_count, ingest_on, filename as source_file, now()::timestamp as processed_at from landed) ` +
        `to ${parquet("sessions")}`,
      `copy (select session_id, user_id, session_start_time, user_agent, generate_subscripts(session_items, 1)::integer as item_number, unnest(session_items, recursive := true), ingest_on, filename as source_file, now()::timestamp as processed_at from landed) ` +
        `to ${parquet("session_items")}`,
    ],
    options,
  );
}
