import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { withClient } from "../../scripts/stack/db.ts";
import type { Benchmark } from "../harness.ts";
import { pipeline, type Pipeline } from "../lib/pipeline.ts";

const CHILD = fileURLToPath(new URL("./land-child.ts", import.meta.url));

interface Context {
  p: Pipeline;
  copyDir: string;
  /** The bucket the landing child writes to (not the pipeline's: later stages land their own window). */
  bucket: string;
}

/**
 * Catalog landing (`scale.songs` synthetic songs, server-side cursor to JSON lines in the bucket) against the
 * reference `COPY (SELECT row_to_json(s) FROM deftunes.songs s) TO '<file>'` on the same server, same run.
 * Landing runs in a child process so its peak RSS is its own, into a bucket of its own (the environment's
 * bucket is the later stages').
 */
export const landBench: Benchmark = {
  stage: "land",
  notes: {
    "catalog landing / COPY TO file (throughput ratio)": "target ≥ 0.5",
    "catalog landing peak RSS": "target < 300 MB",
  },
  async setup(scale) {
    // The shared environment of this volume: its catalog is seeded with `scale.songs` synthetic songs.
    const p = await pipeline(scale);
    // Fair reference: the first scan after a bulk load sets hint bits (writes); do that before any timing.
    await withClient(p.stack.env, "catalog", (c) => c.query("vacuum (analyze) deftunes.songs"));
    // The server may run as another account: a folder it can write to.
    const copyDir = fs.mkdtempSync(path.join(p.scratch, "copy-"));
    fs.chmodSync(copyDir, 0o777);
    return { p, copyDir, bucket: fs.mkdtempSync(path.join(p.scratch, "land-bucket-")) } satisfies Context;
  },
  async run(scale, context) {
    const { p, copyDir, bucket } = context as Context;
    const stack = p.stack;
    const target = path.join(copyDir, "songs.json");
    const copyStarted = performance.now();
    await withClient(stack.env, "catalog", (c) => c.query(`copy (select row_to_json(s) from deftunes.songs s) to '${target}'`));
    const copySeconds = (performance.now() - copyStarted) / 1000;
    fs.rmSync(target, { force: true });
    const { resolvePath: _r, ...env } = stack.env;
    const plain = { ...env, storage: { type: "local" as const, root: bucket } };
    const out = execFileSync(process.execPath, ["--import", "tsx", CHILD], { cwd: PROJECT_ROOT, env: { ...process.env, LAND_ENV: JSON.stringify(plain) }, encoding: "utf8" });
    const land = JSON.parse(out.trim().split("\n").at(-1)!) as { rows: number; bytes: number; seconds: number; peakRss: number };
    if (land.rows !== scale.songs) throw new Error(`landed ${land.rows} rows, expected ${scale.songs}`);
    return [
      { metric: `catalog landing (${scale.songs.toLocaleString("en-US")} rows)`, value: land.rows / land.seconds, unit: "rows/s" },
      { metric: "COPY row_to_json TO file (reference)", value: scale.songs / copySeconds, unit: "rows/s" },
      { metric: "catalog landing / COPY TO file (throughput ratio)", value: copySeconds / land.seconds, unit: "×" },
      { metric: "catalog landing peak RSS", value: land.peakRss / 1024 / 1024, unit: "MB" },
    ];
  },
  async teardown(context) {
    const { copyDir, bucket } = context as Context;
    fs.rmSync(copyDir, { recursive: true, force: true });
    fs.rmSync(bucket, { recursive: true, force: true });
  },
};
