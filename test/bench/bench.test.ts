/**
 * Smoke test of `npm run bench`: the runner at QUICK scale on one cheap pipeline stage (silver: synthetic
 * landed API days, a throwaway embedded PostgreSQL, the CLI as a child, DuckDB's reference) writes its
 * Markdown section with every figure measured and finite.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { median, scaled, FULL, QUICK } from "../../bench/harness.ts";
import { FULL_RUN_FACTORS, plan, STAGE_ORDER } from "../../bench/plan.ts";

const run = promisify(execFile);

describe("npm run bench", () => {
  it("harness: median and scaled volumes", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const s = scaled(FULL, 0.1);
    expect(s.sessionItems).toBe(1_000_000);
    expect(s.days).toBe(FULL.days);
    expect(() => scaled(FULL, 0)).toThrow(/positive/);
  });

  it("plan: every stage in order at its full-run volume; --scale and --quick override; unknown stages fail", () => {
    const full = plan({});
    expect(full.map((s) => s.name)).toEqual([...STAGE_ORDER]);
    for (const s of full) expect(s.scale.sessionItems).toBe(Math.round(FULL.sessionItems * FULL_RUN_FACTORS[s.name]));
    expect(plan({ factor: 0.01 }).every((s) => s.scale.songs === 10_000)).toBe(true);
    const quick = plan({ quick: true });
    expect(quick.map((s) => s.name)).not.toContain("e2e");
    expect(quick.every((s) => s.scale === QUICK)).toBe(true);
    expect(plan({ only: ["mount", "silver"] }).map((s) => s.name)).toEqual(["silver", "mount"]);
    expect(() => plan({ only: ["silvr"] })).toThrow(/unknown benchmark stage "silvr"/);
  });

  it("--quick --only silver writes every silver figure", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-test-")), "quick.md");
    try {
      await run(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "--only", "silver", "--runs", "1", "--out", out], { cwd: PROJECT_ROOT, timeout: 170_000 });
      const text = fs.readFileSync(out, "utf8");
      expect(text).toMatch(/- git revision: /);
      const rows = text.split("\n").filter((l) => l.startsWith("| silver |"));
      expect(rows.every((r) => r.split("|")[2].trim() === "QUICK")).toBe(true);
      expect(rows.map((r) => r.split("|")[3].trim())).toEqual(
        expect.arrayContaining([
          "silver session items/s",
          "DuckDB JSON → Parquet session items/s (reference)",
          "silver / DuckDB, session items (throughput ratio)",
          "silver full rebuild peak RSS, api/sessions",
          "silver Sparkify events/s",
          "DuckDB JSON lines → Parquet events/s (reference)",
          "silver / DuckDB, Sparkify events (throughput ratio)",
        ]),
      );
      for (const row of rows) expect(Number(row.split("|")[4].trim().replaceAll(",", ""))).toBeGreaterThan(0);
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  }, 180_000);
});
