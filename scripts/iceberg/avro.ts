/**
 * Avro manifests and manifest lists (Iceberg spec v2 "Manifests", "Manifest Lists"), as Avro object
 * container files. The Avro schemas written carry the Iceberg `field-id` of every field (and `element-id`,
 * `key-id`/`value-id` for lists and maps), as Iceberg readers resolve manifest fields by id.
 *
 * Reading: Avro longs decode as `bigint` (avsc's custom long type; a JS number would round 64-bit snapshot
 * ids), then ids stay bigint and counts, sizes and sequence numbers become numbers (refused above 2^53).
 * Fields are matched to this library's names by their Iceberg field id, not by name, so files of writers
 * that named them otherwise (Java's older `added_data_files_count`, …) read the same. Codecs: null, deflate.
 */
import avro from "avsc";
import { LakehouseError } from "../core/errors.ts";
import { partitionAvroType, partitionResultType } from "./partitioning.ts";
import type { DataFile, IcebergSchema, ManifestEntry, ManifestFile, PartitionSpec, PartitionValue, TableMetadata } from "./types.ts";

type AvroSchema = Record<string, unknown>;

const optional = (type: unknown) => ["null", type];

function mapOf(name: string, keyId: number, valueId: number, valueType: string): AvroSchema {
  return {
    type: "array",
    logicalType: "map",
    items: {
      type: "record",
      name,
      fields: [
        { name: "key", type: "int", "field-id": keyId },
        { name: "value", type: valueType, "field-id": valueId },
      ],
    },
  };
}

/** The `manifest_entry` schema of a v2 data manifest for a partition spec (spec "Manifests"). */
export function manifestEntrySchema(spec: PartitionSpec, metadata: TableMetadata, schema?: IcebergSchema): AvroSchema {
  const partitionFields = spec.fields.map((f) => {
    const type = partitionResultType(f, metadata, schema);
    if (type === null && f.transform !== "void") {
      throw new LakehouseError("iceberg", `cannot write a manifest for partition field ${f.name} (${f.transform} of column ${f["source-id"]})`, { field: f.name }, "this library writes partition values of the primitive types only");
    }
    return { name: f.name, type: optional(partitionAvroType(type)), default: null, "field-id": f["field-id"] };
  });
  return {
    type: "record",
    name: "manifest_entry",
    fields: [
      { name: "status", type: "int", "field-id": 0 },
      { name: "snapshot_id", type: optional("long"), default: null, "field-id": 1 },
      { name: "sequence_number", type: optional("long"), default: null, "field-id": 3 },
      { name: "file_sequence_number", type: optional("long"), default: null, "field-id": 4 },
      {
        name: "data_file",
        "field-id": 2,
        type: {
          type: "record",
          name: "r2",
          fields: [
            { name: "content", type: "int", doc: "Contents of the file: 0=data, 1=position deletes, 2=equality deletes", "field-id": 134 },
            { name: "file_path", type: "string", doc: "Location URI with FS scheme", "field-id": 100 },
            { name: "file_format", type: "string", doc: "File format name: avro, orc, or parquet", "field-id": 101 },
            { name: "partition", type: { type: "record", name: "r102", fields: partitionFields }, doc: "Partition data tuple, schema based on the partition spec", "field-id": 102 },
            { name: "record_count", type: "long", doc: "Number of records in the file", "field-id": 103 },
            { name: "file_size_in_bytes", type: "long", doc: "Total file size in bytes", "field-id": 104 },
            { name: "column_sizes", type: optional(mapOf("k117_v118", 117, 118, "long")), default: null, "field-id": 108 },
            { name: "value_counts", type: optional(mapOf("k119_v120", 119, 120, "long")), default: null, "field-id": 109 },
            { name: "null_value_counts", type: optional(mapOf("k121_v122", 121, 122, "long")), default: null, "field-id": 110 },
            { name: "nan_value_counts", type: optional(mapOf("k138_v139", 138, 139, "long")), default: null, "field-id": 137 },
            { name: "lower_bounds", type: optional(mapOf("k126_v127", 126, 127, "bytes")), default: null, "field-id": 125 },
            { name: "upper_bounds", type: optional(mapOf("k129_v130", 129, 130, "bytes")), default: null, "field-id": 128 },
            { name: "key_metadata", type: optional("bytes"), default: null, "field-id": 131 },
            { name: "split_offsets", type: optional({ type: "array", items: "long", "element-id": 133 }), default: null, "field-id": 132 },
            { name: "equality_ids", type: optional({ type: "array", items: "int", "element-id": 136 }), default: null, "field-id": 135 },
            { name: "sort_order_id", type: optional("int"), default: null, "field-id": 140 },
          ],
        },
      },
    ],
  };
}

/** The `manifest_file` schema of a v2 manifest list. */
export const MANIFEST_FILE_SCHEMA: AvroSchema = {
  type: "record",
  name: "manifest_file",
  fields: [
    { name: "manifest_path", type: "string", doc: "Location URI with FS scheme", "field-id": 500 },
    { name: "manifest_length", type: "long", doc: "Total file size in bytes", "field-id": 501 },
    { name: "partition_spec_id", type: "int", doc: "Spec ID used to write", "field-id": 502 },
    { name: "content", type: "int", doc: "Contents of the manifest: 0=data, 1=deletes", "field-id": 517 },
    { name: "sequence_number", type: "long", doc: "Sequence number when the manifest was added", "field-id": 515 },
    { name: "min_sequence_number", type: "long", doc: "Lowest sequence number in the manifest", "field-id": 516 },
    { name: "added_snapshot_id", type: "long", doc: "Snapshot ID that added the manifest", "field-id": 503 },
    { name: "added_files_count", type: "int", doc: "Added entry count", "field-id": 504 },
    { name: "existing_files_count", type: "int", doc: "Existing entry count", "field-id": 505 },
    { name: "deleted_files_count", type: "int", doc: "Deleted entry count", "field-id": 506 },
    { name: "added_rows_count", type: "long", doc: "Added rows count", "field-id": 512 },
    { name: "existing_rows_count", type: "long", doc: "Existing rows count", "field-id": 513 },
    { name: "deleted_rows_count", type: "long", doc: "Deleted rows count", "field-id": 514 },
    {
      name: "partitions",
      type: optional({
        type: "array",
        items: {
          type: "record",
          name: "r508",
          fields: [
            { name: "contains_null", type: "boolean", doc: "True if any file has a null partition value", "field-id": 509 },
            { name: "contains_nan", type: optional("boolean"), default: null, doc: "True if any file has a nan partition value", "field-id": 518 },
            { name: "lower_bound", type: optional("bytes"), default: null, doc: "Partition lower bound for all files", "field-id": 510 },
            { name: "upper_bound", type: optional("bytes"), default: null, doc: "Partition upper bound for all files", "field-id": 511 },
          ],
        },
        "element-id": 508,
      }),
      default: null,
      doc: "Summary for each partition",
      "field-id": 507,
    },
    { name: "key_metadata", type: optional("bytes"), default: null, "field-id": 519 },
  ],
};

/** avsc long type whose values are bigints (numbers are accepted when writing). */
const LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (json: unknown) => BigInt(json as string | number),
  toJSON: (n: bigint) => (Number.isSafeInteger(Number(n)) ? Number(n) : n.toString()),
  isValid: (n: unknown) => typeof n === "bigint" || (typeof n === "number" && Number.isSafeInteger(n)),
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** forSchema options with the bigint long (a fresh registry each time: avsc adds the named types to it). */
function typeOptions(): Partial<avro.ForSchemaOptions> {
  // avsc's typings lack the custom long type's shape in `registry`.
  return { registry: { long: LONG } } as unknown as Partial<avro.ForSchemaOptions>;
}

const HEADER = avro.Type.forSchema({
  type: "record",
  name: "org.apache.avro.file.Header",
  fields: [
    { name: "magic", type: { type: "fixed", name: "Magic", size: 4 } },
    { name: "meta", type: { type: "map", values: "bytes" } },
    { name: "sync", type: { type: "fixed", name: "Sync", size: 16 } },
  ],
});

/** One object container file, codec null, one block; the schema JSON is written verbatim (field ids). */
function encodeContainer(schema: AvroSchema, records: object[], metadata: Record<string, string>): Buffer {
  const type = avro.Type.forSchema(schema as avro.Schema, typeOptions());
  const meta: Record<string, Buffer> = { "avro.schema": Buffer.from(JSON.stringify(schema), "utf8"), "avro.codec": Buffer.from("null") };
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v, "utf8");
  const sync = Buffer.from(crypto.getRandomValues(new Uint8Array(16)));
  const body = Buffer.concat(records.map((r) => type.toBuffer(r)));
  const parts = [HEADER.toBuffer({ magic: Buffer.from("Obj\x01", "latin1"), meta, sync })];
  if (records.length > 0) parts.push(avro.Type.forSchema("long").toBuffer(records.length), avro.Type.forSchema("long").toBuffer(body.length), body, sync);
  return Buffer.concat(parts);
}

type AvroRecord = Record<string, unknown>;

async function decodeContainer(bytes: Buffer, file: string): Promise<{ records: AvroRecord[]; metadata: Record<string, string>; schema: AvroSchema }> {
  const decoder = new avro.streams.BlockDecoder({ parseHook: (schema: avro.Schema) => avro.Type.forSchema(schema, typeOptions()) });
  const records: AvroRecord[] = [];
  let metadata: Record<string, string> = {};
  const done = new Promise<void>((resolve, reject) => {
    decoder.on("metadata", (_type: unknown, _codec: string, header: { meta: Record<string, Buffer> }) => {
      metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString("utf8")]));
    });
    decoder.on("data", (record: AvroRecord) => records.push(record));
    decoder.on("end", () => resolve());
    decoder.on("error", reject);
  });
  (decoder as unknown as NodeJS.WritableStream).end(bytes);
  try {
    await done;
  } catch (error) {
    throw new LakehouseError("iceberg", `cannot decode Avro file: ${(error as Error).message}`, { file }, "the file is damaged or not an Avro object container file", { cause: error });
  }
  return { records, metadata, schema: JSON.parse(metadata["avro.schema"] ?? "{}") as AvroSchema };
}

/** A long read as bigint, as an exact JS number (counts, sizes, sequence numbers). */
function exact(value: unknown, file: string, field: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  throw new LakehouseError("iceberg", `${field} ${String(value)} does not fit a JS number exactly`, { file, field }, "values above 2^53 are supported for ids only");
}

function exactOrNull(value: unknown, file: string, field: string): number | null {
  return value === null || value === undefined ? null : exact(value, file, field);
}

function idOrNull(value: unknown): bigint | null {
  return value === null || value === undefined ? null : BigInt(value as bigint | number);
}

/** The record fields of a (possibly optional) Avro type, with their Iceberg field ids. */
function recordFields(type: unknown): { name: string; "field-id"?: number; type: unknown }[] {
  if (Array.isArray(type)) return type.flatMap(recordFields);
  if (type && typeof type === "object" && (type as AvroSchema).type === "record") return (type as { fields: { name: string; type: unknown }[] }).fields;
  return [];
}

/** Renames a record's fields from the writer's names to `names[field-id]` (unknown ids keep their name). */
function byFieldId(record: AvroRecord, type: unknown, names: Record<number, string>): AvroRecord {
  const out: AvroRecord = {};
  for (const field of recordFields(type)) {
    const name = (field["field-id"] !== undefined && names[field["field-id"]]) || field.name;
    out[name] = record[field.name];
  }
  return out;
}

const MANIFEST_FILE_NAMES: Record<number, string> = {
  500: "manifest_path", 501: "manifest_length", 502: "partition_spec_id", 517: "content", 515: "sequence_number", 516: "min_sequence_number",
  503: "added_snapshot_id", 504: "added_files_count", 505: "existing_files_count", 506: "deleted_files_count", 512: "added_rows_count",
  513: "existing_rows_count", 514: "deleted_rows_count", 507: "partitions", 519: "key_metadata",
};
const ENTRY_NAMES: Record<number, string> = { 0: "status", 1: "snapshot_id", 3: "sequence_number", 4: "file_sequence_number", 2: "data_file" };
const DATA_FILE_NAMES: Record<number, string> = {
  134: "content", 100: "file_path", 101: "file_format", 102: "partition", 103: "record_count", 104: "file_size_in_bytes", 108: "column_sizes",
  109: "value_counts", 110: "null_value_counts", 137: "nan_value_counts", 125: "lower_bounds", 128: "upper_bounds", 131: "key_metadata",
  132: "split_offsets", 135: "equality_ids", 140: "sort_order_id",
};

export interface ManifestContext {
  schema: IcebergSchema;
  spec: PartitionSpec;
  metadata: TableMetadata;
  /** A data manifest (default) or a delete manifest (entries of delete files). */
  content?: "data" | "deletes";
}

export function encodeManifest(entries: ManifestEntry[], context: ManifestContext): Promise<Buffer> {
  return Promise.resolve(
    encodeContainer(manifestEntrySchema(context.spec, context.metadata, context.schema), entries, {
      schema: JSON.stringify(context.schema),
      "schema-id": String(context.schema["schema-id"]),
      "partition-spec": JSON.stringify(context.spec.fields),
      "partition-spec-id": String(context.spec["spec-id"]),
      "format-version": "2",
      content: context.content ?? "data",
    }),
  );
}

function countMap(value: unknown, file: string, field: string): { key: number; value: number }[] | null {
  return Array.isArray(value) ? value.map((e: { key: number; value: unknown }) => ({ key: e.key, value: exact(e.value, file, field) })) : null;
}

function bytesMap(value: unknown): { key: number; value: Buffer }[] | null {
  return Array.isArray(value) ? value.map((e: { key: number; value: Buffer }) => ({ key: e.key, value: e.value })) : null;
}

export async function decodeManifest(bytes: Buffer, file = "(manifest)"): Promise<ManifestEntry[]> {
  const { records, schema } = await decodeContainer(bytes, file);
  // by field id; a writer that left the ids out of the Avro schema (e.g. iceberg-rust's older files) by name
  const dataFileType = (recordFields(schema).find((f) => f["field-id"] === 2) ?? recordFields(schema).find((f) => f.name === "data_file"))?.type;
  return records.map((raw, i) => {
    const r = byFieldId(raw, schema, ENTRY_NAMES);
    const f = byFieldId(r.data_file as AvroRecord, dataFileType, DATA_FILE_NAMES);
    const at = (field: string) => `entry ${i} ${field}`;
    const partition: Record<string, PartitionValue> = {};
    for (const [k, v] of Object.entries((f.partition ?? {}) as AvroRecord)) partition[k] = (v ?? null) as PartitionValue;
    const dataFile: DataFile = {
      content: f.content as DataFile["content"],
      file_path: f.file_path as string,
      file_format: f.file_format as string,
      partition,
      record_count: exact(f.record_count, file, at("record_count")),
      file_size_in_bytes: exact(f.file_size_in_bytes, file, at("file_size_in_bytes")),
      column_sizes: countMap(f.column_sizes, file, at("column_sizes")),
      value_counts: countMap(f.value_counts, file, at("value_counts")),
      null_value_counts: countMap(f.null_value_counts, file, at("null_value_counts")),
      nan_value_counts: countMap(f.nan_value_counts, file, at("nan_value_counts")),
      lower_bounds: bytesMap(f.lower_bounds),
      upper_bounds: bytesMap(f.upper_bounds),
      key_metadata: (f.key_metadata as Buffer | null) ?? null,
      split_offsets: Array.isArray(f.split_offsets) ? f.split_offsets.map((o: unknown) => exact(o, file, at("split_offsets"))) : null,
      equality_ids: (f.equality_ids as number[] | null) ?? null,
      sort_order_id: (f.sort_order_id as number | null) ?? null,
    };
    return {
      status: r.status as ManifestEntry["status"],
      snapshot_id: idOrNull(r.snapshot_id),
      sequence_number: exactOrNull(r.sequence_number, file, at("sequence_number")),
      file_sequence_number: exactOrNull(r.file_sequence_number, file, at("file_sequence_number")),
      data_file: dataFile,
    };
  });
}

export interface ManifestListContext {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: number;
}

export function encodeManifestList(files: ManifestFile[], context: ManifestListContext): Promise<Buffer> {
  return Promise.resolve(
    encodeContainer(MANIFEST_FILE_SCHEMA, files, {
      "snapshot-id": String(context.snapshotId),
      "parent-snapshot-id": context.parentSnapshotId === null ? "null" : String(context.parentSnapshotId),
      "sequence-number": String(context.sequenceNumber),
      "format-version": "2",
    }),
  );
}

export async function decodeManifestList(bytes: Buffer, file = "(manifest list)"): Promise<ManifestFile[]> {
  const { records, schema } = await decodeContainer(bytes, file);
  return records.map((raw, i) => {
    const r = byFieldId(raw, schema, MANIFEST_FILE_NAMES);
    const n = (field: string) => exact(r[field] ?? 0, file, `manifest ${i} ${field}`);
    const partitions = Array.isArray(r.partitions)
      ? r.partitions.map((p: AvroRecord) => ({
          contains_null: Boolean(p.contains_null),
          contains_nan: (p.contains_nan as boolean | null | undefined) ?? null,
          lower_bound: (p.lower_bound as Buffer | null | undefined) ?? null,
          upper_bound: (p.upper_bound as Buffer | null | undefined) ?? null,
        }))
      : null;
    return {
      manifest_path: r.manifest_path as string,
      manifest_length: n("manifest_length"),
      partition_spec_id: r.partition_spec_id as number,
      content: r.content as ManifestFile["content"],
      sequence_number: n("sequence_number"),
      min_sequence_number: n("min_sequence_number"),
      added_snapshot_id: BigInt(r.added_snapshot_id as bigint),
      added_files_count: n("added_files_count"),
      existing_files_count: n("existing_files_count"),
      deleted_files_count: n("deleted_files_count"),
      added_rows_count: n("added_rows_count"),
      existing_rows_count: n("existing_rows_count"),
      deleted_rows_count: n("deleted_rows_count"),
      partitions,
      key_metadata: (r.key_metadata as Buffer | null | undefined) ?? null,
    };
  });
}
