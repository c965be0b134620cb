/**
 * Typing and validation of single values against a declared silver column (pure functions).
 *
 * In memory a silver row holds the values the Iceberg writer takes: string→string, int/double→number,
 * boolean→boolean, long→bigint, date→number (days since 1970-01-01), timestamp→bigint (microseconds
 * since epoch, UTC), null for a missing optional value.
 *
 * Rules (every violation is a `FieldError` naming the field and the reason; the record goes to quarantine):
 * - strings are trimmed; a JSON number in a string column is cast to its text (the Sparkify song files
 *   hold numeric artist names and locations); objects, arrays and booleans are a wrong type; a string
 *   longer than the column's `maxLength` (in characters, after trimming) is rejected;
 * - a required column refuses null, a missing key and (for strings) an empty string after trimming;
 *   an optional string column keeps "" as "" (no information is invented or lost);
 * - numbers accept JSON numbers and numeric strings (cast); int must be an integer in int32 range,
 *   long a safe integer, double finite; booleans accept true/false and "true"/"false";
 * - timestamps accept ISO-8601 (`YYYY-MM-DD[T ]hh:mm:ss[.ffffff][Z|±hh:mm]`); without a zone they are UTC,
 *   with one they are converted to UTC; digits after the sixth fractional digit are truncated.
 *
 * What a warehouse cannot store is refused here, in silver, with its reason (instead of failing the mount
 * of a whole table, or being altered silently):
 * - a string holding U+0000 (PostgreSQL and Redshift text cannot hold NUL);
 * - a string holding a lone UTF-16 surrogate (from a JSON escape such as `\ud800`: it has no UTF-8 form and
 *   would be written as U+FFFD, unlike invalid UTF-8 bytes, which are quarantined too);
 * - a string longer than 65,535 UTF-8 bytes (Redshift's VARCHAR limit), whatever the column's maxLength;
 * - a double that is not finite or is subnormal (|x| < 2.2250738585072014e-308, x ≠ 0: outside Redshift's
 *   DOUBLE PRECISION range), an int outside int32, a long outside int64;
 * - a timestamp outside 0100-01-01 .. 9999-12-31T23:59:59.999999 UTC (inside what PostgreSQL and Redshift
 *   accept, 4713 BC .. 294276 AD, and what the ISO form above can write).
 */
import type { SilverColumn, SilverTable } from "./tables.ts";

export type SilverValue = string | number | boolean | bigint | null;
export type SilverRow = Record<string, SilverValue>;

/** A field of a record that cannot be typed: `field` is a path into the raw record, e.g. `session_items[2].price`. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = "FieldError";
  }
}

/** The lineage columns every silver row ends with. */
export interface Lineage {
  /** Days since 1970-01-01 of the landing partition. */
  ingest_on: number;
  /** Bucket key of the landed file. */
  source_file: string;
  /** Microseconds since epoch (UTC) of the run. */
  processed_at: bigint;
}

/** Redshift's VARCHAR limit, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 65_535;
/** The smallest positive normal double: below it (and above 0) Redshift's DOUBLE PRECISION refuses a value. */
const MIN_NORMAL_DOUBLE = 2.2250738585072014e-308;
/** The timestamp range silver accepts (microseconds since epoch): 0100-01-01 .. 9999-12-31T23:59:59.999999. */
export const MIN_TIMESTAMP = BigInt(Date.UTC(100, 0, 1)) * 1000n;
export const MAX_TIMESTAMP = BigInt(Date.UTC(9999, 11, 31, 23, 59, 59, 999)) * 1000n + 999n;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function describeType(raw: unknown): string {
  if (raw === null) return "null";
  if (Array.isArray(raw)) return "array";
  return typeof raw;
}

function shown(raw: unknown): string {
  const text = typeof raw === "string" ? JSON.stringify(raw) : String(raw);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const isMissing = (raw: unknown) => raw === null || raw === undefined;

/** A required value is present; an optional one that is missing gives null. */
function missing(column: Pick<SilverColumn, "required">, field: string, raw: unknown): null {
  if (column.required) throw new FieldError(field, raw === undefined ? "required field is missing" : "required field is null");
  return null;
}

export function castString(raw: unknown, field: string, column: Pick<SilverColumn, "required" | "maxLength">): string | null {
  if (isMissing(raw)) return missing(column, field, raw);
  let text: string;
  if (typeof raw === "string") text = raw.trim();
  else if (typeof raw === "number" && Number.isFinite(raw)) text = String(raw);
  else throw new FieldError(field, `wrong type: expected a string, got ${describeType(raw)}`);
  if (text === "" && column.required) throw new FieldError(field, "required field is empty");
  if (column.maxLength !== undefined && text.length > column.maxLength) {
    throw new FieldError(field, `string longer than ${column.maxLength} characters (${text.length})`);
  }
  checkStorable(text, field);
  return text;
}

/** String.prototype.isWellFormed (ES2024, Node 20): no lone surrogate. */
const isWellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Refuses text a warehouse cannot store (see the file's comment). */
function checkStorable(text: string, field: string): void {
  const nul = text.indexOf("\0");
  if (nul !== -1) throw new FieldError(field, `text contains a NUL character (U+0000) at character ${nul + 1}, which PostgreSQL and Redshift cannot store`);
  if (!isWellFormed(text)) {
    const at = text.search(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    const unit = text.charCodeAt(at).toString(16);
    throw new FieldError(field, `text contains a lone surrogate \\u${unit} at character ${at + 1}, which has no UTF-8 form (it would be stored as U+FFFD)`);
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: shorter text cannot exceed the limit.
  if (text.length > MAX_TEXT_BYTES / 3) {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > MAX_TEXT_BYTES) throw new FieldError(field, `text of ${bytes} UTF-8 bytes is longer than ${MAX_TEXT_BYTES}, the most a Redshift VARCHAR holds`);
  }
}

/** Refuses a double Redshift's DOUBLE PRECISION cannot hold (non-finite is refused before). */
function checkDouble(value: number, field: string, raw: unknown): number {
  if (value !== 0 && Math.abs(value) < MIN_NORMAL_DOUBLE) throw new FieldError(field, `number out of the double precision range (subnormal): ${shown(raw)}`);
  return value;
}

/** Refuses a timestamp outside MIN_TIMESTAMP .. MAX_TIMESTAMP. */
export function checkTimestamp(micros: bigint, field: string, raw: unknown): bigint {
  if (micros < MIN_TIMESTAMP || micros > MAX_TIMESTAMP) throw new FieldError(field, `timestamp out of range (0100-01-01 .. 9999-12-31 UTC): ${shown(raw)}`);
  return micros;
}

function toNumber(raw: unknown, field: string, expected: string): number {
  if (typeof raw === "number") {
    if (!Number.isFinite(raw)) throw new FieldError(field, `not a finite number: ${shown(raw)}`);
    return raw;
  }
  if (typeof raw === "string") {
    const text = raw.trim();
    if (NUMERIC.test(text)) return Number(text);
    throw new FieldError(field, `not a number: ${shown(raw)}`);
  }
  throw new FieldError(field, `wrong type: expected ${expected}, got ${describeType(raw)}`);
}

export function castDouble(raw: unknown, field: string, column: Pick<SilverColumn, "required">): number | null {
  if (isMissing(raw) || (typeof raw === "string" && raw.trim() === "")) return missing(column, field, raw);
  const value = toNumber(raw, field, "a number");
  if (!Number.isFinite(value)) throw new FieldError(field, `not a finite number: ${shown(raw)}`);
  return checkDouble(value, field, raw);
}

export function castInt(raw: unknown, field: string, column: Pick<SilverColumn, "required">): number | null {
  if (isMissing(raw) || (typeof raw === "string" && raw.trim() === "")) return missing(column, field, raw);
  const value = toNumber(raw, field, "an integer");
  if (!Number.isInteger(value)) throw new FieldError(field, `not an integer: ${shown(raw)}`);
  if (value < INT32_MIN || value > INT32_MAX) throw new FieldError(field, `integer out of the int range: ${shown(raw)}`);
  return value;
}

export function castLong(raw: unknown, field: string, column: Pick<SilverColumn, "required">): bigint | null {
  if (isMissing(raw) || (typeof raw === "string" && raw.trim() === "")) return missing(column, field, raw);
  if (typeof raw === "string" && /^[+-]?\d+$/.test(raw.trim())) {
    const value = BigInt(raw.trim());
    if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new FieldError(field, `integer out of the long range: ${shown(raw)}`);
    return value;
  }
  const value = toNumber(raw, field, "an integer");
  if (!Number.isInteger(value)) throw new FieldError(field, `not an integer: ${shown(raw)}`);
  if (!Number.isSafeInteger(value)) throw new FieldError(field, `integer too large to be exact: ${shown(raw)}`);
  return BigInt(value);
}

export function castBoolean(raw: unknown, field: string, column: Pick<SilverColumn, "required">): boolean | null {
  if (isMissing(raw)) return missing(column, field, raw);
  if (typeof raw === "boolean") return raw;
  if (typeof raw === "string") {
    const text = raw.trim().toLowerCase();
    if (text === "true") return true;
    if (text === "false") return false;
    if (text === "") return missing(column, field, raw);
    throw new FieldError(field, `not a boolean: ${shown(raw)}`);
  }
  throw new FieldError(field, `wrong type: expected a boolean, got ${describeType(raw)}`);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function checkCalendar(field: string, raw: unknown, y: number, m: number, d: number): void {
  if (m < 1 || m > 12 || d < 1 || d > DAYS_IN_MONTH[m - 1] || (m === 2 && d === 29 && !isLeap(y))) {
    throw new FieldError(field, `unparsable timestamp (no such date): ${shown(raw)}`);
  }
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → days since 1970-01-01. */
export function parseDate(text: string, field = "date"): number {
  const m = DATE_RE.exec(text.trim());
  if (!m) throw new FieldError(field, `unparsable date: ${shown(text)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  checkCalendar(field, text, y, mo, d);
  return Date.UTC(y, mo - 1, d) / 86_400_000;
}

export function castDate(raw: unknown, field: string, column: Pick<SilverColumn, "required">): number | null {
  if (isMissing(raw) || (typeof raw === "string" && raw.trim() === "")) return missing(column, field, raw);
  if (typeof raw !== "string") throw new FieldError(field, `wrong type: expected a date string, got ${describeType(raw)}`);
  return parseDate(raw, field);
}

/** Days since epoch → `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since epoch of the midnight of valid `YYYY-MM-DD` days seen by the fast path (bounded). */
const midnights = new Map<string, number>();
const MAX_MIDNIGHTS = 4096;

/** The digit at `i` of `text`, or -1. */
function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Digits `from`..`to` (exclusive) of `text` as a number, or -1 if one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = digit(text, i);
    if (d < 0) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The common shape, `YYYY-MM-DD[T ]hh:mm:ss[.f…]` without a zone or surrounding spaces, on a valid day and
 * time (year from 0100): its microseconds, computed without a regex or Date per value (the day's midnight
 * is cached). Anything else gives null and goes through the general parser, which also words the errors.
 */
function fastTimestamp(text: string): bigint | null {
  const n = text.length;
  if (n < 19 || n > 40 || n === 20) return null;
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 84 && sep !== 32) || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return null;
  const h = digits(text, 11, 13);
  const mi = digits(text, 14, 16);
  const sec = digits(text, 17, 19);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return null;
  let micros = 0;
  if (n > 19) {
    const point = text.charCodeAt(19);
    if (point !== 46 && point !== 44) return null;
    for (let i = 20; i < n; i++) {
      const d = digit(text, i);
      if (d < 0) return null;
      if (i < 26) micros = micros * 10 + d;
    }
    for (let i = Math.min(n, 26); i < 26; i++) micros *= 10;
  }
  const day = text.slice(0, 10);
  let midnight = midnights.get(day);
  if (midnight === undefined) {
    const y = digits(text, 0, 4);
    const mo = digits(text, 5, 7);
    const d = digits(text, 8, 10);
    if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > DAYS_IN_MONTH[mo - 1] || (mo === 2 && d === 29 && !isLeap(y))) return null;
    midnight = Date.UTC(y, mo - 1, d);
    if (midnights.size >= MAX_MIDNIGHTS) midnights.clear();
    midnights.set(day, midnight);
  }
  const ms = midnight + ((h * 60 + mi) * 60 + sec) * 1000;
  // Within ±2^53 µs (years 1685–2255) the sum is exact as a number; beyond, in bigints.
  return Math.abs(ms) < 9e12 ? BigInt(ms * 1000 + micros) : BigInt(ms) * 1000n + BigInt(micros);
}

/** ISO-8601 timestamp → microseconds since epoch (UTC). No zone means UTC. */
export function parseTimestamp(text: string, field = "timestamp"): bigint {
  const fast = fastTimestamp(text);
  if (fast !== null) return fast;
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) throw new FieldError(field, `unparsable timestamp: ${shown(text)}`);
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  checkCalendar(field, text, y, mo, d);
  if (h > 23 || mi > 59 || s > 59) throw new FieldError(field, `unparsable timestamp (time out of range): ${shown(text)}`);
  const micros = BigInt((m[7] ?? "").slice(0, 6).padEnd(6, "0"));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || "0");
    if (oh > 23 || om > 59) throw new FieldError(field, `unparsable timestamp (bad zone offset): ${shown(text)}`);
    offsetMinutes = sign * (oh * 60 + om);
  }
  // Date.UTC maps years 0–99 to 1900–1999: refuse them (the regex requires four digits: 0000–0099).
  if (y < 100) throw new FieldError(field, `unparsable timestamp (year before 0100): ${shown(text)}`);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - offsetMinutes * 60_000;
  return BigInt(ms) * 1000n + micros;
}

export function castTimestamp(raw: unknown, field: string, column: Pick<SilverColumn, "required">): bigint | null {
  if (isMissing(raw) || (typeof raw === "string" && raw.trim() === "")) return missing(column, field, raw);
  if (typeof raw !== "string") throw new FieldError(field, `wrong type: expected an ISO-8601 timestamp string, got ${describeType(raw)}`);
  return checkTimestamp(parseTimestamp(raw, field), field, raw);
}

/** Microseconds since epoch → ISO-8601 UTC with six fractional digits (for messages and tests). */
export function formatTimestamp(micros: bigint): string {
  const rest = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const seconds = (micros - rest) / 1_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${iso}.${rest.toString().padStart(6, "0")}Z`;
}

/** Casts a raw value to a column's declared type with its rules (see the file's comment). */
export function castColumn(column: SilverColumn, raw: unknown, field: string = column.name): SilverValue {
  switch (column.type) {
    case "string":
      return castString(raw, field, column);
    case "int":
      return castInt(raw, field, column);
    case "long":
      return castLong(raw, field, column);
    case "double":
      return castDouble(raw, field, column);
    case "boolean":
      return castBoolean(raw, field, column);
    case "date":
      return castDate(raw, field, column);
    case "timestamp":
      return castTimestamp(raw, field, column);
  }
}

/**
 * Checks a value already converted by entity code (e.g. a timestamp from epoch milliseconds) against
 * its column: required, and string length. Returns the value.
 */
export function checkValue(column: SilverColumn, value: SilverValue | undefined, field: string = column.name): SilverValue {
  if (value === null || value === undefined) return missing(column, field, value);
  if (typeof value === "string") return castString(value, field, column);
  if (column.type === "timestamp" && typeof value === "bigint") return checkTimestamp(value, field, formatTimestamp(value));
  return value;
}

/** A record must be a JSON object. */
export function asObject(raw: unknown, field = "(record)"): Record<string, unknown> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new FieldError(field, `wrong type: expected a JSON object, got ${describeType(raw)}`);
  }
  return raw as Record<string, unknown>;
}

/** Columns of a table by name, for entity parsers. */
export function columnsByName(table: SilverTable): Record<string, SilverColumn> {
  return Object.fromEntries(table.columns.map((c) => [c.name, c]));
}

/** The data columns of a table: everything but the lineage columns. */
export const LINEAGE_COLUMNS = ["ingest_on", "source_file", "processed_at"] as const;
export function dataColumns(table: SilverTable): SilverColumn[] {
  return table.columns.filter((c) => !(LINEAGE_COLUMNS as readonly string[]).includes(c.name));
}
