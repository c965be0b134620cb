/**
 * The DuckDB reference of silver's sparkify/events: the landed JSON-lines files
 * (`landing/sparkify/events/ingest_on=…/part-*.json`) → the rows and columns of `silver.sparkify_events`
 * (scripts/silver/tables.ts, in its order) in one SNAPPY Parquet file. What it does like silver: snake_case
 * names, text trimmed, `userId: ""` → null, `event_at` from `ts` and `registration_at` from `registration`
 * (epoch ms → timestamp, microseconds), `line_number` from 1 in each file, `ingest_on` from the path,
 * `source_file` the bucket key. What it does not: the repair of double-encoded UTF-8 and the per-record
 * validation (a line DuckDB cannot type fails the whole read, where silver quarantines it), so feed it valid
 * files (the synthetic generator's default).
 */
import { silverTable } from "../../scripts/silver/tables.ts";
import { INGEST_ON, SOURCE_FILE, sqlFiles, timedDuckdb, type DuckdbReferenceOptions } from "./duckdb-silver.ts";

/** The log's keys and their DuckDB types (read_json `columns`). */
const LOG_COLUMNS: Record<string, string> = {
  artist: "VARCHAR", auth: "VARCHAR", firstName: "VARCHAR", gender: "VARCHAR", itemInSession: "INTEGER", lastName: "VARCHAR",
  length: "DOUBLE", level: "VARCHAR", location: "VARCHAR", method: "VARCHAR", page: "VARCHAR", registration: "DOUBLE",
  sessionId: "BIGINT", song: "VARCHAR", status: "INTEGER", ts: "BIGINT", userAgent: "VARCHAR", userId: "VARCHAR",
};

/** Each silver column from the landed row (`landed` has the log keys, `filename` and `row_in_file`). */
const EXPRESSIONS: Record<string, string> = {
  artist: "trim(artist)",
  auth: "trim(auth)",
  first_name: "trim(firstName)",
  gender: "trim(gender)",
  item_in_session: "itemInSession",
  last_name: "trim(lastName)",
  length: "length",
  level: "trim(level)",
  location: "trim(location)",
  method: "trim(method)",
  page: "trim(page)",
  registration_at: "make_timestamp(round(registration * 1000)::bigint)",
  session_id: "sessionId",
  song: "trim(song)",
  status: "status",
  ts: "ts",
  event_at: "make_timestamp(ts * 1000)",
  user_agent: "trim(userAgent)",
  user_id: "nullif(trim(userId), '')",
  line_number: "row_in_file::integer",
  ingest_on: INGEST_ON,
  source_file: SOURCE_FILE,
  processed_at: "now()::timestamp",
};

/** `select` list of silver.sparkify_events' columns, in the table's order; fails when the table gained a column. */
function selectList(): string {
  return silverTable("sparkify_events")
    .columns.map((column) => {
      const expression = EXPRESSIONS[column.name];
      if (!expression) throw new Error(`duckdbEventsToParquet: no DuckDB expression for silver.sparkify_events.${column.name}`);
      return `${expression} as ${column.name}`;
    })
    .join(", ");
}

/**
 * Reads the landed Sparkify log files and writes `<outDir>/sparkify_events.parquet` with silver's rows and
 * columns; returns the seconds of that read + write. The rows go through a temporary table first: its row
 * ids keep the files' line order (DuckDB preserves insertion order), so a row's line is its row id minus its
 * file's first row id, plus one.
 */
export function duckdbEventsToParquet(files: string[], outDir: string, options: DuckdbReferenceOptions = {}): Promise<number> {
  const columns = `{${Object.entries(LOG_COLUMNS).map(([key, type]) => `${key}: '${type}'`).join(", ")}}`;
  return timedDuckdb(
    outDir,
    (parquet) => [
      `create temp table landed as select * from read_json(${sqlFiles(files)}, format = 'newline_delimited', columns = ${columns}, filename = true)`,
      `copy (select ${selectList()} from (select landed.*, landed.rowid - first_row + 1 as row_in_file from landed join (select filename, min(rowid) as first_row from landed group by filename) using (filename))) ` +
        `to ${parquet("sparkify_events")}`,
    ],
    options,
  );
}
