import { withClient } from "../../scripts/stack/db.ts";
import type { Benchmark, Sample } from "../harness.ts";
import { dryRun, runDirect, saveProfile, secondsOf } from "../lib/dryrun.ts";
import { dayOf, landHistory, landSyntheticDay, pipeline, prepareWarehouse, runGold, type Pipeline } from "../lib/pipeline.ts";
import { fullRebuild } from "./incremental.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

interface Context {
  p: Pipeline;
  full: number;
  profiled: boolean;
}

/** The incremental run's SQL sent directly, per action: where an incremental gold run spends its time. */
async function profileIncrementalSql(p: Pipeline): Promise<void> {
  const plan = await dryRun(p.stack.env, ["--tags", "gold"]);
  const direct = await withClient(p.stack.env, "warehouse", (c) => runDirect(c, plan));
  const slowest = saveProfile(direct, "incremental-gold-profile");
  log(
    `  incremental gold profile (its SQL sent directly): tables and views ${secondsOf(direct, false).toFixed(1)} s, ${plan.filter((a) => a.type === "assertion").length} assertions ${secondsOf(direct, true).toFixed(1)} s; ` +
      `slowest: ${slowest}`,
  );
}

/**
 * Gold after one new day: each run lands the next synthetic API day and takes it through silver and mount
 * (untimed), then times `lakehouse run --tags gold` (incremental models add the day; tables, views and
 * assertions run as they are defined) against the full rebuild (`--full-refresh`) measured by the gold
 * stage at this volume (else once here). Where the time goes (after the first run only, not a figure of the
 * table): the same incremental run's SQL from `dataform run --dry-run --json --tags gold`, sent straight to
 * PostgreSQL action by action after the Dataform run (the day is in already, so its incremental inserts
 * find nothing new: a lower bound for the models), tables/views and assertions timed apart, logged and
 * written to bench/out/incremental-gold-profile.json.
 */
export const incrementalGoldBench: Benchmark = {
  stage: "incremental",
  notes: { "gold: new day / full rebuild": "target ≤ 0.1" },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    await prepareWarehouse(p, log);
    const full = await fullRebuild(p, "gold", async () => (await runGold(p, ["run", "--tags", "gold", "--full-refresh"], log)).seconds);
    return { p, full, profiled: false } satisfies Context;
  },
  async run(_scale, context) {
    const ctx = context as Context;
    const { p, full } = ctx;
    await landSyntheticDay(p, dayOf(p.days.length));
    await p.cli(["silver", "--entity", "api/sessions", "--entity", "api/users"]);
    await p.cli(["mount"]);
    const gold = await runGold(p, ["run", "--tags", "gold"], log);
    if (!ctx.profiled) {
      ctx.profiled = true;
      await profileIncrementalSql(p);
    }
    const samples: Sample[] = [
      { metric: "gold: new day (s)", value: gold.seconds, unit: "s" },
      { metric: "gold: new day / full rebuild", value: gold.seconds / full, unit: "×" },
    ];
    return samples;
  },
};
