import { describe, expect, it } from "vitest";
import { castColumn, FieldError, formatTimestamp, parseDate, parseTimestamp } from "../../scripts/silver/values.ts";
import type { SilverColumn } from "../../scripts/silver/tables.ts";

const col = (type: SilverColumn["type"], extra: Partial<SilverColumn> = {}): SilverColumn => ({ id: 1, name: "c", type, required: false, doc: "", ...extra });

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof FieldError) return `${error.field}: ${error.reason}`;
    throw error;
  }
  throw new Error("expected a FieldError");
}

describe("timestamps", () => {
  it("parses ISO-8601 with microseconds and no zone as UTC", () => {
    expect(parseTimestamp("2018-11-01T10:20:30.123456")).toBe(BigInt(Date.UTC(2018, 10, 1, 10, 20, 30)) * 1000n + 123456n);
    expect(formatTimestamp(parseTimestamp("2018-11-01T10:20:30.123456"))).toBe("2018-11-01T10:20:30.123456Z");
  });
  it("normalises zones to UTC and accepts a space separator and short fractions", () => {
    expect(formatTimestamp(parseTimestamp("2018-11-01 12:20:30.5+02:00"))).toBe("2018-11-01T10:20:30.500000Z");
    expect(formatTimestamp(parseTimestamp("2018-11-01T00:00:00-0130"))).toBe("2018-11-01T01:30:00.000000Z");
    expect(formatTimestamp(parseTimestamp("2018-11-01T00:00:00Z"))).toBe("2018-11-01T00:00:00.000000Z");
  });
  it("refuses what is not a timestamp, naming the field", () => {
    expect(reason(() => parseTimestamp("yesterday", "user_since"))).toMatch(/^user_since: unparsable timestamp/);
    expect(reason(() => parseTimestamp("2018-02-30T00:00:00", "t"))).toMatch(/no such date/);
    expect(reason(() => parseTimestamp("2019-02-29T00:00:00", "t"))).toMatch(/no such date/);
    expect(parseTimestamp("2020-02-29T00:00:00")).toBeTypeOf("bigint");
    expect(reason(() => parseTimestamp("2018-11-01T24:00:00", "t"))).toMatch(/time out of range/);
    expect(reason(() => castColumn(col("timestamp"), 1541105830796, "t"))).toMatch(/wrong type/);
  });
  it("gives the same microseconds on the zone-less fast path as a Date-based reference, and the same errors", () => {
    const reference = (y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string) => {
      const date = new Date(0);
      date.setUTCFullYear(y, mo - 1, d);
      date.setUTCHours(h, mi, s, 0);
      return BigInt(date.getTime()) * 1000n + BigInt(frac.slice(0, 6).padEnd(6, "0"));
    };
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    const cases: [number, number, number, number, number, number, string][] = [
      [2018, 11, 1, 23, 8, 5, "565858"],
      [2018, 11, 1, 0, 0, 0, ""],
      [2018, 11, 1, 10, 20, 30, "5"],
      [2018, 11, 1, 10, 20, 30, "123456789"],
      [1969, 12, 31, 23, 59, 59, "999999"],
      [1600, 2, 29, 12, 0, 0, "000001"], // beyond the exact-number range: bigint arithmetic
      [9999, 12, 31, 23, 59, 59, "999999"],
      [2400, 2, 29, 1, 2, 3, "04"],
      [100, 1, 1, 0, 0, 0, ""],
    ];
    for (const [y, mo, d, h, mi, s, frac] of cases) {
      const text = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac ? `.${frac}` : ""}`;
      expect(parseTimestamp(text), text).toBe(reference(y, mo, d, h, mi, s, frac));
      expect(parseTimestamp(text.replace("T", " ").replace(".", ",")), text).toBe(reference(y, mo, d, h, mi, s, frac));
      expect(parseTimestamp(` ${text} `), text).toBe(reference(y, mo, d, h, mi, s, frac));
    }
    expect(reason(() => parseTimestamp("0099-01-01T00:00:00", "t"))).toMatch(/year before 0100/);
    expect(reason(() => parseTimestamp("2100-02-29T00:00:00", "t"))).toMatch(/no such date/);
    expect(reason(() => parseTimestamp("2018-11-01T10:60:00", "t"))).toMatch(/time out of range/);
    expect(reason(() => parseTimestamp("2018-11-01T10:00:00.", "t"))).toMatch(/unparsable timestamp: /);
    expect(reason(() => parseTimestamp("2018-11-01T10:00:00.12a", "t"))).toMatch(/unparsable timestamp: /);
    expect(reason(() => parseTimestamp("2018-1１-01T10:00:00", "t"))).toMatch(/unparsable timestamp: /);
  });
  it("formats timestamps before 1970", () => {
    expect(formatTimestamp(parseTimestamp("1969-12-31T23:59:59.999999"))).toBe("1969-12-31T23:59:59.999999Z");
  });
  it("dates are days since 1970-01-01", () => {
    expect(parseDate("1970-01-02")).toBe(1);
    expect(parseDate("2018-11-01")).toBe(17836);
  });
});

describe("casts", () => {
  it("trims strings, casts numbers to text, refuses objects and long strings", () => {
    expect(castColumn(col("string"), "  Abba \t")).toBe("Abba");
    expect(castColumn(col("string"), 112)).toBe("112");
    expect(castColumn(col("string"), "")).toBe("");
    expect(reason(() => castColumn(col("string", { required: true }), "   ", "artist_id"))).toBe("artist_id: required field is empty");
    expect(reason(() => castColumn(col("string"), { a: 1 }, "x"))).toBe("x: wrong type: expected a string, got object");
    expect(reason(() => castColumn(col("string"), true, "x"))).toBe("x: wrong type: expected a string, got boolean");
    expect(reason(() => castColumn(col("string", { maxLength: 2 }), "USA", "cc"))).toBe("cc: string longer than 2 characters (3)");
  });
  it("required columns refuse null and missing keys", () => {
    expect(reason(() => castColumn(col("int", { required: true }), undefined, "status"))).toBe("status: required field is missing");
    expect(reason(() => castColumn(col("int", { required: true }), null, "status"))).toBe("status: required field is null");
    expect(castColumn(col("int"), null)).toBeNull();
    expect(castColumn(col("double"), undefined)).toBeNull();
  });
  it("numbers: ints in range, longs exact, doubles finite, numeric strings cast", () => {
    expect(castColumn(col("int"), 2009)).toBe(2009);
    expect(castColumn(col("int"), "2009")).toBe(2009);
    expect(castColumn(col("double"), " 1.5e2 ")).toBe(150);
    expect(castColumn(col("long"), 1541105830796)).toBe(1541105830796n);
    expect(castColumn(col("long"), "9223372036854775807")).toBe(9223372036854775807n);
    expect(reason(() => castColumn(col("int"), 1.5, "year"))).toBe("year: not an integer: 1.5");
    expect(reason(() => castColumn(col("int"), 2 ** 31, "year"))).toMatch(/out of the int range/);
    expect(reason(() => castColumn(col("double"), "abc", "price"))).toBe('price: not a number: "abc"');
    expect(reason(() => castColumn(col("double"), [1], "price"))).toBe("price: wrong type: expected a number, got array");
    expect(reason(() => castColumn(col("long"), 2 ** 60, "n"))).toMatch(/too large to be exact/);
  });
  it("booleans", () => {
    expect(castColumn(col("boolean"), true)).toBe(true);
    expect(castColumn(col("boolean"), "false")).toBe(false);
    expect(reason(() => castColumn(col("boolean"), "yes", "liked"))).toBe('liked: not a boolean: "yes"');
    expect(reason(() => castColumn(col("boolean"), 1, "liked"))).toBe("liked: wrong type: expected a boolean, got number");
  });
});
