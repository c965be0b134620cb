import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { renderSilverIncludes, SILVER_INCLUDES_FILE } from "../../scripts/mount/silver-includes.ts";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";

describe("includes/silver_tables.js", () => {
  it("is up to date with scripts/silver/tables.ts (regenerate: node --import tsx scripts/mount/silver-includes.ts)", () => {
    expect(fs.readFileSync(SILVER_INCLUDES_FILE, "utf8")).toBe(renderSilverIncludes());
  });

  it("changes when the contract changes, so a stale copy is caught", () => {
    const changed = structuredClone(SILVER_TABLES);
    changed[0].columns[0].doc = "something else";
    expect(renderSilverIncludes(changed)).not.toBe(renderSilverIncludes());
  });
});
