/**
 * `sparkify/events` → `silver.sparkify_events`: one row per log line (JSON lines; the last line of a file
 * has no trailing newline). camelCase keys become the snake_case columns of tables.ts:
 * - `userId: ""` (logged-out events) → `user_id` null;
 * - `ts` (epoch milliseconds) is kept as `ts` and gives `event_at` (UTC); it must be a positive integer:
 *   `ts = 0` (1970-01-01T00:00:00Z) is the placeholder of a missing clock, not an event time, and is
 *   quarantined like a negative one (a play on 1970-01-01 would enter songplays and the time dimension);
 * - `registration` (a float of epoch milliseconds) → `registration_at` (UTC), rounded to the microsecond;
 *   the same rule: 0 and negative values are quarantined, a missing one is null;
 * - `length` (seconds) must not be negative: a negative duration is quarantined; 0 is kept (a zero-length
 *   track is odd but storable, and it is what the log says);
 * - text fields are repaired of double-encoded UTF-8 (repair.ts) before trimming and length checks;
 * - `userAgent` keeps its literal wrapping double quotes (as logged);
 * - `line_number` is the line of the event in its file, from 1.
 */
import { RECORD_FORMAT } from "../../land/records.ts";
import { repairValue } from "../repair.ts";
import { silverTable } from "../tables.ts";
import { asObject, castColumn, checkValue, columnsByName, FieldError, type SilverRow } from "../values.ts";
import type { EntityParser, RecordContext } from "./types.ts";

const c = columnsByName(silverTable("sparkify_events"));

/** Upper bound for epoch milliseconds (year 5138): beyond it a value is not a plausible event time. */
const MAX_EPOCH_MS = 1e14;

function epochMillis(raw: unknown, field: string, required: boolean): number | null {
  if (raw === null || raw === undefined || raw === "") {
    if (required) throw new FieldError(field, raw === undefined ? "required field is missing" : "required field is null");
    return null;
  }
  const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw.trim()) : raw;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new FieldError(field, `unparsable timestamp: not epoch milliseconds: ${JSON.stringify(raw)}`);
  if (value === 0) throw new FieldError(field, `epoch milliseconds 0 (1970-01-01T00:00:00Z) is the placeholder of a missing time, not a time`);
  if (value < 0 || value > MAX_EPOCH_MS) throw new FieldError(field, `unparsable timestamp: epoch milliseconds out of range: ${value}`);
  return value;
}

/** A text field: repaired, then typed (its FieldError names the log key). */
const text = (name: string, raw: unknown, key: string) => castColumn(c[name], repairValue(raw), key);

/** `ts`: required, a positive integer of epoch milliseconds, kept as a long. */
function eventMillis(raw: unknown): bigint {
  const ts = epochMillis(raw, "ts", true)!;
  if (!Number.isInteger(ts)) throw new FieldError("ts", `not an integer number of milliseconds: ${ts}`);
  return BigInt(ts);
}

/**
 * The row, built as one object (columns in table order, fields checked in that order: the first failure
 * is the one reported). Silver name ← log key: every text column of the literal names its key.
 */
export function parseSparkifyEvent(raw: unknown, ctx: RecordContext): SilverRow {
  const record = asObject(raw);
  const row: SilverRow = {
    artist: text("artist", record.artist, "artist"),
    auth: text("auth", record.auth, "auth"),
    first_name: text("first_name", record.firstName, "firstName"),
    gender: text("gender", record.gender, "gender"),
    last_name: text("last_name", record.lastName, "lastName"),
    level: text("level", record.level, "level"),
    location: text("location", record.location, "location"),
    method: text("method", record.method, "method"),
    page: text("page", record.page, "page"),
    song: text("song", record.song, "song"),
    user_agent: text("user_agent", record.userAgent, "userAgent"),
    item_in_session: castColumn(c.item_in_session, record.itemInSession, "itemInSession"),
    length: castColumn(c.length, record.length, "length"),
    session_id: castColumn(c.session_id, record.sessionId, "sessionId"),
    status: castColumn(c.status, record.status, "status"),
    ts: eventMillis(record.ts),
    event_at: null, // from ts, below
    registration_at: registrationMicros(record.registration),
    user_id: castColumn(c.user_id, typeof record.userId === "string" && record.userId.trim() === "" ? null : record.userId, "userId"),
    line_number: checkValue(c.line_number, ctx.line ?? ctx.record, "line_number"),
    ingest_on: ctx.lineage.ingest_on,
    source_file: ctx.lineage.source_file,
    processed_at: ctx.lineage.processed_at,
  };
  row.event_at = (row.ts as bigint) * 1000n;
  if (row.length !== null && (row.length as number) < 0) throw new FieldError("length", `negative length: ${row.length}`);
  return row;
}

/** `registration`: optional float of epoch milliseconds, rounded to the microsecond. */
function registrationMicros(raw: unknown): bigint | null {
  const registration = epochMillis(raw, "registration", false);
  return registration === null ? null : BigInt(Math.round(registration * 1000));
}

export const sparkifyEvents: EntityParser = {
  entity: "sparkify/events",
  tables: ["sparkify_events"],
  format: RECORD_FORMAT["sparkify/events"],
  parse: (raw, ctx) => ({ sparkify_events: [parseSparkifyEvent(raw, ctx)] }),
};
