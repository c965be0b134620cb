/**
 * `npm run bench [-- --quick] [--only stage,…] [--runs N]`: every stage measured against a reference on
 * this machine, in one run. Full results are appended to bench/RESULTS.md; --quick (CI's smoke test) writes
 * bench/out/quick.md instead.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { fromRoot } from "../scripts/core/paths.ts";
import { measure, renderResults, runExitHooks, type Benchmark, type Figure } from "./harness.ts";
import { releasePipelines } from "./lib/pipeline.ts";
import { PIPELINE_STAGES, plan, scaleLabel, STAGE_ORDER, type StageName } from "./plan.ts";

const { values } = parseArgs({
  options: { quick: { type: "boolean" }, only: { type: "string" }, runs: { type: "string" }, scale: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
});
if (values.help) {
  process.stdout.write(
    "Usage: npm run bench -- [--quick] [--only stage,…] [--runs N] [--scale F] [--out FILE]\n" +
      `  --only      stages to run, in this order: ${STAGE_ORDER.join(", ")}\n` +
      "  --runs N    runs per stage (default 3); each figure is the median, with min and max\n" +
      "  --quick     CI smoke test: QUICK volumes, 1 run per stage, no e2e stage\n" +
      "  --scale F   every stage at FULL volumes × F (days stay 30), instead of the full run's plan (bench/plan.ts)\n" +
      "  --out FILE  append the section to FILE instead of bench/RESULTS.md (--quick alone overwrites bench/out/quick.md)\n",
  );
  process.exit(0);
}

const STAGES: Record<StageName, () => Promise<Benchmark>> = {
  compile: async () => (await import("./stages/compile.ts")).compileBench,
  land: async () => (await import("./stages/land.ts")).landBench,
  "land-api": async () => (await import("./stages/land-api.ts")).landApiBench,
  silver: async () => (await import("./stages/silver.ts")).silverBench,
  mount: async () => (await import("./stages/mount.ts")).mountBench,
  incremental: async () => (await import("./stages/incremental.ts")).incrementalBench,
  gold: async () => (await import("./stages/gold.ts")).goldBench,
  "incremental-gold": async () => (await import("./stages/incremental-gold.ts")).incrementalGoldBench,
  e2e: async () => (await import("./stages/e2e.ts")).e2eBench,
};

const stages = plan({ quick: values.quick, factor: values.scale ? Number(values.scale) : undefined, only: values.only?.split(",") });
const runs = Number(values.runs ?? (values.quick ? 1 : 3));
if (!(runs >= 1)) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const started = new Date();
const loadAtStart = os.loadavg();
const figures: Figure[] = [];
const stageSeconds: Record<string, number> = {};
const log = (line: string) => process.stderr.write(`${line}\n`);
const elapsed = () => `${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`;
// Ctrl-C (or a CI time-out's SIGTERM) still stops the throwaway environments (embedded PostgreSQL, temp folders).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`bench: ${signal}, cleaning up`);
    void runExitHooks(log).finally(() => process.exit(130));
  });
}
log(`bench plan (${runs} run${runs > 1 ? "s" : ""} each): ${stages.map((s) => `${s.name} at ${scaleLabel(s.scale, s.factor)}`).join(", ")}`);
try {
  for (const [index, stage] of stages.entries()) {
    // Environments of volumes no later stage uses are stopped first (memory and disk of the FULL data).
    await releasePipelines(stages.slice(index).filter((s) => PIPELINE_STAGES.includes(s.name)).map((s) => s.scale));
    log(`bench ${stage.name} at ${scaleLabel(stage.scale, stage.factor)} (${elapsed()} elapsed)…`);
    const stageStarted = performance.now();
    figures.push(...(await measure(await STAGES[stage.name](), stage.scale, runs, log, scaleLabel(stage.scale, stage.factor))));
    stageSeconds[stage.name] = (performance.now() - stageStarted) / 1000;
  }
} finally {
  await runExitHooks(log);
}
const seconds = (Date.now() - started.getTime()) / 1000;
const volumes = stages.map((s) => ({ label: scaleLabel(s.scale, s.factor), scale: s.scale }));
const section = renderResults(figures, { command: process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(" ")}` : "npm run bench", volumes, started, seconds, loadAtStart, stageSeconds });
const target = values.out ? path.resolve(values.out) : values.quick ? fromRoot("bench", "out", "quick.md") : fromRoot("bench", "RESULTS.md");
fs.mkdirSync(path.dirname(target), { recursive: true });
if (values.quick && !values.out) fs.writeFileSync(target, `${section}\n`);
else fs.appendFileSync(target, `\n${section}`);
process.stdout.write(`${section}\nwritten to ${path.relative(process.cwd(), target)}\n`);
