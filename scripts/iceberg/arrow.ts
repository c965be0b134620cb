/**
 * Silver rows → Arrow record batches (the input of the Parquet writer), with per-column statistics.
 * Columns are built directly into typed arrays (no per-value Arrow builders): string→Utf8, int→Int32,
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
  type Data,
  type DataType,
} from "apache-arrow";
import { LakehouseError } from "../core/errors.ts";
import type { SilverType } from "../silver/tables.ts";
import type { IcebergField, Row } from "./types.ts";
import { compareValues } from "./values.ts";

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

/** Statistics of one column over everything appended since the stats were created. */
export interface ColumnStats {
  values: number;
  nulls: number;
  nans: number;
  min: unknown;
  max: unknown;
}

const encoder = new TextEncoder();

/** One column being filled: values in a growable typed array, validity bits, running stats. */
class ColumnBuffer {
  private length = 0;
  private nullCount = 0;
  private validity = new Uint8Array(128);
  private numbers: Int32Array | Float64Array | BigInt64Array | Uint8Array;
  private offsets = new Int32Array(1025);
  private bytes = new Uint8Array(16384);
  private byteLength = 0;

  constructor(
    readonly field: IcebergField,
    private readonly stats: ColumnStats,
  ) {
    this.numbers = this.newNumbers(1024);
  }

  private newNumbers(n: number): Int32Array | Float64Array | BigInt64Array | Uint8Array {
    switch (this.field.type) {
      case "int":
      case "date":
        return new Int32Array(n);
      case "long":
      case "timestamp":
        return new BigInt64Array(n);
      case "double":
        return new Float64Array(n);
      case "boolean":
        return new Uint8Array(Math.ceil(n / 8));
      case "string":
        return new Uint8Array(0);
    }
  }

  private grow(): void {
    const capacity = this.offsets.length - 1;
    const next = capacity * 2;
    const offsets = new Int32Array(next + 1);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const validity = new Uint8Array(Math.ceil(next / 8));
    validity.set(this.validity);
    this.validity = validity;
    if (this.field.type !== "string") {
      const numbers = this.newNumbers(next);
      numbers.set(this.numbers as never);
      this.numbers = numbers;
    }
  }

  append(value: unknown, rowNumber: number): void {
    const i = this.length;
    if (i + 1 >= this.offsets.length) this.grow();
    const f = this.field;
    if (value === null || value === undefined) {
      if (f.required) throw new LakehouseError("iceberg", `required column is null`, { record: rowNumber, field: f.name });
      this.nullCount++;
      this.stats.nulls++;
      this.offsets[i + 1] = this.byteLength;
    } else {
      this.validity[i >> 3] |= 1 << (i & 7);
      switch (f.type) {
        case "string": {
          if (typeof value !== "string") throw typeError(f, value, rowNumber);
          const need = this.byteLength + value.length * 3;
          if (need > this.bytes.length) {
            const bytes = new Uint8Array(Math.max(need, this.bytes.length * 2));
            bytes.set(this.bytes.subarray(0, this.byteLength));
            this.bytes = bytes;
          }
          this.byteLength += encoder.encodeInto(value, this.bytes.subarray(this.byteLength)).written;
          this.offsets[i + 1] = this.byteLength;
          break;
        }
        case "int":
        case "date":
          if (typeof value !== "number" || !Number.isInteger(value) || value > 2147483647 || value < -2147483648) {
            throw typeError(f, value, rowNumber);
          }
          (this.numbers as Int32Array)[i] = value;
          break;
        case "long":
        case "timestamp": {
          const v = typeof value === "bigint" ? value : typeof value === "number" && Number.isInteger(value) ? BigInt(value) : null;
          if (v === null) throw typeError(f, value, rowNumber);
          (this.numbers as BigInt64Array)[i] = v;
          value = v;
          break;
        }
        case "double":
          if (typeof value !== "number") throw typeError(f, value, rowNumber);
          (this.numbers as Float64Array)[i] = value;
          break;
        case "boolean":
          if (typeof value !== "boolean") throw typeError(f, value, rowNumber);
          if (value) (this.numbers as Uint8Array)[i >> 3] |= 1 << (i & 7);
          break;
      }
      if (f.type === "double" && Number.isNaN(value)) {
        this.stats.nans++;
      } else {
        const s = this.stats;
        if (s.min === undefined || compareValues(f.type, value, s.min) < 0) s.min = value;
        if (s.max === undefined || compareValues(f.type, value, s.max) > 0) s.max = value;
      }
    }
    this.stats.values++;
    this.length = i + 1;
  }

  /** The Arrow data of what was appended (copies), then empties the buffer. */
  take(): Data {
    const n = this.length;
    const type = arrowType(this.field.type);
    const nullBitmap = this.nullCount > 0 ? this.validity.slice(0, Math.ceil(n / 8)) : undefined;
    let data: Data;
    if (this.field.type === "string") {
      data = makeData({
        type: type as Utf8,
        length: n,
        nullCount: this.nullCount,
        nullBitmap,
        valueOffsets: this.offsets.slice(0, n + 1),
        data: this.bytes.slice(0, this.byteLength),
      });
    } else if (this.field.type === "boolean") {
      data = makeData({ type: type as Bool, length: n, nullCount: this.nullCount, nullBitmap, data: this.numbers.slice(0, Math.ceil(n / 8)) as Uint8Array });
    } else {
      // makeData's overloads are per concrete type; the typed array matches arrowType(type) by construction.
      data = makeData({ type, length: n, nullCount: this.nullCount, nullBitmap, data: this.numbers.slice(0, n) } as never);
    }
    this.length = 0;
    this.nullCount = 0;
    this.byteLength = 0;
    this.validity.fill(0);
    if (this.field.type === "boolean") (this.numbers as Uint8Array).fill(0);
    return data;
  }
}

function typeError(field: IcebergField, value: unknown, rowNumber: number): LakehouseError {
  const shown = typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
  return new LakehouseError("iceberg", `expected a ${field.type} value, got ${typeof value} ${String(shown).slice(0, 60)}`, {
    record: rowNumber,
    field: field.name,
  });
}

/** Accumulates rows into one Arrow record batch at a time; stats span every batch since creation. */
export class BatchBuilder {
  readonly schema: Schema;
  readonly stats: ColumnStats[];
  private readonly columns: ColumnBuffer[];
  private rows = 0;
  private totalRows = 0;

  constructor(readonly fields: IcebergField[]) {
    this.schema = arrowSchema(fields);
    this.stats = fields.map(() => ({ values: 0, nulls: 0, nans: 0, min: undefined, max: undefined }));
    this.columns = fields.map((f, i) => new ColumnBuffer(f, this.stats[i]));
  }

  get length(): number {
    return this.rows;
  }

  get total(): number {
    return this.totalRows;
  }

  append(row: Row): void {
    const number = this.totalRows + 1;
    for (let c = 0; c < this.columns.length; c++) this.columns[c].append(row[this.fields[c].name], number);
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
