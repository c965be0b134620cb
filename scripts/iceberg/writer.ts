/**
 * The data file writer: takes rows of one table (any order, any partitions), routes each to its
 * `ingest_on` partition and streams them into Parquet files, rolling to a new file every `fileRows` rows.
 * Nothing is committed: `close()` returns the DataFile records to pass to `appendFiles` or
 * `replacePartitions`.
 */
import type { Storage } from "../storage/types.ts";
import { LakehouseError } from "../core/errors.ts";
import { ParquetFileWriter, type WrittenParquet } from "./parquet.ts";
import { dataFileKey, keyOf, uriOf } from "./locations.ts";
import { currentSchema, partitionColumn } from "./metadata.ts";
import { writerPartitionField } from "./partitioning.ts";
import type { DataFile, IcebergField, Row, TableMetadata } from "./types.ts";
import { encodeValue, formatDate } from "./values.ts";

export interface DataFileWriterOptions {
  /** Rows per Parquet row group (default 65,536). */
  rowGroupRows?: number;
  /** Rows per data file before rolling to a new one (default 1,000,000). */
  fileRows?: number;
}

export class DataFileWriter {
  private readonly fields: IcebergField[];
  private readonly partitionField: IcebergField | null;
  /** Name of the partition field in the spec (the tuple key), null when unpartitioned. */
  private readonly partitionName: string | null;
  private readonly open = new Map<number | null, ParquetFileWriter>();
  private readonly done: DataFile[] = [];
  private readonly tableKey: string;
  private readonly rowGroupRows: number;
  private readonly fileRows: number;
  private failed = false;

  constructor(
    private readonly storage: Storage,
    metadata: TableMetadata,
    options: DataFileWriterOptions = {},
  ) {
    this.fields = currentSchema(metadata).fields;
    this.partitionField = partitionColumn(metadata);
    this.partitionName = writerPartitionField(metadata)?.name ?? null;
    this.tableKey = keyOf(storage, metadata.location);
    this.rowGroupRows = options.rowGroupRows ?? 65_536;
    this.fileRows = Math.max(options.fileRows ?? 1_000_000, 1);
  }

  async write(row: Row): Promise<void> {
    await this.writeRows([row]);
  }

  /** Writes rows in order; synchronous per row, it awaits only when a row group or a file is full. */
  async writeRows(rows: readonly Row[]): Promise<void> {
    if (this.failed) throw new Error("data file writer failed earlier; abort() it");
    try {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        const partition = this.partitionOf(row);
        const file = this.open.get(partition) ?? this.openFile(partition);
        if (file.append(row)) await file.flush();
        if (file.recordCount >= this.fileRows) {
          this.open.delete(partition);
          await this.finish(file, partition);
        }
      }
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }

  async writeAll(rows: Iterable<Row> | AsyncIterable<Row>): Promise<void> {
    for await (const row of rows) await this.write(row);
  }

  private partitionOf(row: Row): number | null {
    if (!this.partitionField) return null;
    const value = row[this.partitionField.name];
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new LakehouseError("iceberg", `partition column ${this.partitionField.name} must be a date (days since epoch), got ${String(value)}`, {
        field: this.partitionField.name,
      });
    }
    return value;
  }

  private openFile(partition: number | null): ParquetFileWriter {
    const path = partition === null ? null : `${this.partitionField!.name}=${formatDate(partition)}`;
    const file = new ParquetFileWriter(this.storage, dataFileKey(this.tableKey, path), this.fields, { rowGroupRows: this.rowGroupRows });
    this.open.set(partition, file);
    return file;
  }

  private async finish(file: ParquetFileWriter, partition: number | null): Promise<void> {
    const written = await file.close();
    if (written) this.done.push(dataFileOf(this.storage, written, this.fields, this.partitionName === null ? {} : { [this.partitionName]: partition }));
  }

  /** Closes every open file and returns the data files written (not yet part of any snapshot). */
  async close(): Promise<DataFile[]> {
    for (const [partition, file] of [...this.open]) {
      this.open.delete(partition);
      await this.finish(file, partition);
    }
    return this.done;
  }

  /** Stops and deletes what this writer wrote. */
  async abort(): Promise<void> {
    for (const file of this.open.values()) await file.abort();
    this.open.clear();
    for (const file of this.done) await this.storage.delete(keyOf(this.storage, file.file_path)).catch(() => undefined);
    this.done.length = 0;
  }
}

/**
 * The manifest record of a written file: counts, null/NaN counts and lower/upper bounds per column (spec
 * Appendix D single-value serialization; a column of only nulls or only NaNs has no bounds).
 */
export function dataFileOf(storage: Storage, written: WrittenParquet, fields: IcebergField[], partition: Record<string, number | null>): DataFile {
  const valueCounts: { key: number; value: number }[] = [];
  const nullCounts: { key: number; value: number }[] = [];
  const nanCounts: { key: number; value: number }[] = [];
  const lower: { key: number; value: Buffer }[] = [];
  const upper: { key: number; value: Buffer }[] = [];
  fields.forEach((field, i) => {
    const s = written.stats[i];
    valueCounts.push({ key: field.id, value: s.values });
    nullCounts.push({ key: field.id, value: s.nulls });
    if (field.type === "double") nanCounts.push({ key: field.id, value: s.nans });
    if (s.min !== undefined) lower.push({ key: field.id, value: encodeValue(field.type, s.min) });
    if (s.max !== undefined) upper.push({ key: field.id, value: encodeValue(field.type, s.max) });
  });
  return {
    content: 0,
    file_path: uriOf(storage, written.key),
    file_format: "PARQUET",
    partition,
    record_count: written.recordCount,
    file_size_in_bytes: written.sizeBytes,
    column_sizes: null,
    value_counts: valueCounts,
    null_value_counts: nullCounts,
    nan_value_counts: nanCounts,
    lower_bounds: lower,
    upper_bounds: upper,
    key_metadata: null,
    split_offsets: null,
    equality_ids: null,
    sort_order_id: 0,
  };
}
