/**
 * Reading a table: the live data and delete files of a snapshot (manifest list → manifests → entries not
 * deleted), and their rows as Arrow record batches or plain row objects (parquet-wasm readParquet), one
 * data file in memory at a time, with the snapshot's position and equality deletes applied (deletes.ts).
 */
import { openAsBlob } from "node:fs";
import { tableFromIPC, type RecordBatch, type Vector } from "apache-arrow";
import * as pq from "parquet-wasm";
import type { SilverType } from "../silver/tables.ts";
import type { Storage } from "../storage/types.ts";
import { LakehouseError } from "../core/errors.ts";
import { deleteIndex, keptSlices, type LiveDeleteFile } from "./deletes.ts";
import { keyOf } from "./locations.ts";
import { readManifest, readManifestList } from "./manifests.ts";
import { currentSchema, currentSnapshot, snapshotById } from "./metadata.ts";
import { partitionDate, specById } from "./partitioning.ts";
import { CONTENT_DATA, STATUS_DELETED, type IcebergField, type LiveDataFile, type Row, type Snapshot, type TableMetadata } from "./types.ts";

export interface ReadOptions {
  /** A snapshot other than the current one. */
  snapshotId?: bigint;
  /** Only these `ingest_on` partitions (`YYYY-MM-DD`). */
  partitions?: string[];
  /** Rows per Arrow batch (default 65,536). */
  batchSize?: number;
}

function pickSnapshot(metadata: TableMetadata, snapshotId?: bigint): Snapshot | null {
  return snapshotId === undefined ? currentSnapshot(metadata) : snapshotById(metadata, snapshotId);
}

/** The live data and delete files of a snapshot. */
export interface SnapshotScan {
  dataFiles: LiveDataFile[];
  deleteFiles: LiveDeleteFile[];
}

/**
 * The live data files (sorted by partition then path) and delete files of the current (or given) snapshot:
 * manifest list → manifests (data and delete manifests, spec "Manifest Lists") → entries not DELETED.
 */
export async function snapshotScan(storage: Storage, metadata: TableMetadata, options: ReadOptions = {}): Promise<SnapshotScan> {
  const snapshot = pickSnapshot(metadata, options.snapshotId);
  if (!snapshot) return { dataFiles: [], deleteFiles: [] };
  const wanted = options.partitions ? new Set(options.partitions) : null;
  const dataFiles: LiveDataFile[] = [];
  const deleteFiles: LiveDeleteFile[] = [];
  for (const manifest of await readManifestList(storage, snapshot)) {
    const spec = specById(metadata, manifest.partition_spec_id, manifest.manifest_path);
    for (const entry of await readManifest(storage, manifest)) {
      if (entry.status === STATUS_DELETED) continue;
      const f = entry.data_file;
      const sequenceNumber = entry.sequence_number ?? manifest.sequence_number;
      if (manifest.content !== CONTENT_DATA || f.content !== CONTENT_DATA) {
        if (f.content === CONTENT_DATA) {
          throw new LakehouseError("iceberg", `delete manifest lists data file ${f.file_path}`, { file: manifest.manifest_path, field: "content" }, "the manifest is damaged");
        }
        deleteFiles.push({
          key: keyOf(storage, f.file_path),
          path: f.file_path,
          content: f.content,
          sequenceNumber,
          partitionSpecId: manifest.partition_spec_id,
          partitionValues: f.partition,
          recordCount: f.record_count,
          manifestPath: manifest.manifest_path,
          dataFile: f,
        });
        continue;
      }
      const partition = partitionDate(spec, metadata, f.partition);
      if (wanted && (partition === null || !wanted.has(partition))) continue;
      dataFiles.push({
        key: keyOf(storage, f.file_path),
        path: f.file_path,
        partition,
        partitionValues: f.partition,
        partitionSpecId: manifest.partition_spec_id,
        recordCount: f.record_count,
        sizeBytes: f.file_size_in_bytes,
        sequenceNumber,
        dataFile: f,
      });
    }
  }
  dataFiles.sort((a, b) => ((a.partition ?? "") + a.path < (b.partition ?? "") + b.path ? -1 : 1));
  return { dataFiles, deleteFiles };
}

/**
 * The live data files of the current (or given) snapshot, sorted by partition then path. Their record
 * counts are before row-level deletes (see snapshotScan for the delete files).
 */
export async function snapshotFiles(storage: Storage, metadata: TableMetadata, options: ReadOptions = {}): Promise<LiveDataFile[]> {
  return (await snapshotScan(storage, metadata, options)).dataFiles;
}

/**
 * Arrow record batches of one data file, decoded one row group at a time. A local file is read through a
 * file-backed Blob (never loaded whole); other storage fetches the object first.
 */
export async function* readDataFile(storage: Storage, key: string, batchSize = 65_536): AsyncGenerator<RecordBatch> {
  const local = storage.localPath(key);
  const blob = local ? await openAsBlob(local) : new Blob([new Uint8Array(await storage.get(key))]);
  const file = await pq.ParquetFile.fromFile(blob);
  try {
    const groups = file.metadata().numRowGroups();
    for (let group = 0; group < groups; group++) {
      const wasmTable = await file.read({ rowGroups: [group], batchSize });
      yield* tableFromIPC(wasmTable.intoIPCStream()).batches;
    }
  } finally {
    file.free();
  }
}

/** Arrow record batches of every live data file of the snapshot, with its position and equality deletes applied. */
export async function* readBatches(storage: Storage, metadata: TableMetadata, options: ReadOptions = {}): AsyncGenerator<RecordBatch> {
  const scan = await snapshotScan(storage, metadata, options);
  const deletes = deleteIndex(storage, metadata, scan.deleteFiles, (s, key) => readDataFile(s, key));
  for (const file of scan.dataFiles) {
    if (file.dataFile.file_format.toUpperCase() !== "PARQUET") {
      throw new LakehouseError("iceberg", `data file ${file.path} is ${file.dataFile.file_format}; this reader reads Parquet only`, { file: file.path, field: "file_format" }, "rewrite the table's files as Parquet (the default of Iceberg writers)");
    }
    const drop = await deletes.forFile(file);
    if (!drop) {
      yield* readDataFile(storage, file.key, options.batchSize);
      continue;
    }
    let offset = 0;
    for await (const batch of readDataFile(storage, file.key, options.batchSize)) {
      yield* keptSlices(batch, offset, drop);
      offset += batch.numRows;
    }
  }
}

/**
 * The values of one column with the project's in-memory types (date → days, long/timestamp → bigint,
 * null where invalid), in row order.
 */
export function columnValues(vector: Vector, type: SilverType): unknown[] {
  const out: unknown[] = new Array(vector.length);
  const raw = type === "date" || type === "long" || type === "timestamp";
  let i = 0;
  for (const data of vector.data) {
    // Fixed-width values of a sliced Data start at its first row already (only validity bits use `offset`).
    const values = data.values as ArrayLike<number | bigint>;
    for (let j = 0; j < data.length; j++, i++) out[i] = !data.getValid(j) ? null : raw ? values[j] : vector.get(i);
  }
  return out;
}

/** Converts a batch to rows with the project's in-memory types (date → days, long/timestamp → bigint). */
export function batchRows(batch: RecordBatch, fields: IcebergField[]): Row[] {
  const rows: Row[] = Array.from({ length: batch.numRows }, () => ({}));
  for (const field of fields) {
    const vector = batch.getChild(field.name);
    const values = vector ? columnValues(vector, field.type) : null;
    for (let i = 0; i < rows.length; i++) rows[i][field.name] = values ? values[i] : null;
  }
  return rows;
}

/** Rows of every live data file of the snapshot, as plain objects. */
export async function* readRows(storage: Storage, metadata: TableMetadata, options: ReadOptions = {}): AsyncGenerator<Row> {
  const fields = currentSchema(metadata).fields;
  for await (const batch of readBatches(storage, metadata, options)) yield* batchRows(batch, fields);
}
