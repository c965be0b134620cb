import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
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
  fs.mkdirSync(`${stack.dir}/no-songs`);
  // The table from the seeder, the rows generated inside the server (fast; this test is about landing).
  await seedSongs(stack.env);
  await withClient(stack.env, "catalog", (c) =>
    c.query(`insert into deftunes.songs
      select 'TRMEM' || lpad(i::text, 13, '0'), 'Title ' || md5(i::text), 'SOMEM' || lpad(i::text, 13, '0'), 'Release ' || md5((i * 7)::text),
             'ARMEM' || lpad((i % 5000)::text, 13, '0'), md5((i % 5000)::text), 'Artist ' || (i % 5000), 100 + (i % 300) + 0.12345,
             (i % 1000) / 1000.0, (i % 777) / 1000.0, 1950 + i % 60, i, case when i % 10 = 0 then i end, 0
      from generate_series(1, ${ROWS}) as i`),
  );
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
