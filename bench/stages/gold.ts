import { withClient } from "../../scripts/stack/db.ts";
import type { Benchmark } from "../harness.ts";
import { dryRun, runDirect, saveProfile, secondsOf, type PlannedAction } from "../lib/dryrun.ts";
import { duckdbGold } from "../lib/duckdb-gold.ts";
import { landHistory, pipeline, prepareWarehouse, runGold, type Pipeline } from "../lib/pipeline.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** DuckDB's marts must be PostgreSQL's: a row count that differs is logged (the figure then compares unequal work). */
async function compareRowCounts(p: Pipeline, rows: Record<string, number>): Promise<void> {
  const differ = await withClient(p.stack.env, "warehouse", async (c) => {
    const out: string[] = [];
    for (const [name, n] of Object.entries(rows)) {
      const [schema, table] = name.split(".");
      const pg = Number((await c.query(`select count(*)::bigint as n from "${schema}"."${table}"`)).rows[0].n);
      if (pg !== n) out.push(`${name}: PostgreSQL ${pg}, DuckDB ${n}`);
    }
    return out;
  });
  if (differ.length > 0) log(`  gold: DuckDB and PostgreSQL row counts differ: ${differ.join("; ")}`);
}

interface Context {
  p: Pipeline;
  plan: PlannedAction[];
}

/**
 * `lakehouse run --tags gold --full-refresh` (Dataform's CLI, as the user runs it) against the same
 * compiled SQL (`dataform run --dry-run --json`, taken once) sent straight to PostgreSQL on one connection.
 * The slowest actions of the direct run go to bench/out/gold-profile.json (where the time goes).
 */
export const goldBench: Benchmark = {
  stage: "gold",
  notes: {
    "dataform run / direct SQL (time ratio)": "target ≤ 1.2",
    "diagnostic: same SQL with enable_nestloop = off": "only with BENCH_GOLD_NESTLOOP_DIAGNOSTIC=1; not the project's SQL as run",
    "dataform run / DuckDB (time ratio, for reference)": "DuckDB: in process, both cores, columnar; no assertions",
  },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    await prepareWarehouse(p, log);
    const plan = await dryRun(p.stack.env, ["--tags", "gold", "--full-refresh"]);
    return { p, plan } satisfies Context;
  },
  async run(_scale, context) {
    const { p, plan } = context as Context;
    const run = await runGold(p, ["run", "--tags", "gold", "--full-refresh"], log);
    p.fullRebuild.gold.push(run.seconds);
    const direct = await withClient(p.stack.env, "warehouse", (c) => runDirect(c, plan));
    // Diagnostic: the same SQL with nested-loop joins disabled (the planner estimates the stacked
    // rank() = 1 filters of the staging views at 1 row and nests loops over every fact row).
    const noNestLoop = !process.env.BENCH_GOLD_NESTLOOP_DIAGNOSTIC
      ? null
      : await withClient(p.stack.env, "warehouse", async (c) => {
          await c.query("set enable_nestloop = off");
          return runDirect(c, plan);
        });
    const duck = await duckdbGold(p.stack.env);
    await compareRowCounts(p, duck.rows);
    if (direct.failedAssertions.length > 0) log(`  direct run: ${direct.failedAssertions.length} assertions failed (${direct.failedAssertions.slice(0, 5).join(", ")}…)`);
    const models = plan.filter((a) => a.type !== "assertion").length;
    log(`  direct run, slowest actions: ${saveProfile(direct, "gold-profile")}`);
    return [
      { metric: `lakehouse run --tags gold --full-refresh (${plan.length} actions), CLI wall`, value: run.seconds, unit: "s" },
      { metric: "same SQL sent straight to PostgreSQL", value: direct.seconds, unit: "s" },
      { metric: "dataform run / direct SQL (time ratio)", value: run.seconds / direct.seconds, unit: "×" },
      { metric: `DuckDB: the same ${Object.keys(duck.rows).length} models on the silver Parquet files`, value: duck.seconds, unit: "s" },
      { metric: "dataform run / DuckDB (time ratio, for reference)", value: run.seconds / duck.seconds, unit: "×" },
      { metric: "direct SQL, tables and views only / DuckDB (time ratio, same work)", value: secondsOf(direct, false) / duck.seconds, unit: "×" },
      { metric: "assertions failed in the Dataform run", value: run.failedAssertions.length, unit: "count" },
      { metric: `direct: ${models} tables and views`, value: secondsOf(direct, false), unit: "s" },
      { metric: `direct: slowest action (${direct.perAction[0]?.name ?? "none"})`, value: direct.perAction[0]?.seconds ?? 0, unit: "s" },
      { metric: `direct: ${plan.length - models} assertions`, value: secondsOf(direct, true), unit: "s" },
      ...(noNestLoop ? [{ metric: "diagnostic: same SQL with enable_nestloop = off", value: noNestLoop.seconds, unit: "s" }] : []),
    ];
  },
};
