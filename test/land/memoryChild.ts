/**
 * Run in a child process by memory.test.ts (with a small --max-old-space-size): lands catalog/songs and
 * prints JSON with rows, bytes and the peak RSS/heap sampled while landing.
 */
import * as path from "node:path";
import type { Environment } from "../../scripts/core/config.ts";
import { landSources } from "../../scripts/land/index.ts";

const env = JSON.parse(process.env.LAND_ENV!) as Environment;
const root = path.dirname(path.dirname(env.file));
env.resolvePath = (p: string) => path.resolve(root, p);
const baseline = process.memoryUsage();
let peakRss = baseline.rss;
let peakHeap = baseline.heapUsed;
const timer = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 20);
const started = performance.now();
const summary = await landSources(env, { sources: ["catalog"], catalogPartRows: Number(process.env.PART_ROWS ?? 100_000) });
clearInterval(timer);
const [catalog] = summary.entities;
process.stdout.write(
  `${JSON.stringify({ rows: catalog.rows, bytes: catalog.bytes, files: catalog.manifests[0].files.length, baselineRss: baseline.rss, peakRss, peakHeap, ms: performance.now() - started })}\n`,
);
