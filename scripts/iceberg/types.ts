/**
 * Iceberg v2 table metadata as stored in `metadata/<NNNNN>-<uuid>.metadata.json`, and the manifest records
 * (field names as in the Iceberg spec). Snapshot ids are `bigint` everywhere (64-bit longs: Java and
 * PyIceberg write ids above 2^53); sequence numbers, counts and sizes are numbers (checked to be exact).
 * Fields this project does not use are kept as read (metadata JSON is rewritten from the parsed object).
 */
import type { SilverType } from "../silver/tables.ts";

export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  type: SilverType;
  doc?: string;
}

export interface IcebergSchema {
  type: "struct";
  "schema-id": number;
  fields: IcebergField[];
}

export interface PartitionField {
  name: string;
  /** `identity`, `day`, `bucket[16]`, … (the silver writer writes identity only). */
  transform: string;
  "source-id": number;
  "field-id": number;
}

export interface PartitionSpec {
  "spec-id": number;
  fields: PartitionField[];
}

export interface SnapshotSummary {
  operation: "append" | "overwrite" | "replace" | "delete";
  [key: string]: string;
}

export interface Snapshot {
  "snapshot-id": bigint;
  "parent-snapshot-id"?: bigint | null;
  "sequence-number": number;
  "timestamp-ms": number;
  "manifest-list": string;
  summary: SnapshotSummary;
  /** Optional in the spec (older writers omit it). */
  "schema-id"?: number;
}

export interface SnapshotRef {
  "snapshot-id": bigint;
  type: "branch" | "tag";
  "max-ref-age-ms"?: number;
  "max-snapshot-age-ms"?: number;
  "min-snapshots-to-keep"?: number;
}

export interface TableMetadata {
  "format-version": 2;
  "table-uuid": string;
  location: string;
  "last-sequence-number": number;
  "last-updated-ms": number;
  "last-column-id": number;
  schemas: IcebergSchema[];
  "current-schema-id": number;
  "partition-specs": PartitionSpec[];
  "default-spec-id": number;
  "last-partition-id": number;
  properties: Record<string, string>;
  /** -1 when the table has no snapshot (what a missing or null value is read as). */
  "current-snapshot-id": bigint;
  snapshots: Snapshot[];
  "snapshot-log": { "timestamp-ms": number; "snapshot-id": bigint }[];
  "metadata-log": { "timestamp-ms": number; "metadata-file": string }[];
  "sort-orders": { "order-id": number; fields: unknown[] }[];
  "default-sort-order-id": number;
  refs: Record<string, SnapshotRef>;
}

export const NO_SNAPSHOT = -1n;

export const CONTENT_DATA = 0;
export const CONTENT_POSITION_DELETES = 1;
export const CONTENT_EQUALITY_DELETES = 2;

/** A partition tuple value as decoded from Avro (date → days, long → bigint, …). */
export type PartitionValue = string | number | bigint | boolean | Buffer | null;

/** A data or delete file as recorded in a manifest (`data_file`, field 2 of manifest_entry). */
export interface DataFile {
  /** 0 data, 1 position deletes, 2 equality deletes. */
  content: 0 | 1 | 2;
  file_path: string;
  /** `PARQUET` (what this project writes), `AVRO` or `ORC` (case as written). */
  file_format: string;
  /** Partition tuple by partition field name (`{ ingest_on: days }` for the silver tables; `{}` unpartitioned). */
  partition: Record<string, PartitionValue>;
  record_count: number;
  file_size_in_bytes: number;
  column_sizes: { key: number; value: number }[] | null;
  value_counts: { key: number; value: number }[] | null;
  null_value_counts: { key: number; value: number }[] | null;
  nan_value_counts: { key: number; value: number }[] | null;
  lower_bounds: { key: number; value: Buffer }[] | null;
  upper_bounds: { key: number; value: Buffer }[] | null;
  key_metadata: Buffer | null;
  split_offsets: number[] | null;
  equality_ids: number[] | null;
  sort_order_id: number | null;
}

export const STATUS_EXISTING = 0;
export const STATUS_ADDED = 1;
export const STATUS_DELETED = 2;

export interface ManifestEntry {
  status: 0 | 1 | 2;
  snapshot_id: bigint | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFile;
}

/** An entry of a manifest list (`manifest_file`). */
export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  /** 0 data, 1 deletes. */
  content: 0 | 1;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: bigint;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: number;
  existing_rows_count: number;
  deleted_rows_count: number;
  partitions: { contains_null: boolean; contains_nan: boolean | null; lower_bound: Buffer | null; upper_bound: Buffer | null }[] | null;
  key_metadata: Buffer | null;
}

/** A live data file of a snapshot, with its storage key (what readers and `mount` use). */
export interface LiveDataFile {
  key: string;
  path: string;
  /** The date of an identity(date) partition as YYYY-MM-DD (`ingest_on` of the silver tables), else null. */
  partition: string | null;
  /** The partition tuple as recorded (any spec). */
  partitionValues: Record<string, PartitionValue>;
  partitionSpecId: number;
  recordCount: number;
  sizeBytes: number;
  sequenceNumber: number;
  dataFile: DataFile;
}

/** A row: column name → value, typed as scripts/silver/tables.ts describes (null for missing). */
export type Row = Record<string, unknown>;
