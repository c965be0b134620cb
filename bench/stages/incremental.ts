import { median, type Benchmark, type Sample } from "../harness.ts";
import { dayOf, landHistory, landSyntheticDay, pipeline, type Pipeline } from "../lib/pipeline.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Context {
  p: Pipeline;
  full: { silver: number; mount: number };
}

/**
 * The full-rebuild time of `key` (silver, mount or gold) at this volume: the median the full-rebuild stage
 * of the same invocation measured, else measured once here with `measureOnce`.
 */
export async function fullRebuild(p: Pipeline, key: keyof Pipeline["fullRebuild"], measureOnce: () => Promise<number>): Promise<number> {
  if (p.fullRebuild[key].length === 0) {
    log(`  incremental: measuring the full rebuild of ${key} once`);
    p.fullRebuild[key].push(await measureOnce());
  }
  return median(p.fullRebuild[key]);
}

/**
 * One new day after the history (`scale.days` days) for silver and mount: each run lands the next synthetic
 * API day (untimed), then times `lakehouse silver --entity api/sessions` and `lakehouse mount --tables
 * sessions,session_items`, each as a ratio to the full rebuild of the same work (`--full-refresh` / `--force`)
 * measured by the silver and mount stages of this invocation (else once here). Landing's figure (one API
 * day over HTTP vs the whole window) comes from the land-api stage; gold's from incremental-gold.
 */
export const incrementalBench: Benchmark = {
  stage: "incremental",
  notes: {
    "silver: new day / full rebuild": "target ≤ 0.1",
    "mount: new day / full rebuild": "target ≤ 0.1",
  },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    const silver = await fullRebuild(p, "silver", async () => (await p.cli(["silver", "--entity", "api/sessions", "--full-refresh"])).seconds);
    const mount = await fullRebuild(p, "mount", async () => (await p.cli(["mount", "--tables", "sessions,session_items", "--force"])).seconds);
    return { p, full: { silver, mount } } satisfies Context;
  },
  async run(_scale, context) {
    const { p, full } = context as Context;
    await landSyntheticDay(p, dayOf(p.days.length));
    const silver = await p.cli(["silver", "--entity", "api/sessions"]);
    const mount = await p.cli(["mount", "--tables", "sessions,session_items"]);
    const samples: Sample[] = [
      { metric: "silver: new day (s)", value: silver.seconds, unit: "s" },
      { metric: "silver: new day / full rebuild", value: silver.seconds / full.silver, unit: "×" },
      { metric: "mount: new day (s)", value: mount.seconds, unit: "s" },
      { metric: "mount: new day / full rebuild", value: mount.seconds / full.mount, unit: "×" },
    ];
    return samples;
  },
};
