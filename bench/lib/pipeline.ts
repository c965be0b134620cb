/**
 * What the pipeline benchmarks share: one throwaway environment (embedded PostgreSQL on a free port, its own
 * bucket; never the developer's .lakehouse/local), the `lakehouse` CLI run as a child process with its wall
 * time and peak RSS, and deterministic synthetic API data written straight into the landing layout.
 *
 * The environment is created once per `npm run bench` and kept across stages (land → silver → mount → gold →
 * incremental build on each other's state); bench/run.ts stops it at the end through `atExit`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { sessionsOn, usersOn, API_EPOCH, type GeneratorConfig, type Track } from "../../scripts/api/generate.ts";
import { fromRoot, PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { PartitionStager } from "../../scripts/land/stager.ts";
import { seedSongs } from "../../scripts/seed/songs.ts";
import { syntheticSong } from "../../scripts/seed/synthetic.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { testEnvironment, type TestStack } from "../../test/helpers/stack.ts";
import { atExit, type Scale } from "../harness.ts";

const RSS_HOOK = fileURLToPath(new URL("./rss-report.mjs", import.meta.url));
const CLI = fromRoot("bin", "lakehouse.js");

export interface ChildRun {
  seconds: number;
  /** Peak resident set size of the child process itself, MB (getrusage), or NaN if it did not report. */
  peakRssMb: number;
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
      try {
        peakRssMb = Number(fs.readFileSync(rssFile, "utf8")) / 1024;
        fs.rmSync(rssFile, { force: true });
      } catch {
        // no figure
      }
      if (code !== 0) {
        const lines = `${stdout}\n${stderr}`.split("\n").filter((l) => l.trim());
        const failures = lines.filter((l) => /fail|error|deadlock/i.test(l)).slice(0, 12);
        reject(new ChildError(`node ${args.join(" ")} exited with ${code}:\n${[...failures, "…", ...lines.slice(-5)].join("\n")}`, { seconds, peakRssMb, stdout, stderr }));
      }
      else resolve({ seconds, peakRssMb, stdout, stderr });
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
  tracks: Track[];
  /** Catalog rows seeded. */
  songs: number;
  /** Scratch folder readable and writable by the PostgreSQL server too. */
  scratch: string;
  /** Full-rebuild wall times measured by the silver, mount and gold stages (the incremental stage's reference). */
  fullRebuild: { silver: number[]; mount: number[]; gold: number[] };
}

let shared: Promise<Pipeline> | null = null;

/** The shared environment for `scale`: catalog seeded with `scale.songs` synthetic songs, no API days yet. */
export function pipeline(scale: Scale): Promise<Pipeline> {
  shared ??= createPipeline(scale);
  return shared;
}

async function createPipeline(scale: Scale): Promise<Pipeline> {
  const stack = await testEnvironment({ postgres: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scratch-"));
  fs.chmodSync(scratch, 0o777);
  atExit(async () => {
    await stack.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });
  const noFiles = path.join(stack.dir, "no-song-files");
  fs.mkdirSync(noFiles);
  await seedSongs(stack.env, { songsPath: noFiles, scale: scale.songs });
  const tracks: Track[] = new Array(scale.songs);
  for (let i = 0; i < scale.songs; i++) {
    const s = syntheticSong(i, scale.songs);
    tracks[i] = { track_id: String(s.track_id), title: s.title as string | null, artist_id: s.artist_id as string | null, artist_name: s.artist_name as string | null };
  }
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
  return {
    stack,
    cli: (args, nodeFlags) => runNode([CLI, ...args, "--env", "ci", "--quiet"], { env: stack.cliEnv, nodeFlags }),
    days: [],
    itemsPerDay: new Map(),
    sessionsPerDay: new Map(),
    usersPerDayLanded: new Map(),
    generator,
    tracks,
    songs: scale.songs,
    scratch,
    fullRebuild: { silver: [], mount: [], gold: [] },
  };
}

/** Day `index` (0-based) of the synthetic business, from the API epoch. */
export function dayOf(index: number): string {
  return new Date(Date.parse(`${API_EPOCH}T00:00:00Z`) + index * 86_400_000).toISOString().slice(0, 10);
}

/** A JSON array streamed element by element (an API body without the whole text in memory). */
function jsonArray(records: unknown[]): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i > records.length) return void this.push(null);
      let chunk = i === 0 ? "[" : "";
      const end = Math.min(records.length, i + 2000);
      for (; i < end; i++) chunk += `${i === 0 ? "" : ","}${JSON.stringify(records[i])}`;
      if (i === records.length) {
        chunk += "]";
        i++;
      }
      this.push(chunk);
    },
  });
}

/**
 * Lands API users and sessions for `day` exactly as `lakehouse land` stores an API response (one JSON array
 * file per day, manifest last), generated by the simulator's own generator but without the HTTP round trip.
 */
export async function landSyntheticDay(p: Pipeline, day: string): Promise<void> {
  const storage = openStorage(p.stack.env);
  const base = `http://bench.invalid`;
  const entities = [
    ["api/users", () => usersOn(p.generator, day), p.usersPerDayLanded],
    ["api/sessions", () => sessionsOn(p.generator, p.tracks, day), p.sessionsPerDay],
  ] as const;
  for (const [entity, generate, counts] of entities) {
    const startedAt = new Date();
    const records: unknown[] = generate();
    counts.set(day, records.length);
    if (entity === "api/sessions") p.itemsPerDay.set(day, (records as ReturnType<typeof sessionsOn>).reduce((n, s) => n + s.session_items.length, 0));
    const url = `${base}/${entity.slice(4)}?start_date=${day}&end_date=${day}`;
    const stager = new PartitionStager(storage, entity, day, "json");
    await stager.addFile(jsonArray(records), { rows: records.length, original: url });
    await stager.publish({ source: "api", format: "json", origin: { kind: "http", url }, window: { start_date: day, end_date: day }, startedAt });
  }
  if (!p.days.includes(day)) p.days.push(day);
}

/** Lands the first `count` synthetic days (those not landed yet). */
export async function landHistory(p: Pipeline, count: number, log: (line: string) => void): Promise<void> {
  for (let i = 0; i < count; i++) {
    const day = dayOf(i);
    if (p.days.includes(day)) continue;
    await landSyntheticDay(p, day);
    if ((i + 1) % 5 === 0 || i + 1 === count) log(`  landed synthetic API day ${i + 1}/${count}`);
  }
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

const prepared = new WeakSet<Pipeline>();

/**
 * Everything gold reads, once: the catalog and the Sparkify files landed (window ending on the last history
 * day), every landed entity through silver, every silver table mounted. Later stages keep this state.
 */
export async function prepareWarehouse(p: Pipeline, log: (line: string) => void): Promise<void> {
  if (prepared.has(p)) return;
  const end = p.days.at(-1);
  if (!end) throw new Error("land the API history first");
  const window = ["--start-date", p.days[0], "--end-date", end];
  log("  preparing the warehouse: land catalog + sparkify, silver, mount");
  await p.cli(["land", "--source", "catalog", "--source", "sparkify", ...window]);
  await p.cli(["silver"]);
  await p.cli(["mount"]);
  prepared.add(p);
}
