import { describe, expect, it } from "vitest";
import { onlyStateSelectors } from "../../scripts/dataform/build.ts";

describe("build: an empty state: selection is nothing to do, any other empty selection an error", () => {
  it("tells state-only selections from others", () => {
    expect(onlyStateSelectors({ select: ["state:modified+"] })).toBe(true);
    expect(onlyStateSelectors({ select: ["+state:new state:modified"] })).toBe(true);
    expect(onlyStateSelectors({ select: ["state:modified,tag:gold"] })).toBe(true);
    expect(onlyStateSelectors({ select: ["state:modified", "dim_users"] })).toBe(false);
    expect(onlyStateSelectors({ select: ["tag:gold"] })).toBe(false);
    expect(onlyStateSelectors({})).toBe(false);
  });
});
