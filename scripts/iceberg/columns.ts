/**
 * Column buffers: the values of one column being filled for the next Arrow record batch, in growable
 * typed arrays, with validity bits and the running statistics of everything appended since creation.
 *
 * One class per physical layout (UTF-8 strings, int32, int64, float64, bits), so that each class's typed
 * array accesses see one element type and stay fast; what they share (validity, null handling, bounds)
 * lives in `Validity` and plain functions rather than a base class, for the same reason.
 *
 * Running bounds compare each value with the current min/max in the column's order: numbers and bigints
 * natively, booleans false < true, strings by Unicode code point (compareStrings), as compareValues does.
 */
import { makeData, type Data, type DataType } from "apache-arrow";
import { LakehouseError } from "../core/errors.ts";
import type { IcebergField } from "./types.ts";
import { compareStrings } from "./values.ts";

/** Statistics of one column over everything appended since the stats were created. */
export interface ColumnStats {
  values: number;
  nulls: number;
  nans: number;
  min: unknown;
  max: unknown;
}

export interface ColumnBuffer {
  /** Appends one value (`rowNumber`, from 1, names the row in errors). */
  append(value: unknown, rowNumber: number): void;
  /** The Arrow data of what was appended (copies), then empties the buffer (the stats go on). */
  take(): Data;
}

const INITIAL = 1024;

/** Validity bits of a column being filled. */
class Validity {
  bits = new Uint8Array(INITIAL / 8);
  nulls = 0;

  /** Room for `capacity` values. */
  grow(capacity: number): void {
    const bits = new Uint8Array(Math.ceil(capacity / 8));
    bits.set(this.bits);
    this.bits = bits;
  }

  set(i: number): void {
    this.bits[i >> 3] |= 1 << (i & 7);
  }

  /** The bitmap of the first `n` values (none when no value is null), then resets. */
  take(n: number): Uint8Array | undefined {
    const bitmap = this.nulls > 0 ? this.bits.slice(0, Math.ceil(n / 8)) : undefined;
    this.bits.fill(0);
    this.nulls = 0;
    return bitmap;
  }
}

/** A null at position `i`: refused for a required column, else counted (its validity bit stays 0). */
function appendNull(field: IcebergField, validity: Validity, stats: ColumnStats, rowNumber: number): void {
  if (field.required) throw new LakehouseError("iceberg", `required column is null`, { record: rowNumber, field: field.name });
  validity.nulls++;
  stats.nulls++;
}

function typeError(field: IcebergField, value: unknown, rowNumber: number): LakehouseError {
  const shown = typeof value === "bigint" ? `${value}n` : JSON.stringify(value);
  return new LakehouseError("iceberg", `expected a ${field.type} value, got ${typeof value} ${String(shown).slice(0, 60)}`, {
    record: rowNumber,
    field: field.name,
  });
}

/** Running bounds of a number or bigint column. */
function bound(stats: ColumnStats, value: number | bigint): void {
  if (stats.min === undefined) {
    stats.min = value;
    stats.max = value;
  } else if (value < (stats.min as number | bigint)) stats.min = value;
  else if (value > (stats.max as number | bigint)) stats.max = value;
}

/** Utf8: offsets and UTF-8 bytes. */
class StringColumn implements ColumnBuffer {
  private length = 0;
  private readonly validity = new Validity();
  private offsets = new Int32Array(INITIAL + 1);
  private bytes = Buffer.alloc(16384);
  private byteLength = 0;
  /** The string appended last and where its bytes start: the same string again is copied, not re-encoded. */
  private lastString: string | null = null;
  private lastStart = 0;

  constructor(
    private readonly field: IcebergField,
    private readonly type: DataType,
    private readonly stats: ColumnStats,
  ) {}

  append(value: unknown, rowNumber: number): void {
    const i = this.length;
    if (i + 1 >= this.offsets.length) {
      const offsets = new Int32Array(this.offsets.length * 2 - 1);
      offsets.set(this.offsets);
      this.offsets = offsets;
      this.validity.grow(offsets.length - 1);
    }
    if (value === null || value === undefined) appendNull(this.field, this.validity, this.stats, rowNumber);
    else if (typeof value !== "string") throw typeError(this.field, value, rowNumber);
    else {
      this.validity.set(i);
      this.appendString(value);
    }
    this.offsets[i + 1] = this.byteLength;
    this.stats.values++;
    this.length = i + 1;
  }

  private appendString(value: string): void {
    const start = this.byteLength;
    const need = start + value.length * 3;
    if (need > this.bytes.length) {
      const bytes = Buffer.alloc(Math.max(need, this.bytes.length * 2));
      bytes.set(this.bytes.subarray(0, start));
      this.bytes = bytes;
    }
    const bytes = this.bytes;
    if (value === this.lastString) {
      // Repeated value (a session's columns on each of its items, the source file on every row): its
      // bytes are right before, and it is already within the bounds.
      bytes.copyWithin(start, this.lastStart, start);
      this.byteLength = start + (start - this.lastStart);
      this.lastStart = start;
      return;
    }
    const written = bytes.write(value, start);
    this.byteLength = start + written;
    this.lastString = value;
    this.lastStart = start;
    const s = this.stats;
    if (s.min === undefined) {
      s.min = value;
      s.max = value;
    } else if (written === value.length) {
      // One byte per character: ASCII, no surrogates, so UTF-16 order (the native comparison) is code point order.
      if (value < (s.min as string)) s.min = value;
      else if (value > (s.max as string)) s.max = value;
    } else if (compareStrings(value, s.min as string) < 0) s.min = value;
    else if (compareStrings(value, s.max as string) > 0) s.max = value;
  }

  take(): Data {
    const n = this.length;
    const data = makeData({
      type: this.type as never,
      length: n,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.take(n),
      valueOffsets: this.offsets.slice(0, n + 1),
      data: new Uint8Array(this.bytes.subarray(0, this.byteLength)), // a copy (Buffer#slice would be a view)
    } as never);
    this.length = 0;
    this.byteLength = 0;
    this.lastString = null;
    return data;
  }
}

/** int and date (days): Int32. */
class Int32Column implements ColumnBuffer {
  private length = 0;
  private readonly validity = new Validity();
  private values = new Int32Array(INITIAL);

  constructor(
    private readonly field: IcebergField,
    private readonly type: DataType,
    private readonly stats: ColumnStats,
  ) {}

  append(value: unknown, rowNumber: number): void {
    const i = this.length;
    if (i >= this.values.length) {
      const values = new Int32Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
      this.validity.grow(values.length);
    }
    if (value === null || value === undefined) appendNull(this.field, this.validity, this.stats, rowNumber);
    else {
      if (typeof value !== "number" || !Number.isInteger(value) || value > 2147483647 || value < -2147483648) throw typeError(this.field, value, rowNumber);
      this.validity.set(i);
      this.values[i] = value;
      bound(this.stats, value);
    }
    this.stats.values++;
    this.length = i + 1;
  }

  take(): Data {
    const n = this.length;
    const data = makeData({ type: this.type, length: n, nullCount: this.validity.nulls, nullBitmap: this.validity.take(n), data: this.values.slice(0, n) } as never);
    this.length = 0;
    return data;
  }
}

/** long and timestamp (microseconds): Int64, from bigints or integral numbers. */
class Int64Column implements ColumnBuffer {
  private length = 0;
  private readonly validity = new Validity();
  private values = new BigInt64Array(INITIAL);

  constructor(
    private readonly field: IcebergField,
    private readonly type: DataType,
    private readonly stats: ColumnStats,
  ) {}

  append(value: unknown, rowNumber: number): void {
    const i = this.length;
    if (i >= this.values.length) {
      const values = new BigInt64Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
      this.validity.grow(values.length);
    }
    if (value === null || value === undefined) appendNull(this.field, this.validity, this.stats, rowNumber);
    else {
      const v = typeof value === "bigint" ? value : typeof value === "number" && Number.isInteger(value) ? BigInt(value) : null;
      if (v === null) throw typeError(this.field, value, rowNumber);
      this.validity.set(i);
      this.values[i] = v;
      bound(this.stats, v);
    }
    this.stats.values++;
    this.length = i + 1;
  }

  take(): Data {
    const n = this.length;
    const data = makeData({ type: this.type, length: n, nullCount: this.validity.nulls, nullBitmap: this.validity.take(n), data: this.values.slice(0, n) } as never);
    this.length = 0;
    return data;
  }
}

/** double: Float64; NaN is counted, never a bound. */
class Float64Column implements ColumnBuffer {
  private length = 0;
  private readonly validity = new Validity();
  private values = new Float64Array(INITIAL);

  constructor(
    private readonly field: IcebergField,
    private readonly type: DataType,
    private readonly stats: ColumnStats,
  ) {}

  append(value: unknown, rowNumber: number): void {
    const i = this.length;
    if (i >= this.values.length) {
      const values = new Float64Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
      this.validity.grow(values.length);
    }
    if (value === null || value === undefined) appendNull(this.field, this.validity, this.stats, rowNumber);
    else {
      if (typeof value !== "number") throw typeError(this.field, value, rowNumber);
      this.validity.set(i);
      this.values[i] = value;
      if (Number.isNaN(value)) this.stats.nans++;
      else bound(this.stats, value);
    }
    this.stats.values++;
    this.length = i + 1;
  }

  take(): Data {
    const n = this.length;
    const data = makeData({ type: this.type, length: n, nullCount: this.validity.nulls, nullBitmap: this.validity.take(n), data: this.values.slice(0, n) } as never);
    this.length = 0;
    return data;
  }
}

/** boolean: bits. */
class BooleanColumn implements ColumnBuffer {
  private length = 0;
  private readonly validity = new Validity();
  private readonly values = new Validity();

  constructor(
    private readonly field: IcebergField,
    private readonly type: DataType,
    private readonly stats: ColumnStats,
  ) {}

  append(value: unknown, rowNumber: number): void {
    const i = this.length;
    if (i >= this.validity.bits.length * 8) {
      this.validity.grow(i * 2);
      this.values.grow(i * 2);
    }
    if (value === null || value === undefined) appendNull(this.field, this.validity, this.stats, rowNumber);
    else {
      if (typeof value !== "boolean") throw typeError(this.field, value, rowNumber);
      this.validity.set(i);
      if (value) this.values.set(i);
      const s = this.stats;
      if (s.min === undefined) {
        s.min = value;
        s.max = value;
      } else if (!value) s.min = false;
      else s.max = true;
    }
    this.stats.values++;
    this.length = i + 1;
  }

  take(): Data {
    const n = this.length;
    const data = makeData({ type: this.type, length: n, nullCount: this.validity.nulls, nullBitmap: this.validity.take(n), data: this.values.bits.slice(0, Math.ceil(n / 8)) } as never);
    this.values.bits.fill(0);
    this.length = 0;
    return data;
  }
}

/** The buffer for a field, with its Arrow type and the stats object it keeps up to date. */
export function columnBuffer(field: IcebergField, type: DataType, stats: ColumnStats): ColumnBuffer {
  switch (field.type) {
    case "string":
      return new StringColumn(field, type, stats);
    case "int":
    case "date":
      return new Int32Column(field, type, stats);
    case "long":
    case "timestamp":
      return new Int64Column(field, type, stats);
    case "double":
      return new Float64Column(field, type, stats);
    case "boolean":
      return new BooleanColumn(field, type, stats);
  }
}
