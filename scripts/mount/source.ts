/**
 * Where `lakehouse mount` reads silver from: the current snapshot of each table. The real source is the
 * project's Iceberg reader over the environment's silver catalog (iceberg-source.ts); tests may pass any
 * other implementation of this interface.
 */
import type { RecordBatch } from "apache-arrow";
import type { SilverTable } from "../silver/tables.ts";

export type SilverRow = Record<string, unknown>;

/**
 * A batch of rows: plain objects with values in the Iceberg reader's in-memory types, or an Arrow record
 * batch as the reader decodes it (columns by name; encoded to COPY text without row objects).
 */
export type SilverBatch = SilverRow[] | RecordBatch;

export interface SilverSnapshot {
  /** Current snapshot id as text, or null when the table exists but has no snapshot yet (mounted empty). */
  snapshotId: string | null;
  /** Rows the snapshot holds according to its metadata (for progress); null when unknown. */
  rowCount: number | null;
  /** The rows, batch by batch (memory bounded by a batch). */
  batches(): AsyncIterable<SilverBatch>;
  /**
   * What changed since snapshot `since` (the one mounted last): the `ingest_on` partitions whose data
   * files differ, with the rows the current snapshot holds in them and a reader of those rows only. Null
   * when `since` is unknown to the table (then everything is loaded). Optional: sources without it are
   * always loaded whole.
   */
  changesSince?(since: string): Promise<SnapshotChanges | null>;
}

export interface SnapshotChanges {
  /** Changed partitions (`YYYY-MM-DD`), including ones the current snapshot no longer has. */
  partitions: string[];
  /** Rows of the current snapshot in those partitions. */
  rows: number;
  batches(): AsyncIterable<SilverBatch>;
}

export interface MountSource {
  /** A short description for logs, e.g. the catalog's location. */
  describe(): string;
  /** The current snapshot of a silver table, or null when the catalog has no such table. */
  snapshot(table: SilverTable): Promise<SilverSnapshot | null>;
}
