import { describe, expect, it } from "vitest";
import { encodeRows, encodeValue, escapeText, formatDays, formatMicros } from "../../scripts/mount/copy.ts";
import { silverTable } from "../../scripts/silver/tables.ts";

describe("COPY text encoding", () => {
  it("writes timestamps exactly to the microsecond, before and after 1970", () => {
    expect(formatMicros(1541030400123456n)).toBe("2018-11-01 00:00:00.123456");
    expect(formatMicros(0n)).toBe("1970-01-01 00:00:00.000000");
    expect(formatMicros(-1n)).toBe("1969-12-31 23:59:59.999999");
    expect(formatMicros(-1_000_001n)).toBe("1969-12-31 23:59:58.999999");
    expect(formatMicros("2018-11-01 10:00:00")).toBe("2018-11-01 10:00:00");
  });

  it("writes dates from days since the epoch", () => {
    expect(formatDays(0)).toBe("1970-01-01");
    expect(formatDays(17836)).toBe("2018-11-01");
    expect(formatDays(-1)).toBe("1969-12-31");
  });

  it("escapes backslash, tab, newline and carriage return, and refuses NUL", () => {
    expect(escapeText("a\\b\tc\nd\re")).toBe("a\\\\b\\tc\\nd\\re");
    expect(() => escapeText("a\u0000b")).toThrow(/NUL/);
  });

  it("encodes each silver type, null as \\N", () => {
    expect(encodeValue("string", null)).toBe("\\N");
    expect(encodeValue("string", "\\N")).toBe("\\\\N");
    expect(encodeValue("boolean", true)).toBe("t");
    expect(encodeValue("boolean", false)).toBe("f");
    expect(encodeValue("int", 42)).toBe("42");
    expect(encodeValue("long", 9007199254740993n)).toBe("9007199254740993");
    expect(encodeValue("double", 0.1)).toBe("0.1");
    expect(encodeValue("double", Number.NaN)).toBe("NaN");
    expect(encodeValue("double", -Infinity)).toBe("-Infinity");
    expect(() => encodeValue("int", 1.5)).toThrow(/integer/);
    expect(() => encodeValue("int", "7")).toThrow(/integer/);
  });

  it("names the row and column of a value it cannot encode", () => {
    const sessions = silverTable("sessions");
    expect(() => encodeRows(sessions.columns, [{ session_id: "s", item_count: "many" }], 7)).toThrow(/row 7, column item_count/);
  });
});
