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
import { FULL, measure, QUICK, renderResults, runExitHooks, scaled, type Benchmark, type Figure } from "./harness.ts";

const { values } = parseArgs({
  options: { quick: { type: "boolean" }, only: { type: "string" }, runs: { type: "string" }, scale: { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
});
if (values.help) {
  process.stdout.write(
    "Usage: npm run bench -- [--quick] [--only compile,land,…] [--runs N] [--scale F] [--out FILE]\n" +
      "  --quick     CI smoke test: QUICK volumes, 1 run per stage (default 3), no e2e stage\n" +
      "  --scale F   FULL volumes × F (days stay 30), e.g. 0.1 for an intermediate run\n" +
      "  --out FILE  append the section to FILE instead of bench/RESULTS.md (--quick alone overwrites bench/out/quick.md)\n",
  );
  process.exit(0);
}

const STAGES: Record<string, () => Promise<Benchmark>> = {
  compile: async () => (await import("./stages/compile.ts")).compileBench,
  land: async () => (await import("./stages/land.ts")).landBench,
  "land-api": async () => (await import("./stages/land-api.ts")).landApiBench,
  silver: async () => (await import("./stages/silver.ts")).silverBench,
  mount: async () => (await import("./stages/mount.ts")).mountBench,
  gold: async () => (await import("./stages/gold.ts")).goldBench,
  incremental: async () => (await import("./stages/incremental.ts")).incrementalBench,
  e2e: async () => (await import("./stages/e2e.ts")).e2eBench,
};

const scale = values.quick ? QUICK : values.scale ? scaled(FULL, Number(values.scale)) : FULL;
// --quick is CI's smoke test: one run of each stage, and no end-to-end stage (CI runs `npm start` itself).
const QUICK_SKIPS = ["e2e"];
const runs = Number(values.runs ?? (values.quick ? 1 : 3));
const only = values.only ? values.only.split(",") : Object.keys(STAGES).filter((s) => !(values.quick && QUICK_SKIPS.includes(s)));
const started = new Date();
const loadAtStart = os.loadavg();
const figures: Figure[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);
for (const name of only) {
  if (!STAGES[name]) throw new Error(`unknown benchmark stage "${name}" (known: ${Object.keys(STAGES).join(", ")})`);
}
// Ctrl-C (or a CI time-out's SIGTERM) still stops the throwaway environments (embedded PostgreSQL, temp folders).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`bench: ${signal}, cleaning up`);
    void runExitHooks(log).finally(() => process.exit(130));
  });
}
try {
  for (const name of only) {
    log(`bench ${name}…`);
    figures.push(...(await measure(await STAGES[name](), scale, runs, log)));
  }
} finally {
  await runExitHooks(log);
}
const seconds = (Date.now() - started.getTime()) / 1000;
const section = renderResults(figures, { command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(), scale, started, seconds, loadAtStart });
const target = values.out ? path.resolve(values.out) : values.quick ? fromRoot("bench", "out", "quick.md") : fromRoot("bench", "RESULTS.md");
fs.mkdirSync(path.dirname(target), { recursive: true });
if (values.quick && !values.out) fs.writeFileSync(target, `${section}\n`);
else fs.appendFileSync(target, `\n${section}`);
process.stdout.write(`${section}\nwritten to ${path.relative(process.cwd(), target)}\n`);
