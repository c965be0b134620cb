/**
 * Row-level deletes of a v2 snapshot (spec "Row-level Deletes", "Scan Planning"): position delete files
 * (`file_path`, `pos`) and equality delete files (the columns of `equality_ids`), as another engine writes
 * them (Athena DELETE/MERGE, Spark merge-on-read, PyIceberg). Which delete file applies to which data file:
 *
 * - a position delete applies to the data files it names whose data sequence number is ≤ its own;
 * - an equality delete applies to data files with a data sequence number < its own, in the same partition
 *   (same spec and tuple) unless the delete file's spec is unpartitioned (then to every partition).
 *
 * Deletion vectors (v3, Puffin) are refused with the manifest named.
 */
import type { RecordBatch, Vector } from "apache-arrow";
import { LakehouseError } from "../core/errors.ts";
import type { Storage } from "../storage/types.ts";
import { specById } from "./partitioning.ts";
import { CONTENT_POSITION_DELETES, type DataFile, type LiveDataFile, type PartitionValue, type TableMetadata } from "./types.ts";

/** A live delete file of a snapshot. */
export interface LiveDeleteFile {
  key: string;
  path: string;
  content: 1 | 2;
  sequenceNumber: number;
  partitionSpecId: number;
  partitionValues: Record<string, PartitionValue>;
  recordCount: number;
  /** The manifest that lists it (named in errors). */
  manifestPath: string;
  dataFile: DataFile;
}

/** What to drop from one data file's rows. */
export interface FileDeletes {
  /** 0-based row positions. */
  positions: Set<number>;
  /** Per equality delete set: the column names it compares and the keys of the deleted rows. */
  equality: { columns: string[]; keys: Set<string> }[];
}

/** The delete files of a snapshot, loaded once and matched to each data file. */
export interface DeleteIndex {
  readonly files: LiveDeleteFile[];
  forFile(file: LiveDataFile): Promise<FileDeletes | null>;
}

/** One comparable text for a value read from Arrow (bigints, dates and bytes included). */
function valueKey(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof Uint8Array) return `b${Buffer.from(value).toString("hex")}`;
  return JSON.stringify(value);
}

function rowKey(vectors: (Vector | null)[], row: number): string {
  return vectors.map((v) => valueKey(v ? v.get(row) : null)).join("\u0000");
}

function partitionKey(specId: number, tuple: Record<string, PartitionValue>): string {
  return `${specId}:${Object.entries(tuple).map(([k, v]) => `${k}=${valueKey(v)}`).join(",")}`;
}

type BatchSource = (storage: Storage, key: string) => AsyncIterable<RecordBatch>;

export function deleteIndex(storage: Storage, metadata: TableMetadata, files: LiveDeleteFile[], readFile: BatchSource): DeleteIndex {
  const fields = new Map<number, string>();
  for (const schema of metadata.schemas) for (const f of schema.fields) fields.set(f.id, f.name);
  for (const file of files) {
    if (file.dataFile.file_format.toUpperCase() === "PUFFIN") {
      throw new LakehouseError("iceberg", `delete file ${file.path} is a deletion vector (Puffin), which this reader does not apply`, { file: file.manifestPath, field: "file_format" }, "rewrite the table's deletes as position delete files, or read it with an engine that supports v3");
    }
    if (file.content !== CONTENT_POSITION_DELETES && !(file.dataFile.equality_ids ?? []).every((id) => fields.has(id))) {
      throw new LakehouseError("iceberg", `equality delete file ${file.path} compares field ids ${file.dataFile.equality_ids?.join(",")} not all in the table's schemas`, { file: file.manifestPath, field: "equality_ids" });
    }
  }
  // Loaded on first use: position deletes by data file path, equality key sets per delete file.
  let positions: Promise<Map<string, { seq: number; pos: number }[]>> | null = null;
  const equality = new Map<LiveDeleteFile, Promise<Set<string>>>();
  const loadPositions = async () => {
    const out = new Map<string, { seq: number; pos: number }[]>();
    for (const file of files.filter((f) => f.content === CONTENT_POSITION_DELETES)) {
      for await (const batch of readFile(storage, file.key)) {
        const paths = batch.getChild("file_path");
        const pos = batch.getChild("pos");
        if (!paths || !pos) throw new LakehouseError("iceberg", `position delete file ${file.path} has no file_path/pos columns`, { file: file.manifestPath });
        for (let i = 0; i < batch.numRows; i++) {
          const path = String(paths.get(i));
          const list = out.get(path) ?? [];
          list.push({ seq: file.sequenceNumber, pos: Number(pos.get(i)) });
          out.set(path, list);
        }
      }
    }
    return out;
  };
  const columnsOf = (file: LiveDeleteFile) => (file.dataFile.equality_ids ?? []).map((id) => fields.get(id)!);
  const loadEquality = async (file: LiveDeleteFile) => {
    const keys = new Set<string>();
    const columns = columnsOf(file);
    for await (const batch of readFile(storage, file.key)) {
      const vectors = columns.map((c) => batch.getChild(c));
      for (let i = 0; i < batch.numRows; i++) keys.add(rowKey(vectors, i));
    }
    return keys;
  };
  const equalityFiles = files.filter((f) => f.content !== CONTENT_POSITION_DELETES);
  return {
    files,
    async forFile(data: LiveDataFile): Promise<FileDeletes | null> {
      if (files.length === 0) return null;
      positions ??= loadPositions();
      const set = new Set<number>();
      for (const p of (await positions).get(data.path) ?? []) if (data.sequenceNumber <= p.seq) set.add(p.pos);
      const dataPartition = partitionKey(data.partitionSpecId, data.partitionValues);
      const eq: FileDeletes["equality"] = [];
      for (const file of equalityFiles) {
        if (data.sequenceNumber >= file.sequenceNumber) continue;
        const global = specById(metadata, file.partitionSpecId, file.manifestPath).fields.length === 0;
        if (!global && partitionKey(file.partitionSpecId, file.partitionValues) !== dataPartition) continue;
        if (!equality.has(file)) equality.set(file, loadEquality(file));
        eq.push({ columns: columnsOf(file), keys: await equality.get(file)! });
      }
      return set.size === 0 && eq.length === 0 ? null : { positions: set, equality: eq };
    },
  };
}

/**
 * The rows of `batch` (rows `offset`… of its data file) that no delete removes, as slices of the batch
 * (no copy); nothing when every row is deleted.
 */
export function keptSlices(batch: RecordBatch, offset: number, deletes: FileDeletes): RecordBatch[] {
  const equality = deletes.equality.map((e) => ({ vectors: e.columns.map((c) => batch.getChild(c)), keys: e.keys }));
  const out: RecordBatch[] = [];
  let start = -1;
  for (let i = 0; i <= batch.numRows; i++) {
    const deleted = i < batch.numRows && (deletes.positions.has(offset + i) || equality.some((e) => e.keys.has(rowKey(e.vectors, i))));
    const keep = i < batch.numRows && !deleted;
    if (keep && start < 0) start = i;
    if (!keep && start >= 0) {
      out.push(start === 0 && i === batch.numRows ? batch : batch.slice(start, i));
      start = -1;
    }
  }
  return out;
}
