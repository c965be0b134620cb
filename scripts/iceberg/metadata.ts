/**
 * Table metadata JSON v2: building a new table's metadata from a declared silver table, and deriving the
 * next metadata from a new snapshot. Pure functions (no I/O).
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { SilverTable } from "../silver/tables.ts";
import { LakehouseError } from "../core/errors.ts";
import { writerPartitionField } from "./partitioning.ts";
import { NO_SNAPSHOT, type IcebergField, type IcebergSchema, type Snapshot, type TableMetadata } from "./types.ts";

export const PARTITION_COLUMN = "ingest_on";
/** Iceberg's first partition field id. */
export const PARTITION_FIELD_ID = 1000;

/** Table property holding per-partition tags: `deftunes.partition.<YYYY-MM-DD>.<tag>`. */
export const PARTITION_TAG_PREFIX = "deftunes.partition.";

export function newTableMetadata(table: SilverTable, location: string, properties: Record<string, string> = {}, now = Date.now()): TableMetadata {
  const source = table.columns.find((c) => c.name === PARTITION_COLUMN);
  if (!source || source.type !== "date" || !source.required) {
    throw new LakehouseError("iceberg", `table ${table.name} needs a required date column ${PARTITION_COLUMN} to partition by`, { field: PARTITION_COLUMN });
  }
  const schema: IcebergSchema = {
    type: "struct",
    "schema-id": 0,
    fields: table.columns.map((c): IcebergField => ({ id: c.id, name: c.name, required: c.required, type: c.type, doc: c.doc })),
  };
  return {
    "format-version": 2,
    "table-uuid": randomUUID(),
    location,
    "last-sequence-number": 0,
    "last-updated-ms": now,
    "last-column-id": Math.max(...table.columns.map((c) => c.id)),
    schemas: [schema],
    "current-schema-id": 0,
    "partition-specs": [{ "spec-id": 0, fields: [{ name: PARTITION_COLUMN, transform: "identity", "source-id": source.id, "field-id": PARTITION_FIELD_ID }] }],
    "default-spec-id": 0,
    "last-partition-id": PARTITION_FIELD_ID,
    properties: { "write.format.default": "parquet", "write.parquet.compression-codec": "snappy", ...properties },
    "current-snapshot-id": NO_SNAPSHOT,
    snapshots: [],
    "snapshot-log": [],
    "metadata-log": [],
    "sort-orders": [{ "order-id": 0, fields: [] }],
    "default-sort-order-id": 0,
    refs: {},
  };
}

export function currentSchema(metadata: TableMetadata): IcebergSchema {
  const schema = metadata.schemas.find((s) => s["schema-id"] === metadata["current-schema-id"]);
  if (!schema) throw new LakehouseError("iceberg", `current schema ${metadata["current-schema-id"]} missing from metadata`);
  return schema;
}

/**
 * The column the silver writer partitions rows by (the source of an identity(date) default spec), or null
 * for an unpartitioned table; any other spec is refused with a clear error (writerPartitionField).
 */
export function partitionColumn(metadata: TableMetadata): IcebergField | null {
  const field = writerPartitionField(metadata);
  if (!field) return null;
  const column = currentSchema(metadata).fields.find((f) => f.id === field["source-id"]);
  if (!column) throw new LakehouseError("iceberg", `partition source column ${field["source-id"]} is not in the current schema`, { file: metadata.location, field: field.name });
  return column;
}

export function snapshotById(metadata: TableMetadata, snapshotId: bigint): Snapshot {
  const snapshot = metadata.snapshots.find((s) => s["snapshot-id"] === snapshotId);
  if (!snapshot) throw new LakehouseError("iceberg", `snapshot ${snapshotId} not found in the table metadata`, { file: metadata.location, field: "snapshots" }, "list the table's snapshots with `lakehouse iceberg snapshots`");
  return snapshot;
}

/** The snapshot of branch main (spec: current-snapshot-id), or null when the table has none. */
export function currentSnapshot(metadata: TableMetadata): Snapshot | null {
  const id = metadata.refs?.main?.["snapshot-id"] ?? metadata["current-snapshot-id"];
  return id === NO_SNAPSHOT ? null : snapshotById(metadata, id);
}

/** A fresh snapshot id: a random positive 63-bit long (as Java Iceberg's), never one of `taken`. */
export function newSnapshotId(taken: Iterable<bigint> = []): bigint {
  const used = new Set(taken);
  for (;;) {
    const id = BigInt.asUintN(63, randomBytes(8).readBigUInt64LE(0));
    if (id !== 0n && !used.has(id)) return id;
  }
}

/**
 * The metadata after committing `snapshot` on top of `base` (stored at `baseLocation`, null for a table
 * being created): snapshot appended and made current on branch main, logs extended, properties merged
 * (a property set to "" is removed). Everything else of `base` is kept as it was (other refs with their
 * retention settings, schemas, specs, sort orders, statistics, fields this library does not know).
 */
export function withSnapshot(
  base: TableMetadata,
  baseLocation: string | null,
  snapshot: Snapshot,
  properties: Record<string, string> = {},
): TableMetadata {
  const merged = { ...base.properties };
  for (const [k, v] of Object.entries(properties)) {
    if (v === "") delete merged[k];
    else merged[k] = v;
  }
  return {
    ...base,
    "last-sequence-number": snapshot["sequence-number"],
    "last-updated-ms": snapshot["timestamp-ms"],
    properties: merged,
    "current-snapshot-id": snapshot["snapshot-id"],
    snapshots: [...base.snapshots, snapshot],
    "snapshot-log": [...base["snapshot-log"], { "timestamp-ms": snapshot["timestamp-ms"], "snapshot-id": snapshot["snapshot-id"] }],
    "metadata-log": baseLocation
      ? [...base["metadata-log"], { "timestamp-ms": base["last-updated-ms"], "metadata-file": baseLocation }]
      : base["metadata-log"],
    refs: { ...base.refs, main: { ...base.refs.main, "snapshot-id": snapshot["snapshot-id"], type: "branch" } },
  };
}

/** Tags recorded for one partition (`YYYY-MM-DD`) by the commits so far, e.g. `{ sha256: "…" }`. */
export function partitionTags(metadata: TableMetadata, partition: string): Record<string, string> {
  const prefix = `${PARTITION_TAG_PREFIX}${partition}.`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata.properties)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** Table properties that record `tags` for each partition (see {@link partitionTags}). */
export function partitionTagProperties(tags: Record<string, Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [partition, values] of Object.entries(tags)) {
    for (const [k, v] of Object.entries(values)) out[`${PARTITION_TAG_PREFIX}${partition}.${k}`] = v;
  }
  return out;
}
