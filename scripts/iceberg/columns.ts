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
  /** Brings the stats up to date with every value appended (a column may defer some work to take()). */
  syncStats(): void;
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

/**
 * Utf8: the row group's strings are kept as they come and encoded at take(), when it is cheapest: joined
 * and encoded in one call, and when that gives one byte per character (ASCII, so no surrogates) the
 * offsets follow from the string lengths; otherwise each string is encoded on its own. A column whose last
 * row group was not ASCII goes straight to the per-string encoding (same bytes, no wasted join).
 */
class StringColumn implements ColumnBuffer {
  private length = 0;
  private readonly validity = new Validity();
  /** The row group's values, "" for nulls. */
  private values: string[] = [];
  /** Values before this index are within the stats. */
  private bounded = 0;
  private asciiSoFar = true;

  constructor(
    private readonly field: IcebergField,
    private readonly type: DataType,
    private readonly stats: ColumnStats,
  ) {}

  append(value: unknown, rowNumber: number): void {
    const i = this.length;
    if (i >= this.validity.bits.length * 8) this.validity.grow(i * 2);
    if (value === null || value === undefined) {
      appendNull(this.field, this.validity, this.stats, rowNumber);
      this.values.push("");
    } else if (typeof value !== "string") throw typeError(this.field, value, rowNumber);
    else {
      this.validity.set(i);
      this.values.push(value);
    }
    this.stats.values++;
    this.length = i + 1;
  }

  take(): Data {
    const n = this.length;
    const values = this.values;
    const offsets = new Int32Array(n + 1);
    let bytes: Buffer | null = null;
    if (this.asciiSoFar) {
      const joined = values.join("");
      bytes = Buffer.from(joined, "utf8");
      if (bytes.length === joined.length) {
        let end = 0;
        for (let i = 0; i < n; i++) offsets[i + 1] = end += values[i].length;
      } else {
        bytes = null;
        this.asciiSoFar = false;
      }
    }
    if (bytes === null) {
      let size = 0;
      for (let i = 0; i < n; i++) size += values[i].length * 3;
      const all = Buffer.allocUnsafe(size); // only the bytes written are used
      let end = 0;
      for (let i = 0; i < n; i++) offsets[i + 1] = end += all.write(values[i], end);
      bytes = all.subarray(0, end);
    }
    this.syncStats(offsets);
    const data = makeData({
      type: this.type as never,
      length: n,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.take(n),
      valueOffsets: offsets,
      data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
    } as never);
    this.length = 0;
    this.values = [];
    this.bounded = 0;
    return data;
  }

  /**
   * Brings the bounds up to date with the values appended so far. With the row group's `offsets` (at take()),
   * a value is ASCII when its UTF-8 is as long as its text; without, its characters are checked.
   */
  syncStats(offsets?: Int32Array): void {
    const s = this.stats;
    const bits = this.validity.bits;
    const values = this.values;
    let previous: string | null = null;
    for (let i = this.bounded; i < values.length; i++) {
      if ((bits[i >> 3] & (1 << (i & 7))) === 0) continue;
      const value = values[i];
      if (value === previous) continue; // already within the bounds (repeated values are common: a session's items)
      previous = value;
      if (s.min === undefined) {
        s.min = value;
        s.max = value;
      } else if (offsets ? offsets[i + 1] - offsets[i] === value.length : isAscii(value)) {
        // An ASCII value has no surrogates: against any string, UTF-16 order (the native comparison) is
        // code point order.
        if (value < (s.min as string)) s.min = value;
        else if (value > (s.max as string)) s.max = value;
      } else if (compareStrings(value, s.min as string) < 0) s.min = value;
      else if (compareStrings(value, s.max as string) > 0) s.max = value;
    }
    this.bounded = values.length;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

type NumberArray = Int32Array | BigInt64Array | Float64Array;

/** A numeric column's values array at twice its capacity (the validity bits grown to match). */
function doubled<T extends NumberArray>(values: T, validity: Validity): T {
  const next = new (values.constructor as new (length: number) => T)(values.length * 2);
  next.set(values as never);
  validity.grow(next.length);
  return next;
}

/** The Arrow data of a numeric column's first `n` values (copies). */
function numericData(type: DataType, validity: Validity, values: NumberArray, n: number): Data {
  // makeData's overloads are per concrete type; the typed array matches `type` by construction.
  return makeData({ type, length: n, nullCount: validity.nulls, nullBitmap: validity.take(n), data: values.slice(0, n) } as never);
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
    if (i >= this.values.length) this.values = doubled(this.values, this.validity);
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

  syncStats(): void {}

  take(): Data {
    const data = numericData(this.type, this.validity, this.values, this.length);
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
    if (i >= this.values.length) this.values = doubled(this.values, this.validity);
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

  syncStats(): void {}

  take(): Data {
    const data = numericData(this.type, this.validity, this.values, this.length);
    this.length = 0;
    return data;
  }
}

/**
 * -0.0 precedes +0.0 (spec: "as in the IEEE 754 totalOrder predicate"), which `<` does not see: a lower
 * bound of zero is -0.0 once any -0.0 was seen, an upper bound of zero +0.0 once any +0.0 was.
 */
function signedZero(stats: ColumnStats, value: number): void {
  if (Object.is(value, -0)) {
    if (stats.min === 0) stats.min = -0;
  } else if (stats.max === 0) stats.max = 0;
}

/** double: Float64; NaN is counted, never a bound; ±0.0 ordered as totalOrder. */
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
    if (i >= this.values.length) this.values = doubled(this.values, this.validity);
    if (value === null || value === undefined) appendNull(this.field, this.validity, this.stats, rowNumber);
    else {
      if (typeof value !== "number") throw typeError(this.field, value, rowNumber);
      this.validity.set(i);
      this.values[i] = value;
      if (Number.isNaN(value)) this.stats.nans++;
      else {
        bound(this.stats, value);
        if (value === 0) signedZero(this.stats, value);
      }
    }
    this.stats.values++;
    this.length = i + 1;
  }

  syncStats(): void {}

  take(): Data {
    const data = numericData(this.type, this.validity, this.values, this.length);
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

  syncStats(): void {}

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
