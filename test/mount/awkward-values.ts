/** Values that COPY encoders get wrong easily, per silver type, and deterministic rows made of them. */
import type { SilverColumn, SilverType } from "../../scripts/silver/tables.ts";

export const AWKWARD: Record<SilverType, unknown[]> = {
  string: ["", "plain", "tab\there", "new\nline", "cr\rlf\r\n", "back\\slash", "\\N", "ünïcødé €", "日本語", "emoji 🎵 x", "\u0001\u000b\u000c ctl", "quote \" ' ,"],
  int: [0, -7, 2147483647, -2147483648, 1000000, -999999],
  long: [0n, -1n, 9007199254740991n, 9007199254740993n, -9007199254740993n, 9223372036854775807n, -9223372036854775808n, 1541030400123456n],
  double: [0, -0, 0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308, 5e-324, 1e21, 123456789.125, Number.NaN, Infinity, -Infinity],
  boolean: [true, false],
  // 0001-01-01, 1969-12-31, 1970-01-01, 2018-11-01, 2000-02-29, 9999-12-31
  date: [-719162, -1, 0, 17836, 11016, 2932896],
  timestamp: [0n, -1n, -1_000_001n, 1541030400123456n, 1541116799999999n, -62135596800000000n, 253402300799999999n, 951782400000000n, -86_400_000_000n, 4102444800000001n],
};

/** A deterministic generator of small integers (the high bits of an LCG; its low bits repeat with short periods). */
export function numbers(seed = 7): () => number {
  return () => Math.floor((seed = (seed * 1103515245 + 12345) % 2147483648) / 32768);
}

/**
 * `n` rows for `columns`: awkward values, nulls in optional columns, and `vary(type, i)` for the rest;
 * columns listed in `fixed` take the value that function gives.
 */
export function awkwardRows(columns: SilverColumn[], n: number, fixed: Record<string, (i: number) => unknown> = {}): Record<string, unknown>[] {
  const next = numbers();
  const vary: Record<SilverType, () => unknown> = {
    string: () => `v${next()}`,
    int: () => next() * 32768 + next() - 1_073_741_824,
    long: () => BigInt(next()) * BigInt(next()) * 1_000_003n - 10n ** 12n,
    double: () => (next() - 32768) / 997,
    boolean: () => next() % 2 === 0,
    date: () => next() - 32768,
    timestamp: () => (BigInt(next()) - 32768n) * 1_000_003_007n * 37n,
  };
  return Array.from({ length: n }, (_, i) =>
    Object.fromEntries(
      columns.map((c) => {
        if (fixed[c.name]) return [c.name, fixed[c.name](i)];
        if (!c.required && next() % 9 === 0) return [c.name, null];
        const list = AWKWARD[c.type];
        const value = next() % 2 === 0 ? list[next() % list.length] : vary[c.type]();
        return [c.name, c.type === "string" && i % 3 === 0 ? `${value as string}${i}` : value];
      }),
    ),
  );
}
