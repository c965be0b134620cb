/**
 * What the pipeline benchmarks share: one throwaway environment (embedded PostgreSQL on a free port, its own
 * bucket; never the developer's .lakehouse/local), the `lakehouse` CLI run as a child process with its wall
 * time and peak RSS, and deterministic synthetic API data written straight into the landing layout.
 *
 * One environment per volume (bench/plan.ts gives each stage its volume), created on first use and kept
 * across the stages of that volume (silver → mount → incremental, gold → incremental-gold build on each
 * other's state); bench/run.ts stops an environment once no later stage uses its volume, and all at exit.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { API_EPOCH, type GeneratorConfig, type Track } from "../../scripts/api/generate.ts";
import { fromRoot, PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { seedSongs } from "../../scripts/seed/songs.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { testEnvironment, type TestStack } from "../../test/helpers/stack.ts";
import { atExit, type Scale } from "../harness.ts";
import { landDaysInParallel } from "./history.ts";
import { writeSparkifyFolder } from "./sparkify-synthetic.ts";
import { landGeneratedDay, syntheticTracks, type LandedDay } from "./synthetic-api.ts";

const RSS_HOOK = fileURLToPath(new URL("./rss-report.mjs", import.meta.url));
const CLI = fromRoot("bin", "lakehouse.js");

export interface ChildRun {
  seconds: number;
  /** Peak resident set size of the child process itself, MB (getrusage), or NaN if it did not report. */
  peakRssMb: number;
  /** CPU time of the child (user + system, all its threads), s, or NaN: less sensitive to other load than wall time. */
  cpuSeconds: number;
  stdout: string;
  stderr: string;
}

/** A child that exited non-zero: the message names its failures; `run` still holds its time and output. */
export class ChildError extends Error {
  constructor(
    message: string,
    readonly run: ChildRun,
  ) {
    super(message);
  }
}

/** Runs `node <args>` as a child; throws a ChildError with its failure lines when it exits non-zero. */
export function runNode(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; nodeFlags?: string[] } = {}): Promise<ChildRun> {
  const rssFile = path.join(os.tmpdir(), `bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--no-warnings", ...(options.nodeFlags ?? []), "--import", RSS_HOOK, ...args], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...(options.env ?? process.env), BENCH_RSS_FILE: rssFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      let peakRssMb = Number.NaN;
      let cpuSeconds = Number.NaN;
      try {
        const [rss, cpu] = fs.readFileSync(rssFile, "utf8").split(" ").map(Number);
        peakRssMb = rss / 1024;
        cpuSeconds = cpu / 1e6;
        fs.rmSync(rssFile, { force: true });
      } catch {
        // no figure
      }
      if (code !== 0) {
        const lines = `${stdout}\n${stderr}`.split("\n").filter((l) => l.trim());
        const failures = lines.filter((l) => /fail|error|deadlock/i.test(l)).slice(0, 12);
        reject(new ChildError(`node ${args.join(" ")} exited with ${code}:\n${[...failures, "…", ...lines.slice(-5)].join("\n")}`, { seconds, peakRssMb, cpuSeconds, stdout, stderr }));
      }
      else resolve({ seconds, peakRssMb, cpuSeconds, stdout, stderr });
    });
  });
}

/**
 * `lakehouse run …` for the gold benchmarks. Once more when Dataform's concurrent actions hit a PostgreSQL
 * deadlock (seen on `drop table … cascade` of a Sparkify model while another action ran; the retry is
 * logged). A run whose only failures are data assertions did all its work: its time counts, and the failed
 * assertions are returned (and logged) so that the figure says so. Any other failure throws.
 */
export async function runGold(p: Pipeline, args: string[], log: (line: string) => void, retryDeadlock = true): Promise<ChildRun & { failedAssertions: string[] }> {
  try {
    return { ...(await p.cli(args)), failedAssertions: [] };
  } catch (error) {
    if (!(error instanceof ChildError)) throw error;
    // The Dataform CLI colours its lines: strip the escapes before reading them.
    const output = `${error.run.stdout}\n${error.run.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
    if (/deadlock detected/.test(output) && retryDeadlock) {
      log(`  lakehouse ${args.join(" ")}: PostgreSQL deadlock between Dataform's concurrent actions; retrying once`);
      return runGold(p, args, log, false);
    }
    // "Assertion failed: <schema>.<name>" (the adapter's "Assertion failed: query returned …" repeats it).
    const failed = [...new Set([...output.matchAll(/Assertion failed:\s+(\S+\.\S+)/g)].map((m) => m[1]))];
    if (failed.length === 0 || /(creation|Operation) failed|deadlock detected/.test(output)) throw error;
    log(`  lakehouse ${args.join(" ")}: ${failed.length} assertion(s) failed on the generated data (time still counted): ${failed.join(", ")}`);
    return { ...error.run, failedAssertions: failed };
  }
}

export interface Pipeline {
  scale: Scale;
  stack: TestStack;
  /** `lakehouse <args> --env ci --quiet` against the throwaway environment (extra node flags, e.g. --cpu-prof). */
  cli(args: string[], nodeFlags?: string[]): Promise<ChildRun>;
  /** Synthetic API days landed so far (the history), in order. */
  days: string[];
  /** Session items landed per day (actual counts). */
  itemsPerDay: Map<string, number>;
  sessionsPerDay: Map<string, number>;
  usersPerDayLanded: Map<string, number>;
  generator: GeneratorConfig;
  /** The catalog's tracks as the simulator sees them (built on first use: 1 M songs take seconds). */
  tracks(): Track[];
  /** Catalog rows seeded. */
  songs: number;
  /** Scratch folder readable and writable by the PostgreSQL server too. */
  scratch: string;
  /** Full-rebuild wall times measured by the silver, mount and gold stages (the incremental stages' reference). */
  fullRebuild: { silver: number[]; mount: number[]; gold: number[] };
  /** Stops the stack and removes its folders. */
  stop(): Promise<void>;
}

const pipelines = new Map<string, Promise<Pipeline>>();
const keyOf = (scale: Scale) => JSON.stringify(scale);
let cleanupRegistered = false;

/** The shared environment for `scale` (one per volume): catalog seeded with `scale.songs` synthetic songs, no API days yet. */
export function pipeline(scale: Scale): Promise<Pipeline> {
  const key = keyOf(scale);
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    atExit(() => releasePipelines());
  }
  if (!pipelines.has(key)) pipelines.set(key, createPipeline(scale));
  return pipelines.get(key)!;
}

/** Stops the environments of every volume not in `keep` (all of them without an argument). */
export async function releasePipelines(keep: Scale[] = []): Promise<void> {
  const wanted = new Set(keep.map(keyOf));
  for (const [key, p] of [...pipelines]) {
    if (wanted.has(key)) continue;
    pipelines.delete(key);
    await (await p.catch(() => null))?.stop();
  }
}

async function createPipeline(scale: Scale): Promise<Pipeline> {
  const stack = await testEnvironment({ postgres: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scratch-"));
  fs.chmodSync(scratch, 0o777);
  const noFiles = path.join(stack.dir, "no-song-files");
  fs.mkdirSync(noFiles);
  await seedSongs(stack.env, { songsPath: noFiles, scale: scale.songs });
  // Items per session are uniform in 1..max (mean (1+max)/2): sessions per day to reach the items per day.
  const maxItems = 5;
  const itemsPerDay = scale.sessionItems / scale.days;
  const generator: GeneratorConfig = {
    seed: 20181101,
    usersPerDay: Math.max(1, Math.round(scale.users / scale.days)),
    sessionsPerDay: Math.max(1, Math.round(itemsPerDay / ((1 + maxItems) / 2))),
    maxItemsPerSession: maxItems,
    epoch: API_EPOCH,
  };
  let tracks: Track[] | null = null;
  return {
    scale,
    stack,
    cli: (args, nodeFlags) => runNode([CLI, ...args, "--env", "ci", "--quiet"], { env: stack.cliEnv, nodeFlags }),
    days: [],
    itemsPerDay: new Map(),
    sessionsPerDay: new Map(),
    usersPerDayLanded: new Map(),
    generator,
    tracks: () => (tracks ??= syntheticTracks(scale.songs)),
    songs: scale.songs,
    scratch,
    fullRebuild: { silver: [], mount: [], gold: [] },
    async stop() {
      await stack.stop();
      fs.rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/** Day `index` (0-based) of the synthetic business, from the API epoch. */
export function dayOf(index: number): string {
  return new Date(Date.parse(`${API_EPOCH}T00:00:00Z`) + index * 86_400_000).toISOString().slice(0, 10);
}

function record(p: Pipeline, landed: LandedDay): void {
  p.usersPerDayLanded.set(landed.day, landed.users);
  p.sessionsPerDay.set(landed.day, landed.sessions);
  p.itemsPerDay.set(landed.day, landed.items);
  if (!p.days.includes(landed.day)) p.days.push(landed.day);
  p.days.sort();
}

/** Lands API users and sessions for `day` in this process (see synthetic-api.ts). */
export async function landSyntheticDay(p: Pipeline, day: string): Promise<void> {
  record(p, await landGeneratedDay(openStorage(p.stack.env), p.generator, p.tracks(), day));
}

/** Lands the first `count` synthetic days (those not landed yet), one generation worker per core. */
export async function landHistory(p: Pipeline, count: number, log: (line: string) => void): Promise<void> {
  const todo = Array.from({ length: count }, (_, i) => dayOf(i)).filter((d) => !p.days.includes(d));
  if (todo.length === 0) return;
  const started = performance.now();
  await landDaysInParallel(todo, {
    generator: p.generator,
    songs: p.songs,
    bucketRoot: bucketDir(p),
    onDay: (landed, done) => {
      record(p, landed);
      if (done % 5 === 0 || done === todo.length) log(`  landed synthetic API day ${done}/${todo.length}`);
    },
  });
  log(`  synthetic API history: ${todo.length} days, ${totalSessions(p).toLocaleString("en-US")} sessions, ${totalItems(p).toLocaleString("en-US")} items in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
export function totalItems(p: Pipeline, days: string[] = p.days): number {
  return days.reduce((n, d) => n + (p.itemsPerDay.get(d) ?? 0), 0);
}

export function totalSessions(p: Pipeline, days: string[] = p.days): number {
  return days.reduce((n, d) => n + (p.sessionsPerDay.get(d) ?? 0), 0);
}

/** The bucket's local directory. */
export function bucketDir(p: Pipeline): string {
  const dir = openStorage(p.stack.env).localPath("landing");
  if (!dir) throw new Error("the benchmark environment must use a local bucket");
  return path.dirname(dir);
}

const sparkifyLanded = new WeakSet<Pipeline>();

/**
 * The Sparkify-like logs of this volume (`scale.events` events over the history's days, bench/lib/
 * sparkify-synthetic.ts), written once into the scratch folder and landed by `lakehouse land --source
 * sparkify --sparkify-path` (byte copies, one partition per log day), as a user lands the real logs.
 */
export async function landSparkify(p: Pipeline, log: (line: string) => void): Promise<void> {
  if (sparkifyLanded.has(p)) return;
  const days = p.scale.days;
  const dir = path.join(p.scratch, "sparkify");
  let started = performance.now();
  const written = await writeSparkifyFolder(dir, { events: p.scale.events, days, firstDay: dayOf(0), users: sparkifyUsers(p.scale), songs: sparkifySongFiles(p.scale) });
  log(`  synthetic Sparkify logs: ${written.events.toLocaleString("en-US")} events over ${days} days, ${written.songs.toLocaleString("en-US")} song files in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  await p.cli(["land", "--source", "sparkify", "--sparkify-path", dir, "--start-date", dayOf(0), "--end-date", dayOf(days - 1)]);
  log(`  landed the Sparkify logs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  sparkifyLanded.add(p);
}

/** Sparkify's app users at a volume: the real sample has 96 users for 8,056 events; synthetic ones play more. */
function sparkifyUsers(scale: Scale): number {
  return Math.max(20, Math.min(scale.users, Math.round(scale.events / 200)));
}

/** Sparkify song files (one small JSON file each): bounded, as a real song_data prefix would be sampled. */
function sparkifySongFiles(scale: Scale): number {
  return Math.max(50, Math.min(10_000, Math.round(scale.events / 1000)));
}

const prepared = new WeakSet<Pipeline>();

/**
 * Everything gold reads, once: the catalog landed (window ending on the last history day), the Sparkify
 * logs of this volume, every landed entity through silver, every silver table mounted. Later stages keep
 * this state.
 */
export async function prepareWarehouse(p: Pipeline, log: (line: string) => void): Promise<void> {
  if (prepared.has(p)) return;
  const end = p.days.at(-1);
  if (!end) throw new Error("land the API history first");
  log("  preparing the warehouse: land catalog + sparkify, silver, mount");
  await p.cli(["land", "--source", "catalog", "--start-date", p.days[0], "--end-date", end]);
  await landSparkify(p, log);
  await p.cli(["silver"]);
  await p.cli(["mount"]);
  prepared.add(p);
}
