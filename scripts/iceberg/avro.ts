/**
 * Avro manifests and manifest lists (Iceberg spec v2), encoded with avsc as Avro object container files.
 * The Avro schemas carry the Iceberg `field-id` of every field (and `element-id`, `key-id`/`value-id`
 * for lists and maps), as Iceberg readers resolve manifest fields by id.
 */
import avro from "avsc";
import type { DataFile, ManifestEntry, ManifestFile, PartitionSpec, IcebergSchema } from "./types.ts";

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

/** The `manifest_entry` schema of a v2 data manifest for a spec partitioned by one date column. */
export function manifestEntrySchema(spec: PartitionSpec): AvroSchema {
  const partitionFields = spec.fields.map((f) => ({
    name: f.name,
    type: optional({ type: "int", logicalType: "date" }),
    default: null,
    "field-id": f["field-id"],
  }));
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

async function encodeContainer(schema: AvroSchema, records: object[], metadata: Record<string, string>): Promise<Buffer> {
  const meta: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v, "utf8");
  // Passing the schema JSON (not a Type) makes avsc write it verbatim, field-id attributes included.
  // avsc's typings omit the (supported, documented) `metadata` option of BlockEncoder.
  const options = { codec: "null", metadata: meta } as unknown as ConstructorParameters<typeof avro.streams.BlockEncoder>[1];
  const encoder = new avro.streams.BlockEncoder(schema as avro.Schema, options);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    encoder.on("data", (chunk: Buffer) => chunks.push(chunk));
    encoder.on("end", () => resolve());
    encoder.on("error", reject);
  });
  for (const record of records) encoder.write(record);
  encoder.end();
  await done;
  return Buffer.concat(chunks);
}

async function decodeContainer<T>(bytes: Buffer): Promise<{ records: T[]; metadata: Record<string, string> }> {
  const decoder = new avro.streams.BlockDecoder();
  const records: T[] = [];
  let metadata: Record<string, string> = {};
  const done = new Promise<void>((resolve, reject) => {
    decoder.on("metadata", (_type: unknown, _codec: string, header: { meta: Record<string, Buffer> }) => {
      metadata = Object.fromEntries(Object.entries(header.meta).map(([k, v]) => [k, v.toString("utf8")]));
    });
    decoder.on("data", (record: T) => records.push(record));
    decoder.on("end", () => resolve());
    decoder.on("error", reject);
  });
  (decoder as unknown as NodeJS.WritableStream).end(bytes);
  await done;
  return { records, metadata };
}

export interface ManifestContext {
  schema: IcebergSchema;
  spec: PartitionSpec;
}

export function encodeManifest(entries: ManifestEntry[], context: ManifestContext): Promise<Buffer> {
  return encodeContainer(manifestEntrySchema(context.spec), entries, {
    schema: JSON.stringify(context.schema),
    "schema-id": String(context.schema["schema-id"]),
    "partition-spec": JSON.stringify(context.spec.fields),
    "partition-spec-id": String(context.spec["spec-id"]),
    "format-version": "2",
    content: "data",
  });
}

function fromAvroMap<V>(value: { key: number; value: V }[] | null): { key: number; value: V }[] | null {
  return value ? value.map((e) => ({ key: e.key, value: e.value })) : null;
}

export async function decodeManifest(bytes: Buffer): Promise<ManifestEntry[]> {
  const { records } = await decodeContainer<ManifestEntry>(bytes);
  return records.map((r) => {
    const f = r.data_file;
    const dataFile: DataFile = {
      ...f,
      partition: { ingest_on: (f.partition as Record<string, number | null>).ingest_on ?? null },
      column_sizes: fromAvroMap(f.column_sizes),
      value_counts: fromAvroMap(f.value_counts),
      null_value_counts: fromAvroMap(f.null_value_counts),
      nan_value_counts: fromAvroMap(f.nan_value_counts),
      lower_bounds: fromAvroMap(f.lower_bounds),
      upper_bounds: fromAvroMap(f.upper_bounds),
    };
    return { status: r.status, snapshot_id: r.snapshot_id, sequence_number: r.sequence_number, file_sequence_number: r.file_sequence_number, data_file: dataFile };
  });
}

export interface ManifestListContext {
  snapshotId: number;
  parentSnapshotId: number | null;
  sequenceNumber: number;
}

export function encodeManifestList(files: ManifestFile[], context: ManifestListContext): Promise<Buffer> {
  return encodeContainer(MANIFEST_FILE_SCHEMA, files, {
    "snapshot-id": String(context.snapshotId),
    "parent-snapshot-id": context.parentSnapshotId === null ? "null" : String(context.parentSnapshotId),
    "sequence-number": String(context.sequenceNumber),
    "format-version": "2",
  });
}

export async function decodeManifestList(bytes: Buffer): Promise<ManifestFile[]> {
  return (await decodeContainer<ManifestFile>(bytes)).records;
}
