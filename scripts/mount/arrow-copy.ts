/**
 * Arrow record batches → PostgreSQL COPY text, straight from the column vectors (no row objects, no JS
 * strings for text): one specialised cell writer per column over its typed arrays and validity bitmap.
 * The bytes are those copy.ts writes for the same values (the tests compare both): UTF-8 text is copied as
 * is with backslash, tab, newline and carriage return escaped; timestamps are formatted from the int64
 * microseconds with one cached `YYYY-MM-DD ` per day; dates are cached per day.
 *
 * A column whose Arrow type is not the one the silver type maps to (arrow.ts) goes through the reader's
 * in-memory values and copy.ts's encodeValue, so that it fails or converts exactly as the row path does.
 */
import { DataType, DateUnit, Precision, TimeUnit, type Data, type RecordBatch } from "apache-arrow";
import type { SilverColumn, SilverType } from "../silver/tables.ts";
import { columnValues } from "../iceberg/reader.ts";
import { encodeValue, formatDays, formatDouble, formatMicros, NUL_MESSAGE } from "./copy.ts";
import { NEWLINE, TAB, type CopyChunks } from "./copy-chunks.ts";

/** Writes the cell of row `row` (0-based within the batch) of one column. */
type CellWriter = (out: CopyChunks, row: number) => void;

const DAY_US = 86_400_000_000;
const HOUR_US = 3_600_000_000;
const MINUTE_US = 60_000_000;
const SECOND_US = 1_000_000;
/** Above this |high word| an int64 is no longer a safe integer as a double. */
const SAFE_HIGH = 0x1fffff;

function fitsFastPath(type: SilverType, arrow: DataType): boolean {
  switch (type) {
    case "string":
      return DataType.isUtf8(arrow);
    case "int":
      return DataType.isInt(arrow) && arrow.bitWidth === 32 && arrow.isSigned;
    case "long":
      return DataType.isInt(arrow) && arrow.bitWidth === 64 && arrow.isSigned;
    case "double":
      return DataType.isFloat(arrow) && arrow.precision === Precision.DOUBLE;
    case "boolean":
      return DataType.isBool(arrow);
    case "date":
      return DataType.isDate(arrow) && arrow.unit === DateUnit.DAY;
    case "timestamp":
      return DataType.isTimestamp(arrow) && arrow.unit === TimeUnit.MICROSECOND;
  }
}

/** The low and high 32-bit halves of an int64 column, for reading it without a BigInt per value. */
function halvesOf(values: BigInt64Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length * 2);
}

/** Bytes that COPY text must escape (backslash, tab, newline, carriage return) or cannot hold (NUL). */
const SPECIAL_BYTES = [92, 9, 10, 13, 0];
/** Longer values are copied natively, shorter ones byte by byte (cheaper than a native call). */
const NATIVE_COPY_BYTES = 48;

function utf8Writer(data: Data): CellWriter {
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const used = source.subarray(offsets[0], offsets[data.length]);
  if (SPECIAL_BYTES.every((b) => used.indexOf(b) < 0)) return cleanUtf8Writer(offsets, source);
  return (out, row) => {
    let i = offsets[row];
    const end = offsets[row + 1];
    out.ensure(2 * (end - i));
    const buf = out.buf;
    let pos = out.pos;
    for (; i < end; i++) {
      const b = bytes[i];
      if (b === 92) {
        buf[pos++] = 92;
        buf[pos++] = 92;
      } else if (b < 14 && (b === 9 || b === 10 || b === 13 || b === 0)) {
        if (b === 0) throw new Error(NUL_MESSAGE);
        buf[pos++] = 92;
        buf[pos++] = b === 9 ? 116 : b === 10 ? 110 : 114;
      } else {
        buf[pos++] = b;
      }
    }
    out.pos = pos;
  };
}

/** A text column with nothing to escape in this batch: its bytes are copied as they are. */
function cleanUtf8Writer(offsets: Int32Array, source: Buffer): CellWriter {
  return (out, row) => {
    let i = offsets[row];
    const end = offsets[row + 1];
    const n = end - i;
    out.ensure(n);
    if (n > NATIVE_COPY_BYTES) {
      source.copy(out.buf, out.pos, i, end);
      out.pos += n;
      return;
    }
    const buf = out.buf;
    let pos = out.pos;
    while (i < end) buf[pos++] = source[i++];
    out.pos = pos;
  };
}

function int32Writer(data: Data): CellWriter {
  const values = data.values as Int32Array;
  return (out, row) => out.integer(values[row]);
}

function int64Writer(data: Data): CellWriter {
  const values = data.values as BigInt64Array;
  const halves = halvesOf(values);
  return (out, row) => {
    const high = halves[2 * row + 1];
    if (high > SAFE_HIGH || high < -SAFE_HIGH) out.ascii(String(values[row]));
    else out.integer(high * 4294967296 + (halves[2 * row] >>> 0));
  };
}

function float64Writer(data: Data): CellWriter {
  const values = data.values as Float64Array;
  return (out, row) => out.ascii(formatDouble(values[row]));
}

function boolWriter(data: Data): CellWriter {
  const bits = data.values as Uint8Array;
  const offset = data.offset;
  return (out, row) => {
    const at = offset + row;
    out.byte(bits[at >> 3] & (1 << (at & 7)) ? 116 : 102);
  };
}

function dateWriter(data: Data): CellWriter {
  const values = data.values as Int32Array;
  let lastDay = Number.NaN;
  let text = Buffer.alloc(0);
  return (out, row) => {
    const day = values[row];
    if (day !== lastDay) {
      text = Buffer.from(formatDays(day), "latin1");
      lastDay = day;
    }
    out.bytes(text);
  };
}

function timestampWriter(data: Data): CellWriter {
  const values = data.values as BigInt64Array;
  const halves = halvesOf(values);
  let lastDay = Number.NaN;
  let prefix = Buffer.alloc(0);
  return (out, row) => {
    const high = halves[2 * row + 1];
    if (high > SAFE_HIGH || high < -SAFE_HIGH) return out.ascii(formatMicros(values[row]));
    const micros = high * 4294967296 + (halves[2 * row] >>> 0);
    const day = Math.floor(micros / DAY_US);
    if (day !== lastDay) {
      // The date part exactly as formatMicros writes it (it also rejects days out of range).
      const midnight = formatMicros(BigInt(day) * BigInt(DAY_US));
      prefix = Buffer.from(midnight.slice(0, midnight.indexOf(" ") + 1), "latin1");
      lastDay = day;
    }
    let rest = micros - day * DAY_US;
    const hours = Math.floor(rest / HOUR_US);
    rest -= hours * HOUR_US;
    const minutes = Math.floor(rest / MINUTE_US);
    rest -= minutes * MINUTE_US;
    const seconds = Math.floor(rest / SECOND_US);
    out.bytes(prefix);
    out.ensure(15);
    out.padded(hours, 2);
    out.buf[out.pos++] = 58;
    out.padded(minutes, 2);
    out.buf[out.pos++] = 58;
    out.padded(seconds, 2);
    out.buf[out.pos++] = 46;
    out.padded(rest - seconds * SECOND_US, 6);
  };
}

function fastWriter(type: SilverType, data: Data): CellWriter {
  switch (type) {
    case "string":
      return utf8Writer(data);
    case "int":
      return int32Writer(data);
    case "long":
      return int64Writer(data);
    case "double":
      return float64Writer(data);
    case "boolean":
      return boolWriter(data);
    case "date":
      return dateWriter(data);
    case "timestamp":
      return timestampWriter(data);
  }
}

/** Skips null cells (validity bitmap) before `write`. */
function withNulls(data: Data, write: CellWriter): CellWriter {
  if (data.nullCount <= 0 || !data.nullBitmap || data.nullBitmap.length === 0) return write;
  const bitmap = data.nullBitmap;
  const offset = data.offset;
  return (out, row) => {
    const at = offset + row;
    if (bitmap[at >> 3] & (1 << (at & 7))) write(out, row);
    else out.nullValue();
  };
}

/** The cell writer of one contract column in `batch`. */
function columnWriter(column: SilverColumn, batch: RecordBatch): CellWriter {
  const index = batch.schema.fields.findIndex((f) => f.name === column.name);
  if (index < 0) return (out) => out.nullValue();
  const data = batch.data.children[index];
  if (fitsFastPath(column.type, data.type)) return withNulls(data, fastWriter(column.type, data));
  const values = columnValues(batch.getChildAt(index)!, column.type);
  return (out, row) => out.utf8(encodeValue(column.type, values[row]));
}

/**
 * Appends the rows of `batch` as COPY text lines for `columns` (in order) to `out`, yielding a chunk each
 * time one fills (the last, partial one stays in `out`). Errors name the row (`firstRowNumber` is the
 * batch's first) and the column.
 */
export function* encodeRecordBatch(columns: SilverColumn[], batch: RecordBatch, out: CopyChunks, firstRowNumber = 1): Generator<Buffer> {
  const writers = columns.map((c) => columnWriter(c, batch));
  const last = writers.length - 1;
  const rows = batch.numRows;
  let row = 0;
  let c = 0;
  try {
    for (; row < rows; row++) {
      for (c = 0; c < last; c++) {
        writers[c](out, row);
        out.byte(TAB);
      }
      writers[last](out, row);
      out.byte(NEWLINE);
      if (out.full) yield out.take()!;
    }
  } catch (error) {
    throw new Error(`row ${firstRowNumber + row}, column ${columns[c].name}: ${(error as Error).message}`, { cause: error });
  }
}
