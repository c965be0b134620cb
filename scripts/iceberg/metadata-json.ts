/**
 * Table metadata JSON, read and written without losing 64-bit integers (spec "Table Metadata Fields";
 * "JSON serialization" of the appendix C). `JSON.parse` rounds a snapshot id such as 3055729675574597004
 * to 3055729675574597000; here the text is parsed with lossless-json:
 *
 * - every `snapshot-id`, `parent-snapshot-id` and `current-snapshot-id` (snapshots, refs, logs, statistics)
 *   becomes a `bigint`, whatever its size;
 * - any other integer outside ±2^53 stays a `bigint` too (kept exactly, written back as it was read);
 * - every other number is a JS number.
 *
 * `stringifyMetadata` writes bigints as plain JSON integers, so a read → commit round trip keeps every id.
 * `parseMetadata` also fills what the spec lets a writer omit (snapshots, logs, refs, properties,
 * current-snapshot-id) so that the rest of the library sees one shape.
 */
import { isInteger, isSafeNumber, parse, stringify } from "lossless-json";
import { LakehouseError } from "../core/errors.ts";
import type { Storage } from "../storage/types.ts";
import { keyOf } from "./locations.ts";
import { NO_SNAPSHOT, type TableMetadata } from "./types.ts";

const ID_KEYS = new Set(["snapshot-id", "parent-snapshot-id", "current-snapshot-id"]);

function parseNumber(text: string): number | bigint {
  if (isInteger(text) && !isSafeNumber(text)) return BigInt(text);
  return Number(text);
}

function revive(key: string, value: unknown): unknown {
  if (ID_KEYS.has(key) && typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error(`${key} ${value} is not an integer`);
    return BigInt(value);
  }
  return value;
}

/** Parses any JSON text with 64-bit ids as bigint (see the module comment). */
export function parseExactJson(text: string): unknown {
  return parse(text, revive, parseNumber);
}

/** JSON text with bigints as integers (`space` as JSON.stringify). */
export function stringifyExactJson(value: unknown, space?: number): string {
  const text = stringify(value, undefined, space);
  if (text === undefined) throw new Error("value has no JSON form");
  return text;
}

function invalid(file: string, field: string, message: string): LakehouseError {
  return new LakehouseError("iceberg", message, { file, field }, "the file is not valid Iceberg v2 table metadata (spec: Table Metadata Fields)");
}

function requireNumber(m: Record<string, unknown>, field: string, file: string): void {
  if (typeof m[field] === "bigint") throw invalid(file, field, `${field} ${String(m[field])} is beyond 2^53, which this library does not support for a ${field}`);
  if (typeof m[field] !== "number") throw invalid(file, field, `${field} is missing or not a number`);
}

/** Parses and checks metadata JSON (format version 2), filling the optional lists with their empty forms. */
export function parseMetadata(text: string, file: string): TableMetadata {
  let raw: unknown;
  try {
    raw = parseExactJson(text);
  } catch (error) {
    throw new LakehouseError("iceberg", `metadata is not valid JSON: ${(error as Error).message}`, { file }, "the metadata file is damaged or not a metadata file", { cause: error });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid(file, "(root)", "metadata is not a JSON object");
  const m = raw as Record<string, unknown>;
  if (m["format-version"] !== 2) {
    throw new LakehouseError("iceberg", `format-version ${String(m["format-version"])} is not supported (only 2)`, { file, field: "format-version" }, "this library reads and writes Iceberg v2 tables");
  }
  for (const field of ["table-uuid", "location"]) if (typeof m[field] !== "string") throw invalid(file, field, `${field} is missing or not a string`);
  for (const field of ["last-sequence-number", "last-updated-ms", "last-column-id", "current-schema-id", "default-spec-id", "last-partition-id"]) requireNumber(m, field, file);
  for (const field of ["schemas", "partition-specs"]) if (!Array.isArray(m[field]) || (m[field] as unknown[]).length === 0) throw invalid(file, field, `${field} is missing or empty`);
  m.properties ??= {};
  m.snapshots ??= [];
  m["snapshot-log"] ??= [];
  m["metadata-log"] ??= [];
  m.refs ??= {};
  m["sort-orders"] ??= [{ "order-id": 0, fields: [] }];
  m["default-sort-order-id"] ??= 0;
  if (m["current-snapshot-id"] === undefined || m["current-snapshot-id"] === null) m["current-snapshot-id"] = NO_SNAPSHOT;
  for (const [i, snapshot] of (m.snapshots as Record<string, unknown>[]).entries()) {
    if (typeof snapshot["snapshot-id"] !== "bigint") throw invalid(file, `snapshots[${i}].snapshot-id`, "snapshot-id is missing or not an integer");
    if (typeof snapshot["manifest-list"] !== "string") {
      throw invalid(file, `snapshots[${i}].manifest-list`, "snapshot has no manifest-list (v1 inline manifests are not supported in v2)");
    }
    requireNumber(snapshot, "sequence-number", file);
  }
  return m as unknown as TableMetadata;
}

/** The JSON text of a metadata file (2-space indent, trailing newline). */
export function stringifyMetadata(metadata: TableMetadata): string {
  return `${stringifyExactJson(metadata, 2)}\n`;
}

/** Reads and parses the metadata file at `location` (a URI of the storage's bucket). */
export async function readMetadataFile(storage: Storage, location: string): Promise<TableMetadata> {
  const bytes = await storage.get(keyOf(storage, location));
  return parseMetadata(bytes.toString("utf8"), location);
}
