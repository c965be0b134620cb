import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { seedSongs } from "../../scripts/seed/songs.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const ROWS = 200_000;
const HEAP_MB = 32;
let stack: TestStack;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  stack.env.sources = { ...stack.env.sources, songs_path: `${stack.dir}/no-songs` };
  await import("node:fs").then((fs) => fs.mkdirSync(`${stack.dir}/no-songs`));
  await seedSongs(stack.env, { scale: ROWS });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("catalog landing memory", () => {
  it(`streams ${ROWS} rows through a ${HEAP_MB} MB heap with peak RSS under 300 MB`, async () => {
    const tableBytes = await withClient(stack.env, "catalog", async (c) =>
      Number((await c.query("select sum(length(row_to_json(s)::text) + 1) as n from deftunes.songs s")).rows[0].n),
    );
    // The table as JSON is well over the child's heap limit: holding it would crash the child.
    expect(tableBytes).toBeGreaterThan(HEAP_MB * 1024 * 1024);
    const { resolvePath: _r, ...plain } = stack.env;
    const out = execFileSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, "--import", "tsx", fileURLToPath(new URL("./memoryChild.ts", import.meta.url))], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, LAND_ENV: JSON.stringify(plain), PART_ROWS: "50000" },
      encoding: "utf8",
      timeout: 120_000,
    });
    const result = JSON.parse(out.trim().split("\n").at(-1)!) as { rows: number; bytes: number; files: number; baselineRss: number; peakRss: number; peakHeap: number; ms: number };
    expect(result.rows).toBe(ROWS);
    expect(result.files).toBe(ROWS / 50_000);
    expect(result.bytes).toBeGreaterThanOrEqual(tableBytes); // UTF-8 bytes ≥ characters
    expect(result.peakHeap).toBeLessThan(HEAP_MB * 1024 * 1024);
    // The bound for catalog landing (there at 1,000,000 rows): peak RSS under 300 MB.
    expect(result.peakRss).toBeLessThan(300 * 1024 * 1024);
    console.log(`catalog landing: ${result.rows} rows, ${(result.bytes / 1e6).toFixed(1)} MB in ${Math.round(result.ms)} ms, RSS +${((result.peakRss - result.baselineRss) / 1e6).toFixed(1)} MB`);
  }, 180_000);
});
