/**
 * Inspecting any v2 table from its location (what `lakehouse iceberg` prints): finding the current metadata
 * file of a table directory, and the table's description, snapshots, files and rows as plain JSON-ready
 * objects (64-bit ids as bigint, dates `YYYY-MM-DD`, timestamps ISO-8601).
 */
import { DataType, DateUnit, TimeUnit, type RecordBatch, type Vector } from "apache-arrow";
import { LakehouseError } from "../core/errors.ts";
import type { Storage } from "../storage/types.ts";
import { currentByMarkers, metadataVersion, type LoadedTable } from "./catalog.ts";
import { uriOf } from "./locations.ts";
import { readMetadataFile } from "./metadata-json.ts";
import { currentSchema, currentSnapshot, snapshotById } from "./metadata.ts";
import { partitionResultType, specById } from "./partitioning.ts";
import { columnValues, readBatches, snapshotScan } from "./reader.ts";
import { NO_SNAPSHOT, type PartitionValue, type TableMetadata } from "./types.ts";
import { formatDate } from "./values.ts";

/**
 * The table at storage key `key`: a metadata file itself (`….metadata.json`), or a table directory whose
 * current metadata is found from this project's commit markers, else from `metadata/version-hint.text`
 * (Hadoop tables), else as the highest version among the metadata files.
 */
export async function openTableAt(storage: Storage, key: string): Promise<LoadedTable> {
  const clean = key.replace(/\/+$/, "");
  if (clean.endsWith(".metadata.json")) {
    const location = uriOf(storage, clean);
    if (!(await storage.exists(clean))) throw new LakehouseError("iceberg", `no metadata file at ${location}`, { file: location });
    return { metadataLocation: location, metadata: await readMetadataFile(storage, location) };
  }
  const dir = `${clean}/metadata`;
  const load = async (fileKey: string) => ({ metadataLocation: uriOf(storage, fileKey), metadata: await readMetadataFile(storage, uriOf(storage, fileKey)) });
  const marked = await currentByMarkers(storage, dir);
  if (marked) return { metadataLocation: marked.location, metadata: await readMetadataFile(storage, marked.location) };
  const hint = (await storage.getIfExists(`${dir}/version-hint.text`))?.toString("utf8").trim();
  if (hint && /^\d+$/.test(hint) && (await storage.exists(`${dir}/v${hint}.metadata.json`))) return load(`${dir}/v${hint}.metadata.json`);
  const files = (await storage.list(`${dir}/`)).map((o) => o.key).filter((k) => k.endsWith(".metadata.json") && metadataVersion(k) !== null);
  if (files.length === 0) {
    throw new LakehouseError("iceberg", `no Iceberg metadata under ${uriOf(storage, clean)}`, { file: uriOf(storage, clean) }, "give the table's directory (with metadata/ in it) or its metadata file");
  }
  const top = Math.max(...files.map((k) => metadataVersion(k)!));
  const latest = files.filter((k) => metadataVersion(k) === top);
  if (latest.length > 1) {
    throw new LakehouseError("iceberg", `${latest.length} metadata files of version ${top} under ${uriOf(storage, dir)}: which is current is known to the catalog only`, { file: uriOf(storage, dir) }, "give the metadata file the catalog points at");
  }
  return load(latest[0]);
}

export function describeTable(loaded: LoadedTable): Record<string, unknown> {
  const m = loaded.metadata;
  const schema = currentSchema(m);
  return {
    metadata_location: loaded.metadataLocation,
    table_uuid: m["table-uuid"],
    location: m.location,
    format_version: m["format-version"],
    current_snapshot_id: m["current-snapshot-id"] === NO_SNAPSHOT ? null : m["current-snapshot-id"],
    last_sequence_number: m["last-sequence-number"],
    last_updated: new Date(m["last-updated-ms"]).toISOString(),
    schema: { schema_id: schema["schema-id"], fields: schema.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, required: f.required, ...(f.doc ? { doc: f.doc } : {}) })) },
    schemas: m.schemas.length,
    partition_spec: m["partition-specs"].find((s) => s["spec-id"] === m["default-spec-id"]) ?? null,
    partition_specs: m["partition-specs"].length,
    sort_order: m["sort-orders"].find((o) => o["order-id"] === m["default-sort-order-id"]) ?? null,
    refs: Object.fromEntries(Object.entries(m.refs).map(([name, ref]) => [name, { type: ref.type, snapshot_id: ref["snapshot-id"] }])),
    snapshots: m.snapshots.length,
    properties: m.properties,
  };
}

export function snapshotList(metadata: TableMetadata): Record<string, unknown>[] {
  const refsOf = (id: bigint) => Object.entries(metadata.refs).filter(([, r]) => r["snapshot-id"] === id).map(([name]) => name);
  return metadata.snapshots.map((s) => ({
    snapshot_id: s["snapshot-id"],
    parent_id: s["parent-snapshot-id"] ?? null,
    sequence_number: s["sequence-number"],
    timestamp: new Date(s["timestamp-ms"]).toISOString(),
    operation: s.summary?.operation ?? null,
    refs: refsOf(s["snapshot-id"]),
    added_records: s.summary?.["added-records"] !== undefined ? Number(s.summary["added-records"]) : null,
    deleted_records: s.summary?.["deleted-records"] !== undefined ? Number(s.summary["deleted-records"]) : null,
    total_records: s.summary?.["total-records"] !== undefined ? Number(s.summary["total-records"]) : null,
    manifest_list: s["manifest-list"],
  }));
}

const CONTENTS = ["data", "position deletes", "equality deletes"];

/** `name=value/…` of a partition tuple, date fields as YYYY-MM-DD (the Hive-style path of the partition). */
function partitionText(metadata: TableMetadata, specId: number, tuple: Record<string, PartitionValue>): string {
  const spec = specById(metadata, specId);
  const shown = (name: string, v: PartitionValue) => {
    if (v === null) return "null";
    if (Buffer.isBuffer(v)) return v.toString("hex");
    const field = spec.fields.find((f) => f.name === name);
    return field && typeof v === "number" && partitionResultType(field, metadata) === "date" ? formatDate(v) : String(v);
  };
  return Object.entries(tuple).map(([k, v]) => `${k}=${shown(k, v)}`).join("/");
}

/** The snapshot to read: the current one, or `snapshotId` (null: the table has none). */
function snapshotIdOf(metadata: TableMetadata, snapshotId?: bigint): bigint | null {
  if (snapshotId !== undefined) return snapshotById(metadata, snapshotId)["snapshot-id"];
  return currentSnapshot(metadata)?.["snapshot-id"] ?? null;
}

/** The live data and delete files of the snapshot. */
export async function fileList(storage: Storage, metadata: TableMetadata, snapshotId?: bigint): Promise<Record<string, unknown>[]> {
  const id = snapshotIdOf(metadata, snapshotId);
  if (id === null) return [];
  const { dataFiles, deleteFiles } = await snapshotScan(storage, metadata, { snapshotId: id });
  return [
    ...dataFiles.map((f) => ({ content: CONTENTS[0], path: f.path, format: f.dataFile.file_format, spec_id: f.partitionSpecId, partition: partitionText(metadata, f.partitionSpecId, f.partitionValues), records: f.recordCount, size_bytes: f.sizeBytes, sequence_number: f.sequenceNumber })),
    ...deleteFiles.map((f) => ({ content: CONTENTS[f.content], path: f.path, format: f.dataFile.file_format, spec_id: f.partitionSpecId, partition: partitionText(metadata, f.partitionSpecId, f.partitionValues), records: f.recordCount, size_bytes: f.dataFile.file_size_in_bytes, sequence_number: f.sequenceNumber })),
  ];
}

const UNIT_TO_MICROS: Record<number, [bigint, bigint]> = {
  // [multiply, divide]
  [TimeUnit.SECOND]: [1_000_000n, 1n],
  [TimeUnit.MILLISECOND]: [1_000n, 1n],
  [TimeUnit.MICROSECOND]: [1n, 1n],
  [TimeUnit.NANOSECOND]: [1n, 1_000n],
};

/** µs since the epoch → ISO-8601 with microseconds (`Z` when the column is UTC-adjusted). */
export function isoMicros(micros: bigint, utc: boolean): string {
  const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const seconds = (micros - frac) / 1_000_000n;
  const text = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${text}.${String(frac).padStart(6, "0")}${utc ? "Z" : ""}`;
}

function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") return (value as { toJSON(): unknown }).toJSON();
  return value;
}

/** A column's values for display: dates as YYYY-MM-DD, timestamps ISO-8601, 64-bit integers as bigint. */
function displayValues(vector: Vector): unknown[] {
  const type = vector.type;
  if (DataType.isDate(type) && type.unit === DateUnit.DAY) return columnValues(vector, "date").map((d) => (d === null ? null : formatDate(d as number)));
  if (DataType.isTimestamp(type)) {
    const [mul, div] = UNIT_TO_MICROS[type.unit];
    return columnValues(vector, "timestamp").map((v) => (v === null ? null : isoMicros((BigInt(v as bigint) * mul) / div, Boolean(type.timezone))));
  }
  if (DataType.isInt(type) && type.bitWidth === 64) return columnValues(vector, "long");
  return Array.from({ length: vector.length }, (_, i) => plain(vector.get(i)));
}

function batchDisplayRows(batch: RecordBatch, names: string[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = Array.from({ length: batch.numRows }, () => ({}));
  for (const name of names) {
    const vector = batch.getChild(name);
    const values = vector ? displayValues(vector) : null;
    for (let i = 0; i < rows.length; i++) rows[i][name] = values ? values[i] : null;
  }
  return rows;
}

/** The snapshot's rows (deletes applied) for display, in the current schema's column order, at most `limit`. */
export async function* scanRows(storage: Storage, metadata: TableMetadata, options: { limit?: number; snapshotId?: bigint } = {}): AsyncGenerator<Record<string, unknown>> {
  const id = snapshotIdOf(metadata, options.snapshotId);
  if (id === null || options.limit === 0) return;
  const names = currentSchema(metadata).fields.map((f) => f.name);
  let count = 0;
  for await (const batch of readBatches(storage, metadata, { snapshotId: id })) {
    for (const row of batchDisplayRows(batch, names)) {
      yield row;
      if (++count === options.limit) return;
    }
  }
}
