/**
 * Iceberg v2 table metadata as stored in `metadata/v{N}.metadata.json`, and the manifest records
 * (field names as in the Iceberg spec). Only what this project writes and reads.
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
  transform: "identity";
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
  "snapshot-id": number;
  "parent-snapshot-id"?: number;
  "sequence-number": number;
  "timestamp-ms": number;
  "manifest-list": string;
  summary: SnapshotSummary;
  "schema-id": number;
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
  "current-snapshot-id": number;
  snapshots: Snapshot[];
  "snapshot-log": { "timestamp-ms": number; "snapshot-id": number }[];
  "metadata-log": { "timestamp-ms": number; "metadata-file": string }[];
  "sort-orders": { "order-id": number; fields: unknown[] }[];
  "default-sort-order-id": number;
  refs: Record<string, { "snapshot-id": number; type: "branch" | "tag" }>;
}

/** A data file as recorded in a manifest (`data_file`, field 2 of manifest_entry). */
export interface DataFile {
  content: 0;
  file_path: string;
  file_format: "PARQUET";
  /** Partition tuple: `ingest_on` as days since 1970-01-01 (null when the table is unpartitioned). */
  partition: { ingest_on: number | null };
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
  snapshot_id: number | null;
  sequence_number: number | null;
  file_sequence_number: number | null;
  data_file: DataFile;
}

/** An entry of a manifest list (`manifest_file`). */
export interface ManifestFile {
  manifest_path: string;
  manifest_length: number;
  partition_spec_id: number;
  content: 0 | 1;
  sequence_number: number;
  min_sequence_number: number;
  added_snapshot_id: number;
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
  /** `ingest_on` as YYYY-MM-DD (null when unpartitioned). */
  partition: string | null;
  recordCount: number;
  sizeBytes: number;
  sequenceNumber: number;
  dataFile: DataFile;
}

/** A row: column name → value, typed as scripts/silver/tables.ts describes (null for missing). */
export type Row = Record<string, unknown>;
