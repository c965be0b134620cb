/**
 * The Arrow COPY encoder against the row encoder (copy.ts): byte for byte the same text for the same
 * values, on every silver type and the awkward values (escapes, unicode, nulls, special doubles, pre-1970
 * and far timestamps, longs beyond 2^53), and errors that name the row and the column.
 */
import { describe, expect, it } from "vitest";
import { BatchBuilder } from "../../scripts/iceberg/arrow.ts";
import type { IcebergField } from "../../scripts/iceberg/types.ts";
import { encodeRecordBatch } from "../../scripts/mount/arrow-copy.ts";
import { encodeRows } from "../../scripts/mount/copy.ts";
import { CopyChunks } from "../../scripts/mount/copy-chunks.ts";
import type { SilverColumn } from "../../scripts/silver/tables.ts";
import { awkwardRows } from "./awkward-values.ts";

const column = (id: number, name: string, type: SilverColumn["type"]): SilverColumn => ({ id, name, type, required: false, doc: name });
const COLUMNS: SilverColumn[] = [
  column(1, "s", "string"),
  column(2, "i", "int"),
  column(3, "l", "long"),
  column(4, "d", "double"),
  column(5, "b", "boolean"),
  column(6, "day", "date"),
  column(7, "ts", "timestamp"),
];
const rows = (n: number) => awkwardRows(COLUMNS, n);

function batchOf(values: Record<string, unknown>[], fields: IcebergField[] = COLUMNS) {
  const builder = new BatchBuilder(fields);
  for (const row of values) builder.append(row);
  return builder.take();
}

function arrowText(columns: SilverColumn[], batch: ReturnType<typeof batchOf>, chunkBytes = 1 << 20, first = 1): string {
  const out = new CopyChunks(chunkBytes);
  const chunks = [...encodeRecordBatch(columns, batch, out, first)];
  const last = out.take();
  if (last) chunks.push(last);
  return Buffer.concat(chunks).toString("utf8");
}

describe("COPY text from Arrow batches", () => {
  it("writes exactly what the row encoder writes, for every silver type", () => {
    const values = rows(5000);
    const text = arrowText(COLUMNS, batchOf(values));
    expect(text).toBe(encodeRows(COLUMNS, values));
    for (const piece of ["tab\\there", "new\\nline", "back\\\\slash", "日本語", "\tNaN\t", "\t-Infinity\t", "\t-9223372036854775808\t", "1969-12-31 23:59:59.999999", "0001-01-01 00:00:00.000000", "\\N\t"]) {
      expect(text).toContain(piece);
    }
  });

  it("is the same whatever the chunk size (rows never split across an unexpected boundary)", () => {
    const values = rows(700);
    const whole = encodeRows(COLUMNS, values);
    expect(arrowText(COLUMNS, batchOf(values), 64)).toBe(whole);
    const out = new CopyChunks(256);
    const chunks = [...encodeRecordBatch(COLUMNS, batchOf(values), out)];
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk[chunk.length - 1]).toBe(10);
  });

  it("grows for a value longer than a chunk", () => {
    const values = [{ s: "x\t".repeat(100_000), i: 1 }, { s: "y", i: 2 }];
    expect(arrowText(COLUMNS, batchOf(values), 1024)).toBe(encodeRows(COLUMNS, values));
  });

  it("writes \\N for a contract column the data file does not have", () => {
    const values = [{ s: "a", i: 1 }, { s: null, i: null }];
    const fields = COLUMNS.slice(0, 2);
    expect(arrowText(COLUMNS, batchOf(values, fields))).toBe("a\t1\t\\N\t\\N\t\\N\t\\N\t\\N\n\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\n");
  });

  it("goes through the row encoder for an Arrow type the silver type does not map to", () => {
    // An int column stored as long (a type the contract does not have): fails as the row path fails.
    const asLong: IcebergField[] = [{ id: 1, name: "i", type: "long", required: false }];
    expect(() => arrowText([column(1, "i", "int")], batchOf([{ i: 1n }], asLong))).toThrow(/row 1, column i: expected an integer/);
    // A long column stored as int: written like the row path writes the number.
    const asInt: IcebergField[] = [{ id: 1, name: "l", type: "int", required: false }];
    expect(arrowText([column(1, "l", "long")], batchOf([{ l: 42 }, { l: null }], asInt))).toBe("42\n\\N\n");
  });

  it("refuses NUL in text, naming the row and the column", () => {
    const values = [{ s: "fine" }, { s: "fine" }, { s: "bad\u0000byte" }];
    expect(() => arrowText(COLUMNS, batchOf(values), 1 << 20, 101)).toThrow(/row 103, column s: text contains a NUL character/);
  });
});
