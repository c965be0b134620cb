/**
 * Column bounds of written data files (spec Appendix D single-value serialization, and the ordering rules
 * of "Manifests": NaN is never a bound, -0.0 precedes +0.0), one test per edge case, through the real
 * writer (Parquet file written, DataFile record built) of an unpartitioned table.
 */
import { afterAll, describe, expect, it } from "vitest";
import { DataFileWriter, type DataFile, type IcebergField, type TableMetadata } from "../../scripts/iceberg/index.ts";
import { newTableMetadata } from "../../scripts/iceberg/metadata.ts";
import { decodeValue } from "../../scripts/iceberg/values.ts";
import { ITEMS, tempBucket } from "./fixtures.ts";

const bucket = tempBucket();
afterAll(() => bucket.cleanup());

const FIELDS: IcebergField[] = [
  { id: 1, name: "d", type: "double", required: false },
  { id: 2, name: "s", type: "string", required: false },
  { id: 3, name: "n", type: "long", required: false },
];

/** An unpartitioned table of FIELDS (the writer also serves tables without a partition spec). */
function unpartitioned(): TableMetadata {
  const m = newTableMetadata(ITEMS, `${bucket.storage.location}/warehouse/silver/bounds`);
  return { ...m, schemas: [{ type: "struct", "schema-id": 0, fields: FIELDS }], "last-column-id": 3, "partition-specs": [{ "spec-id": 0, fields: [] }], "last-partition-id": 999 };
}

async function write(rows: Record<string, unknown>[]): Promise<DataFile> {
  const writer = new DataFileWriter(bucket.storage, unpartitioned());
  await writer.writeAll(rows.map((r) => ({ d: null, s: null, n: null, ...r })));
  const [file] = await writer.close();
  expect(file.partition).toEqual({});
  expect(file.record_count).toBe(rows.length);
  return file;
}

const entry = <V>(list: { key: number; value: V }[] | null, id: number) => list?.find((e) => e.key === id)?.value;
const lower = (f: DataFile, id: number) => entry(f.lower_bounds, id);
const upper = (f: DataFile, id: number) => entry(f.upper_bounds, id);

describe("data file bounds (Appendix D)", () => {
  it("a double column of NaN only has no bounds, and counts the NaNs", async () => {
    const f = await write([{ d: Number.NaN }, { d: Number.NaN }, { d: null }]);
    expect(lower(f, 1)).toBeUndefined();
    expect(upper(f, 1)).toBeUndefined();
    expect(entry(f.nan_value_counts, 1)).toBe(2);
    expect(entry(f.null_value_counts, 1)).toBe(1);
    const mixed = await write([{ d: Number.NaN }, { d: 2.5 }, { d: -1 }]);
    expect(decodeValue("double", lower(mixed, 1)!)).toBe(-1);
    expect(decodeValue("double", upper(mixed, 1)!)).toBe(2.5);
  });

  it("±0.0 mixed: lower bound -0.0, upper bound +0.0, in either order; one sign only keeps that sign", async () => {
    for (const values of [[0, -0], [-0, 0], [0, -0, 0, -0]]) {
      const f = await write(values.map((d) => ({ d })));
      // Appendix D: 8 bytes little-endian IEEE 754; -0.0 has the sign bit set
      expect([...lower(f, 1)!], String(values)).toEqual([0, 0, 0, 0, 0, 0, 0, 0x80]);
      expect([...upper(f, 1)!], String(values)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    }
    expect(Object.is(decodeValue("double", lower(await write([{ d: -0 }]), 1)!), -0)).toBe(true);
    expect(Object.is(decodeValue("double", upper(await write([{ d: -0 }]), 1)!), -0)).toBe(true);
    const positive = await write([{ d: 0 }, { d: 0 }]);
    expect(Object.is(decodeValue("double", lower(positive, 1)!), 0)).toBe(true);
    const around = await write([{ d: -3 }, { d: -0 }, { d: 0 }]);
    expect(decodeValue("double", lower(around, 1)!)).toBe(-3);
    expect(Object.is(decodeValue("double", upper(around, 1)!), 0)).toBe(true);
  });

  it("a column of nulls only has no bounds and counts every value as null", async () => {
    const f = await write([{}, {}, {}]);
    for (const id of [1, 2, 3]) {
      expect(lower(f, id)).toBeUndefined();
      expect(upper(f, id)).toBeUndefined();
      expect(entry(f.null_value_counts, id)).toBe(3);
      expect(entry(f.value_counts, id)).toBe(3);
    }
  });

  it("empty strings are bounds (zero bytes), not missing ones", async () => {
    const f = await write([{ s: "b" }, { s: "" }, { s: "a" }]);
    expect(lower(f, 2)).toEqual(Buffer.alloc(0));
    expect(decodeValue("string", upper(f, 2)!)).toBe("b");
    const only = await write([{ s: "" }, { s: "" }]);
    expect(lower(only, 2)).toEqual(Buffer.alloc(0));
    expect(upper(only, 2)).toEqual(Buffer.alloc(0));
  });

  it("non-BMP characters order by code point (UTF-8 bytes), not UTF-16 units, and are written as UTF-8", async () => {
    // U+1F600 is a surrogate pair in UTF-16 (0xD83D…), below U+FF21 there, above it by code point.
    const f = await write([{ s: "\u{1F600}" }, { s: "\uFF21" }, { s: "\u{10FFFF}z" }, { s: "z" }]);
    expect(decodeValue("string", lower(f, 2)!)).toBe("z");
    expect(upper(f, 2)).toEqual(Buffer.from("\u{10FFFF}z", "utf8"));
    expect([...upper(f, 2)!].slice(0, 4)).toEqual([0xf4, 0x8f, 0xbf, 0xbf]);
    const pair = await write([{ s: "\uFF21" }, { s: "\u{1F600}" }]);
    expect(decodeValue("string", lower(pair, 2)!)).toBe("\uFF21");
    expect(decodeValue("string", upper(pair, 2)!)).toBe("\u{1F600}");
  });
});
