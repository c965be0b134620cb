/**
 * Partition specs (spec "Partitioning", "Partition Transforms"): the result type of each partition field,
 * the spec of a manifest, and which specs the silver writer can write (identity on a date column, or none).
 */
import type { SilverType } from "../silver/tables.ts";
import { LakehouseError } from "../core/errors.ts";
import type { IcebergSchema, PartitionField, PartitionSpec, PartitionValue, TableMetadata } from "./types.ts";
import { formatDate } from "./values.ts";

export function specById(metadata: TableMetadata, specId: number, file?: string): PartitionSpec {
  const spec = metadata["partition-specs"].find((s) => s["spec-id"] === specId);
  if (!spec) throw new LakehouseError("iceberg", `partition spec ${specId} is not in the table metadata`, { file, field: "partition_spec_id" }, "the manifest was written for a spec the metadata no longer lists");
  return spec;
}

export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  return specById(metadata, metadata["default-spec-id"]);
}

/** A source column's type in any schema of the table (a spec may name a column dropped since). */
function sourceType(metadata: TableMetadata, schema: IcebergSchema | undefined, sourceId: number): unknown {
  const schemas = schema ? [schema, ...metadata.schemas] : metadata.schemas;
  for (const s of schemas) {
    const field = s.fields.find((f) => f.id === sourceId);
    if (field) return field.type;
  }
  return undefined;
}

/**
 * The result type of a partition field as one of the single-value types of values.ts, or null when the
 * library cannot encode it (e.g. identity on a decimal): spec "Partition Transforms".
 */
export function partitionResultType(field: PartitionField, metadata: TableMetadata, schema?: IcebergSchema): SilverType | null {
  const transform = field.transform;
  if (transform.startsWith("bucket[") || transform === "year" || transform === "month" || transform === "hour") return "int";
  if (transform === "day") return "date";
  if (transform === "void") return null;
  const source = sourceType(metadata, schema, field["source-id"]);
  const simple: Record<string, SilverType> = { boolean: "boolean", int: "int", long: "long", double: "double", string: "string", date: "date", timestamp: "timestamp", timestamptz: "timestamp" };
  if ((transform === "identity" || transform.startsWith("truncate[")) && typeof source === "string" && source in simple) return simple[source];
  return null;
}

/** The Avro type of a partition field's value in a manifest (always optional). */
export function partitionAvroType(type: SilverType | null): unknown {
  switch (type) {
    case "date":
      return { type: "int", logicalType: "date" };
    case "timestamp":
      return { type: "long", logicalType: "timestamp-micros", "adjust-to-utc": true };
    case null:
      return "null";
    default:
      return type;
  }
}

/**
 * The single date partition field of a spec (identity on a date column, e.g. the silver tables' `ingest_on`),
 * or null for an unpartitioned spec. Any other spec is refused: the silver writer writes only these two.
 */
export function writerPartitionField(metadata: TableMetadata): PartitionField | null {
  const spec = defaultSpec(metadata);
  if (spec.fields.length === 0) return null;
  const field = spec.fields[0];
  if (spec.fields.length > 1 || field.transform !== "identity" || partitionResultType(field, metadata) !== "date") {
    const shown = spec.fields.map((f) => `${f.transform}(${f["source-id"]}) as ${f.name}`).join(", ");
    throw new LakehouseError(
      "iceberg",
      `the silver writer writes only unpartitioned tables or tables partitioned by identity on one date column; default spec ${spec["spec-id"]} is ${shown}`,
      { file: metadata.location, field: "partition-specs" },
      "commit files written by another engine with appendFiles, or evolve the table's spec",
    );
  }
  return field;
}

/** YYYY-MM-DD of a partition tuple whose spec is one identity(date) field, else null. */
export function partitionDate(spec: PartitionSpec, metadata: TableMetadata, tuple: Record<string, PartitionValue>): string | null {
  if (spec.fields.length !== 1) return null;
  const field = spec.fields[0];
  if (field.transform !== "identity" || partitionResultType(field, metadata) !== "date") return null;
  const value = tuple[field.name];
  return typeof value === "number" ? formatDate(value) : null;
}
