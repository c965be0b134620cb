/**
 * Rows → PostgreSQL COPY text format (tab-separated, `\N` for null, backslash escapes), one encoder per
 * silver type. Pure functions; values come in the Iceberg reader's in-memory types (scripts/iceberg):
 * string, int/double → number, boolean, long → bigint, date → days since 1970-01-01, timestamp → µs (bigint).
 */
import type { SilverColumn, SilverType } from "../silver/tables.ts";

const DAY_MS = 86_400_000;

function pad(n: number | bigint, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Days since 1970-01-01 → `YYYY-MM-DD` (strings pass through). */
export function formatDays(value: number | string): string {
  if (typeof value === "string") return value;
  const d = new Date(value * DAY_MS);
  if (Number.isNaN(d.getTime())) throw new Error(`date out of range: ${value} days`);
  const year = d.getUTCFullYear();
  return `${year < 0 ? "-" : ""}${pad(Math.abs(year), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Microseconds since the epoch (UTC) → `YYYY-MM-DD HH:MM:SS.ffffff`, exact to the microsecond. */
export function formatMicros(value: bigint | number | string | Date): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return formatMicros(BigInt(value.getTime()) * 1000n);
  const micros = typeof value === "bigint" ? value : BigInt(Math.round(value));
  let ms = micros / 1000n;
  let rest = micros % 1000n;
  if (rest < 0n) {
    rest += 1000n;
    ms -= 1n;
  }
  const d = new Date(Number(ms));
  if (Number.isNaN(d.getTime())) throw new Error(`timestamp out of range: ${micros} µs`);
  const fraction = `${pad(d.getUTCMilliseconds(), 3)}${pad(rest, 3)}`;
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${fraction}`;
}

export const NUL_MESSAGE = "text contains a NUL character, which PostgreSQL cannot store";

/** Escapes a text value for COPY's text format. */
export function escapeText(value: string): string {
  if (value.includes("\u0000")) throw new Error(NUL_MESSAGE);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/** A double as COPY text (PostgreSQL's spelling of the special values). */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return String(value);
}

/** One value in COPY text format (without the escaping of separators for non-text types, which never contain them). */
export function encodeValue(type: SilverType, value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  switch (type) {
    case "string":
      return escapeText(String(value));
    case "boolean":
      return value ? "t" : "f";
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) throw new Error(`expected an integer, got ${String(value)}`);
      return String(value);
    case "long":
      if (typeof value !== "bigint" && !(typeof value === "number" && Number.isInteger(value))) throw new Error(`expected a long, got ${String(value)}`);
      return String(value);
    case "double":
      if (typeof value !== "number") throw new Error(`expected a number, got ${String(value)}`);
      return formatDouble(value);
    case "date":
      return formatDays(value as number | string);
    case "timestamp":
      return formatMicros(value as bigint | number | string | Date);
  }
}

/** Encodes rows as COPY text lines for `columns` (in order); errors name the column and the row. */
export function encodeRows(columns: SilverColumn[], rows: Record<string, unknown>[], firstRowNumber = 1): string {
  let out = "";
  rows.forEach((row, i) => {
    const cells: string[] = [];
    for (const column of columns) {
      try {
        cells.push(encodeValue(column.type, row[column.name]));
      } catch (error) {
        throw new Error(`row ${firstRowNumber + i}, column ${column.name}: ${(error as Error).message}`);
      }
    }
    out += `${cells.join("\t")}\n`;
  });
  return out;
}
