/**
 * Silver rows → Arrow record batches (the input of the Parquet writer), with per-column statistics.
 * Columns are built directly into typed arrays (columns.ts; no per-value Arrow builders): string→Utf8, int→Int32,
 * long→Int64, double→Float64, boolean→Bool, date→Date32 (DateDay), timestamp→Timestamp(µs, no zone).
 * Every Arrow field carries `PARQUET:field_id`, which arrow-rs (parquet-wasm) writes as the Parquet field id.
 */
import {
  Bool,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimestampMicrosecond,
  Utf8,
  type DataType,
} from "apache-arrow";
import type { SilverType } from "../silver/tables.ts";
import { columnBuffer, type ColumnBuffer, type ColumnStats } from "./columns.ts";
import type { IcebergField, Row } from "./types.ts";

export function arrowType(type: SilverType): DataType {
  switch (type) {
    case "string":
      return new Utf8();
    case "int":
      return new Int32();
    case "long":
      return new Int64();
    case "double":
      return new Float64();
    case "boolean":
      return new Bool();
    case "date":
      return new DateDay();
    case "timestamp":
      return new TimestampMicrosecond();
  }
}

export function arrowSchema(fields: IcebergField[]): Schema {
  return new Schema(
    fields.map((f) => new Field(f.name, arrowType(f.type), !f.required, new Map([["PARQUET:field_id", String(f.id)]]))),
  );
}

export type { ColumnStats } from "./columns.ts";

/** Accumulates rows into one Arrow record batch at a time; stats span every batch since creation. */
export class BatchBuilder {
  readonly schema: Schema;
  private readonly columnStats: ColumnStats[];
  private readonly columns: ColumnBuffer[];
  private readonly names: string[];
  private rows = 0;
  private totalRows = 0;

  constructor(readonly fields: IcebergField[]) {
    this.schema = arrowSchema(fields);
    this.columnStats = fields.map(() => ({ values: 0, nulls: 0, nans: 0, min: undefined, max: undefined }));
    this.columns = fields.map((f, i) => columnBuffer(f, arrowType(f.type), this.columnStats[i]));
    this.names = fields.map((f) => f.name);
  }

  get length(): number {
    return this.rows;
  }

  /** Per column, the stats of every row appended since creation. */
  get stats(): ColumnStats[] {
    for (const column of this.columns) column.syncStats();
    return this.columnStats;
  }

  get total(): number {
    return this.totalRows;
  }

  append(row: Row): void {
    const number = this.totalRows + 1;
    const names = this.names;
    for (let c = 0; c < this.columns.length; c++) this.columns[c].append(row[names[c]], number);
    this.rows++;
    this.totalRows++;
  }

  take(): RecordBatch {
    const children = this.columns.map((c) => c.take());
    const data = makeData({ type: new Struct(this.schema.fields), length: this.rows, nullCount: 0, children });
    this.rows = 0;
    return new RecordBatch(this.schema, data);
  }
}
