/** Column buffers: running stats equal a reference computed with compareValues, across row groups. */
import { describe, expect, it } from "vitest";
import { BatchBuilder } from "../../scripts/iceberg/arrow.ts";
import type { IcebergField } from "../../scripts/iceberg/types.ts";
import { compareValues } from "../../scripts/iceberg/values.ts";

function reference(field: IcebergField, values: unknown[]) {
  const present = values.filter((v) => v !== null && !(typeof v === "number" && Number.isNaN(v)));
  const norm = present.map((v) => (field.type === "long" || field.type === "timestamp" ? BigInt(v as number) : v));
  const min = norm.reduce((a, b) => (a === undefined || compareValues(field.type, b, a) < 0 ? b : a), undefined as unknown);
  const max = norm.reduce((a, b) => (a === undefined || compareValues(field.type, b, a) > 0 ? b : a), undefined as unknown);
  return { values: values.length, nulls: values.filter((v) => v === null).length, nans: values.filter((v) => Number.isNaN(v)).length, min, max };
}

const columns: [IcebergField, unknown[]][] = [
  // UTF-16 order and code point order disagree between the astral character and U+FF21; ASCII around them.
  [{ id: 1, name: "s", type: "string", required: false }, ["m", "\u{1F600}", "\uFF21", null, "zz", "zz", "é", "", "A", "\u{1F600}x", "~"]],
  [{ id: 2, name: "t", type: "timestamp", required: false }, [5n, null, -3n, 7, 7n, 2n ** 40n]],
  [{ id: 3, name: "d", type: "double", required: false }, [1.5, Number.NaN, -0, null, -2.25, 3]],
  [{ id: 4, name: "b", type: "boolean", required: false }, [true, null, true, false, true]],
  [{ id: 5, name: "i", type: "int", required: false }, [3, null, -7, 12, 0]],
];

describe("column buffers", () => {
  it("keep values, nulls, NaNs and bounds as compareValues orders them, over several row groups", () => {
    for (const [field, values] of columns) {
      for (const groupRows of [1, 2, 3, 100]) {
        const builder = new BatchBuilder([field]);
        values.forEach((v) => {
          builder.append({ [field.name]: v as never });
          if (builder.length >= groupRows) builder.take();
        });
        const { values: n, nulls, nans, min, max } = builder.stats[0];
        expect({ values: n, nulls, nans, min, max }, `${field.type} in groups of ${groupRows}`).toEqual(reference(field, values));
      }
    }
  });

  it("writes repeated and non-ASCII strings intact", () => {
    const field: IcebergField = { id: 1, name: "s", type: "string", required: false };
    const values = ["abc", "abc", null, "abc", "ñ😀", "ñ😀", "", "x"];
    for (const groupRows of [1, 2, 3, 100]) {
      const builder = new BatchBuilder([field]);
      const out: unknown[] = [];
      const take = () => out.push(...builder.take().getChildAt(0)!.toArray());
      for (const v of values) {
        builder.append({ s: v });
        if (builder.length >= groupRows) take();
      }
      if (builder.length > 0) take();
      expect(out).toEqual(values);
    }
  });
});
