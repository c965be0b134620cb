/**
 * Child process of the land benchmark: lands catalog/songs for the environment in LAND_ENV (JSON) and prints
 * one JSON line with rows, bytes, seconds and the peak RSS sampled while landing.
 */
import * as path from "node:path";
import type { Environment } from "../../scripts/core/config.ts";
import { landSources } from "../../scripts/land/index.ts";

const env = JSON.parse(process.env.LAND_ENV!) as Environment;
const root = path.dirname(path.dirname(env.file));
env.resolvePath = (p: string) => (/^s3:\/\//.test(p) ? p : path.resolve(root, p));
let peakRss = process.memoryUsage().rss;
const timer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
const started = performance.now();
const summary = await landSources(env, { sources: ["catalog"] });
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const [catalog] = summary.entities;
process.stdout.write(`${JSON.stringify({ rows: catalog.rows, bytes: catalog.bytes, seconds, peakRss })}\n`);
