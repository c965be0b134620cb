/**
 * Iceberg single-value binary serialization (spec Appendix D, used for lower/upper bounds and partition
 * summaries) and value ordering, for the primitive types the silver tables use. Pure functions.
 */
import type { SilverType } from "../silver/tables.ts";

export function encodeValue(type: SilverType, value: unknown): Buffer {
  switch (type) {
    case "boolean":
      return Buffer.from([value ? 1 : 0]);
    case "int":
    case "date": {
      const b = Buffer.alloc(4);
      b.writeInt32LE(Number(value));
      return b;
    }
    case "long":
    case "timestamp": {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(value as bigint | number));
      return b;
    }
    case "double": {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(value));
      return b;
    }
    case "string":
      return Buffer.from(String(value), "utf8");
  }
}

export function decodeValue(type: SilverType, bytes: Uint8Array): boolean | number | bigint | string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case "boolean":
      return b[0] !== 0;
    case "int":
    case "date":
      return b.readInt32LE(0);
    case "long":
    case "timestamp":
      return b.readBigInt64LE(0);
    case "double":
      return b.readDoubleLE(0);
    case "string":
      return b.toString("utf8");
  }
}

/** Compares strings by Unicode code point (the order of their UTF-8 bytes, as Iceberg orders strings). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Below the surrogate range UTF-16 order is code point order; otherwise compare code points.
    if (x < 0xd800 && y < 0xd800) return x - y;
    return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
  }
  return a.length - b.length;
}

/** Orders two non-null values of one type. */
export function compareValues(type: SilverType, a: unknown, b: unknown): number {
  if (type === "string") return compareStrings(a as string, b as string);
  if (type === "boolean") return Number(a) - Number(b);
  if (type === "long" || type === "timestamp") {
    const x = BigInt(a as bigint), y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = a as number, y = b as number;
  // -0.0 precedes +0.0 (IEEE 754 totalOrder, as the spec orders doubles for bounds)
  if (x === 0 && y === 0) return Number(Object.is(y, -0)) - Number(Object.is(x, -0));
  return x - y;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 → `YYYY-MM-DD`. */
export function formatDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` → days since 1970-01-01. */
export function parseDate(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new Error(`not a date (YYYY-MM-DD): ${text}`);
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) throw new Error(`not a valid date: ${text}`);
  return ms / DAY_MS;
}
