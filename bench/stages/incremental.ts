import { median, type Benchmark, type Sample } from "../harness.ts";
import { dayOf, landHistory, landSyntheticDay, pipeline, prepareWarehouse, runGold, type Pipeline } from "../lib/pipeline.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Above this many session items gold is left out of the incremental stage: its full-rebuild reference
 * (and, while gold.fct_session_items nested loops over the fact rows, an incremental run) takes too long
 * for the 30-minute budget.
 */
export const GOLD_MAX_ITEMS = 1_000_000;

interface Context {
  p: Pipeline;
  full: { silver: number; mount: number; gold: number | null };
}

/**
 * One new day after the history (`scale.days` days): each run lands the next synthetic day, then times
 * `lakehouse silver --entity api/sessions`, `lakehouse mount --tables sessions,session_items` and
 * `lakehouse run --tags gold`, each as a ratio to the full rebuild of the same work (`--full-refresh` /
 * `--force`), taken from the silver, mount and gold stages of this run when they ran, else measured once here.
 * Landing's own incremental figure (one API day vs the whole window) is in the land-api stage.
 */
export const incrementalBench: Benchmark = {
  stage: "incremental",
  notes: {
    "silver: new day / full rebuild": "target ≤ 0.1",
    "mount: new day / full rebuild": "target ≤ 0.1",
    "gold: new day / full rebuild": "target ≤ 0.1",
  },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    await prepareWarehouse(p, log);
    const full = async (key: keyof Pipeline["fullRebuild"], args: string[]) => {
      if (p.fullRebuild[key].length === 0) {
        log(`  incremental: measuring the full rebuild of ${key} once`);
        p.fullRebuild[key].push((await (key === "gold" ? runGold(p, args, log) : p.cli(args))).seconds);
      }
      return median(p.fullRebuild[key]);
    };
    return {
      p,
      full: {
        silver: await full("silver", ["silver", "--entity", "api/sessions", "--full-refresh"]),
        mount: await full("mount", ["mount", "--tables", "sessions,session_items", "--force"]),
        gold: scale.sessionItems <= GOLD_MAX_ITEMS ? await full("gold", ["run", "--tags", "gold", "--full-refresh"]) : null,
      },
    } satisfies Context;
  },
  async run(scale, context) {
    const { p, full } = context as Context;
    const day = dayOf(p.days.length);
    await landSyntheticDay(p, day);
    const silver = await p.cli(["silver", "--entity", "api/sessions"]);
    // Users of the new day too (untimed), so that gold sees a consistent day.
    await p.cli(["silver", "--entity", "api/users"]);
    const mount = await p.cli(["mount", "--tables", "sessions,session_items"]);
    await p.cli(["mount", "--tables", "users"]);
    const samples: Sample[] = [
      { metric: "silver: new day (s)", value: silver.seconds, unit: "s" },
      { metric: "silver: new day / full rebuild", value: silver.seconds / full.silver, unit: "×" },
      { metric: "mount: new day (s)", value: mount.seconds, unit: "s" },
      { metric: "mount: new day / full rebuild", value: mount.seconds / full.mount, unit: "×" },
    ];
    if (full.gold !== null) {
      const gold = await runGold(p, ["run", "--tags", "gold"], log);
      samples.push({ metric: "gold: new day (s)", value: gold.seconds, unit: "s" }, { metric: "gold: new day / full rebuild", value: gold.seconds / full.gold, unit: "×" });
    } else if (p.days.length === scale.days + 1) {
      log(`  incremental: gold left out above ${GOLD_MAX_ITEMS.toLocaleString("en-US")} session items (see the gold stage)`);
    }
    return samples;
  },
};
