/**
 * `sparkify/events` → `silver.sparkify_events`: one row per log line (JSON lines; the last line of a file
 * has no trailing newline). camelCase keys become the snake_case columns of tables.ts:
 * - `userId: ""` (logged-out events) → `user_id` null;
 * - `ts` (epoch milliseconds) is kept as `ts` and gives `event_at` (UTC); it must be a non-negative integer;
 * - `registration` (a float of epoch milliseconds) → `registration_at` (UTC), rounded to the microsecond;
 * - text fields are repaired of double-encoded UTF-8 (repair.ts) before trimming and length checks;
 * - `userAgent` keeps its literal wrapping double quotes (as logged);
 * - `line_number` is the line of the event in its file, from 1.
 */
import { repairValue } from "../repair.ts";
import { silverTable } from "../tables.ts";
import { asObject, castColumn, checkValue, columnsByName, FieldError, type SilverRow } from "../values.ts";
import type { EntityParser, RecordContext } from "./types.ts";

const c = columnsByName(silverTable("sparkify_events"));

/** Plain columns: silver name → log key. */
const TEXT: [string, string][] = [
  ["artist", "artist"],
  ["auth", "auth"],
  ["first_name", "firstName"],
  ["gender", "gender"],
  ["last_name", "lastName"],
  ["level", "level"],
  ["location", "location"],
  ["method", "method"],
  ["page", "page"],
  ["song", "song"],
  ["user_agent", "userAgent"],
];
const NUMBERS: [string, string][] = [
  ["item_in_session", "itemInSession"],
  ["length", "length"],
  ["session_id", "sessionId"],
  ["status", "status"],
];

/** Upper bound for epoch milliseconds (year 5138): beyond it a value is not a plausible event time. */
const MAX_EPOCH_MS = 1e14;

function epochMillis(raw: unknown, field: string, required: boolean): number | null {
  if (raw === null || raw === undefined || raw === "") {
    if (required) throw new FieldError(field, raw === undefined ? "required field is missing" : "required field is null");
    return null;
  }
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw.trim()) : raw;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new FieldError(field, `unparsable timestamp: not epoch milliseconds: ${JSON.stringify(raw)}`);
  if (value < 0 || value > MAX_EPOCH_MS) throw new FieldError(field, `unparsable timestamp: epoch milliseconds out of range: ${value}`);
  return value;
}

export function parseSparkifyEvent(raw: unknown, ctx: RecordContext): SilverRow {
  const record = asObject(raw);
  const row: SilverRow = {};
  for (const [name, key] of TEXT) row[name] = castColumn(c[name], repairValue(record[key]), key);
  for (const [name, key] of NUMBERS) row[name] = castColumn(c[name], record[key], key);
  const ts = epochMillis(record.ts, "ts", true)!;
  if (!Number.isInteger(ts)) throw new FieldError("ts", `not an integer number of milliseconds: ${ts}`);
  row.ts = BigInt(ts);
  row.event_at = BigInt(ts) * 1000n;
  const registration = epochMillis(record.registration, "registration", false);
  row.registration_at = registration === null ? null : BigInt(Math.round(registration * 1000));
  const userId = typeof record.userId === "string" && record.userId.trim() === "" ? null : record.userId;
  row.user_id = castColumn(c.user_id, userId, "userId");
  row.line_number = checkValue(c.line_number, ctx.line ?? ctx.record, "line_number");
  row.ingest_on = ctx.lineage.ingest_on;
  row.source_file = ctx.lineage.source_file;
  row.processed_at = ctx.lineage.processed_at;
  return row;
}

export const sparkifyEvents: EntityParser = {
  entity: "sparkify/events",
  tables: ["sparkify_events"],
  format: "jsonl",
  parse: (raw, ctx) => ({ sparkify_events: [parseSparkifyEvent(raw, ctx)] }),
};
