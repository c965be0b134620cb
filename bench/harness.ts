import { execFileSync } from "node:child_process";
import * as os from "node:os";

/** One measured quantity of a benchmark: repeated runs give median, min and max. */
export interface Sample {
  /** e.g. "catalog land rows/s". */
  metric: string;
  value: number;
  unit: string;
  /** Reported under another stage's name than the benchmark's (e.g. landing's incremental figure). */
  stage?: string;
}

export interface Figure {
  stage: string;
  metric: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  /** The volume it was measured at (scaleLabel in bench/plan.ts). */
  volume?: string;
  /** Target or reference note, e.g. "target ≥ 0.5". */
  note?: string;
}

export interface Benchmark {
  stage: string;
  /** Prepares data once (not timed); returns a context for runs. */
  setup?(scale: Scale): Promise<unknown>;
  /** One run: returns the samples it measured. */
  run(scale: Scale, context: unknown): Promise<Sample[]>;
  teardown?(context: unknown): Promise<void>;
  notes?: Record<string, string>;
}

export interface Scale {
  quick: boolean;
  songs: number;
  users: number;
  sessionItems: number;
  events: number;
  days: number;
  actions: number;
}

export const FULL: Scale = { quick: false, songs: 1_000_000, users: 1_000_000, sessionItems: 10_000_000, events: 10_000_000, days: 30, actions: 2000 };
/**
 * CI's smoke scale: small enough that every stage runs in seconds. Gold's cost grows with session items ×
 * catalog songs while gold.fct_session_items nests loops (bench/RESULTS.md), hence few songs here.
 */
export const QUICK: Scale = { quick: true, songs: 2_000, users: 2_000, sessionItems: 20_000, events: 20_000, days: 3, actions: 200 };

/** FULL volumes times `factor` (an intermediate scale); days and actions stay as they are. */
export function scaled(base: Scale, factor: number): Scale {
  if (!(factor > 0)) throw new Error(`--scale must be a positive number, got ${factor}`);
  const n = (v: number) => Math.max(1, Math.round(v * factor));
  return { ...base, songs: n(base.songs), users: n(base.users), sessionItems: n(base.sessionItems), events: n(base.events) };
}

const exitHooks: (() => Promise<void>)[] = [];

/** Registers cleanup to run once every stage is done (shared environments outlive one stage). */
export function atExit(hook: () => Promise<void>): void {
  exitHooks.push(hook);
}

/** Runs the registered cleanups, last registered first; failures are reported, not thrown. */
export async function runExitHooks(log: (line: string) => void): Promise<void> {
  while (exitHooks.length > 0) {
    const hook = exitHooks.pop()!;
    await hook().catch((error: unknown) => log(`cleanup failed: ${(error as Error).message}`));
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a benchmark `runs` times and folds its samples into figures (median, min, max per metric). */
export async function measure(bench: Benchmark, scale: Scale, runs: number, log: (line: string) => void, volume?: string): Promise<Figure[]> {
  const context = bench.setup ? await bench.setup(scale) : undefined;
  const byMetric = new Map<string, Sample[]>();
  try {
    for (let i = 1; i <= runs; i++) {
      const samples = await bench.run(scale, context);
      for (const s of samples) {
        const key = `${s.stage ?? bench.stage}\t${s.metric}`;
        byMetric.set(key, [...(byMetric.get(key) ?? []), s]);
      }
      log(`  ${bench.stage} run ${i}/${runs}: ${samples.map((s) => `${s.metric} ${format(s.value)} ${s.unit}`).join(", ")}`);
    }
  } finally {
    await bench.teardown?.(context);
  }
  return [...byMetric.values()].map((samples) => {
    const values = samples.map((s) => s.value);
    const { metric, unit } = samples[0];
    const stage = samples[0].stage ?? bench.stage;
    return { stage, metric, unit, median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length, volume, note: bench.notes?.[metric] };
  });
}

const count = (n: number) => n.toLocaleString("en-US");

export function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(3);
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

export function gitRevision(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/** The results as a Markdown section. */
export function renderResults(
  figures: Figure[],
  meta: { command: string; volumes: { label: string; scale: Scale }[]; started: Date; seconds: number; loadAtStart?: number[]; stageSeconds?: Record<string, number> },
): string {
  const volumes = [...new Map(meta.volumes.map((v) => [v.label, v.scale])).entries()];
  const lines = [
    `## Results of ${meta.started.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `- machine: ${machine()}`,
    `- command: \`${meta.command}\``,
    `- git revision: ${gitRevision()}`,
    ...volumes.map(([label, s]) => `- volume ${label}: songs ${count(s.songs)}, users ${count(s.users)}, session items ${count(s.sessionItems)}, Sparkify events ${count(s.events)}, days ${s.days}, synthetic actions ${count(s.actions)}`),
    `- wall time of the whole benchmark: ${meta.seconds.toFixed(0)} s${meta.stageSeconds ? ` (${Object.entries(meta.stageSeconds).map(([st, sec]) => `${st} ${sec.toFixed(0)} s`).join(", ")}, each with its data generation)` : ""}`,
    ...(meta.loadAtStart
      ? [`- load average (1, 5, 15 min) at start: ${meta.loadAtStart.map((v) => v.toFixed(1)).join(", ")}; at end: ${os.loadavg().map((v) => v.toFixed(1)).join(", ")} (${os.cpus().length} cores: above that, other work shared the machine)`]
      : []),
    "",
    "| stage | volume | metric | median | min | max | unit | runs | target / note |",
    "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |",
    ...figures.map((f) => `| ${f.stage} | ${f.volume ?? ""} | ${f.metric} | ${format(f.median)} | ${format(f.min)} | ${format(f.max)} | ${f.unit} | ${f.runs} | ${f.note ?? ""} |`),
    "",
  ];
  return lines.join("\n");
}
