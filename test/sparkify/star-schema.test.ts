/**
 * The Sparkify star schema (definitions/sparkify) on the real sample data, checked against an independent
 * recomputation by DuckDB over the raw JSON files.
 *
 * A throwaway PostgreSQL gets a `silver` schema loaded from a copy of ../shared/data/sparkify the way the
 * silver stage types it (silver-fixture.ts); the Dataform CLI then runs the project's `sparkify` tag against
 * it, first over the first half of the month and then incrementally over the rest, and once more after a
 * day is landed a second time. songplays (every row, so the totals and the matches), users, time and the
 * level history must equal what DuckDB computes from the files.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { writeLandingCounts, type LandingCount } from "../../scripts/assertions/landing-counts.ts";
import { deadlockVictims } from "../../scripts/cli/commands/run.ts";
import { parseRunOutput } from "../../scripts/dataform/results.ts";
import { connectionConfig } from "../../scripts/stack/db.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { MACROS, recompute, type Recomputed } from "./duckdb-recompute.ts";
import { createSilverTable, eventRows, insertRows, logFiles, repairText, songFiles, songRow } from "./silver-fixture.ts";
import { DuckDBInstance } from "@duckdb/node-api";

const SAMPLE = path.resolve(PROJECT_ROOT, "..", "shared", "data", "sparkify");
const PROCESSED_AT = "2018-12-01 00:00:00";

let stack: TestStack;
let client: pg.Client;
let credentials: string;
let dataDir: string;
let expected: Recomputed;
const runs: { label: string; code: number; output: string }[] = [];

/** One `dataform run <project> <args>` against the throwaway server: its exit code and output. */
function dataformRun(args: string[]): Promise<{ code: number; output: string }> {
  const bin = path.join(PROJECT_ROOT, "node_modules", "@dataform", "cli", "bundle.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--no-warnings", bin, "run", PROJECT_ROOT, "--credentials", credentials, ...args, "--timeout", "5m", "--track=false"], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * `dataform run <project> --tags sparkify` against the throwaway server. An action PostgreSQL picked as a
 * deadlock victim (Dataform's concurrent `drop … cascade`) runs once more with its dependents, the rule
 * `lakehouse run` applies (deadlockVictims); every action must then have succeeded.
 */
async function runDataform(label: string): Promise<void> {
  let { code, output } = await dataformRun(["--tags", "sparkify"]);
  const victims = code === 0 ? [] : deadlockVictims(parseRunOutput(output.split("\n")));
  if (victims.length > 0) ({ code, output } = await dataformRun(["--actions", ...victims, "--include-dependents"]));
  runs.push({ label, code, output });
  if (code === 0 && !/\bfailed\b/i.test(stripNoise(output))) return;
  // The lines that name what failed first (the full output is long), then its tail.
  const failures = stripNoise(output).split("\n").filter((line) => /failed|error/i.test(line)).slice(0, 10);
  throw new Error(`dataform run (${label}${victims.length > 0 ? `, after re-running the deadlock victims ${victims.join(", ")}` : ""}) exited ${code}:\n${failures.join("\n")}\n…\n${stripNoise(output).slice(-2000)}`);
}

function stripNoise(output: string): string {
  return output
    .split("\n")
    .filter((line) => !/Release called on client|node_modules\/pg-pool|MaxListeners|trace-warnings/.test(line))
    .join("\n");
}

/** Loads log days into silver and records them as landed (nothing quarantined) for the silver reconciliation assertions. */
async function loadDays(days: { day: string; file: string }[], ingestOn?: string): Promise<void> {
  for (const { day, file } of days) await insertRows(client, "sparkify_events", eventRows(file, ingestOn ?? day, PROCESSED_AT));
  await recordLanded();
}

/** `_landing_counts` as `lakehouse land` + `silver` would leave it: every landed row committed to silver. */
async function recordLanded(): Promise<void> {
  const counts = await query<LandingCount>(
    `select 'sparkify' as source, entity, to_char(ingest_on, 'YYYY-MM-DD') as ingest_on, cast(count(*) as integer) as landed_rows, 0 as quarantined_rows
       from (select 'events' as entity, ingest_on from silver.sparkify_events union all select 'songs', ingest_on from silver.sparkify_songs) as landed
      group by entity, ingest_on order by entity, ingest_on`,
  );
  await writeLandingCounts(client, counts);
}

async function query<T>(sql: string): Promise<T[]> {
  return (await client.query(sql)).rows as T[];
}

const byKey = <T>(rows: T[], key: (row: T) => string) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/** songplays as comparable rows (start_time as epoch milliseconds). */
function songplays() {
  return query<Recomputed["songplays"][number] & { ingest_on: string }>(
    `select songplay_id, cast(cast(extract(epoch from start_time) * 1000 as bigint) as varchar) as start_ms, user_id, level, song_id, artist_id,
            cast(session_id as varchar) as session_id, location, user_agent, to_char(ingest_on, 'YYYY-MM-DD') as ingest_on
       from sparkify.songplays order by songplay_id`,
  );
}

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  // The test's own copy of the sample (never touch the shared files).
  dataDir = path.join(stack.dir, "sparkify");
  fs.cpSync(path.join(SAMPLE, "log_data"), path.join(dataDir, "log_data"), { recursive: true });
  fs.cpSync(path.join(SAMPLE, "song_data"), path.join(dataDir, "song_data"), { recursive: true });

  const config = connectionConfig(stack.env, "warehouse");
  credentials = path.join(stack.dir, "df-credentials.json");
  fs.writeFileSync(
    credentials,
    JSON.stringify({ host: config.host, port: config.port, username: config.user, password: config.password, databaseName: config.database }),
    { mode: 0o600 },
  );
  client = new pg.Client(config);
  await client.connect();

  await createSilverTable(client, "sparkify_events");
  await createSilverTable(client, "sparkify_songs");
  await insertRows(client, "sparkify_songs", songFiles(dataDir).map((file) => songRow(file, "2018-11-01", PROCESSED_AT)));

  expected = await recompute(dataDir);
}, 300_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await stack?.stop();
});

describe("sparkify star schema vs DuckDB over the raw files", () => {
  const days = () => logFiles(dataDir);

  it("builds the first half of the month (full build)", async () => {
    const all = days();
    expect(all.length).toBeGreaterThan(1);
    await loadDays(all.slice(0, Math.ceil(all.length / 2)));
    await runDataform("first half");
    const [{ plays }] = await query<{ plays: string }>(`select count(*) as plays from silver.sparkify_events where page = 'NextSong'`);
    const [{ rows }] = await query<{ rows: string }>(`select count(*) as rows from sparkify.songplays`);
    expect(Number(rows)).toBe(Number(plays));
  }, 300_000);

  it("loads the remaining days incrementally and matches DuckDB row for row", async () => {
    const all = days();
    await loadDays(all.slice(Math.ceil(all.length / 2)));
    await runDataform("second half (incremental)");
    // the second run merged into the table instead of rebuilding it: its rows come from two transactions
    const [{ writes }] = await query<{ writes: string }>(`select count(distinct cast(cast(xmin as text) as bigint)) as writes from sparkify.songplays`);
    expect(Number(writes)).toBeGreaterThan(1);

    const actual = await songplays();
    // totals and matches first (the headline numbers), then every row
    expect(actual.length).toBe(expected.songplays.length);
    const matched = (rows: { song_id: string | null }[]) => rows.filter((r) => r.song_id !== null).length;
    expect(matched(actual)).toBe(matched(expected.songplays));
    expect(matched(actual)).toBeGreaterThan(0);
    expect(actual.map(({ ingest_on: _ingestOn, ...rest }) => rest)).toEqual(byKey(expected.songplays, (r) => r.songplay_id));
  }, 300_000);

  it("users: one row per user with the latest level, as DuckDB", async () => {
    const actual = await query(`select user_id, first_name, last_name, gender, level from sparkify.users order by user_id`);
    expect(actual).toEqual(byKey(expected.users, (r) => r.user_id));
  });

  it("time: one row per play time with its parts, as DuckDB", async () => {
    const actual = await query(
      `select cast(cast(extract(epoch from start_time) * 1000 as bigint) as varchar) as start_ms, hour, day, week, month, year, weekday
         from sparkify."time" order by start_time`,
    );
    expect(actual).toEqual(expected.time);
  });

  it("user level history (SCD2): the same versions as DuckDB, current level = users.level", async () => {
    const actual = await query<{ user_id: string; level: string; valid_from_ms: string; is_current: boolean }>(
      `select user_id, level, cast(cast(extract(epoch from valid_from) * 1000 as bigint) as varchar) as valid_from_ms, is_current
         from sparkify.user_level_history order by user_id, valid_from`,
    );
    expect(actual).toEqual(expected.levels);
    const [{ differing }] = await query<{ differing: string }>(
      `select count(*) as differing from sparkify.users u
         left join sparkify.user_level_history h on h.user_id = u.user_id and h.is_current
        where h.level is distinct from u.level`,
    );
    expect(Number(differing)).toBe(0);
  });

  it("reporting views agree with songplays", async () => {
    const [{ total }] = await query<{ total: string }>(`select count(*) as total from sparkify.songplays`);
    const sum = async (sql: string) => Number((await query<{ n: string }>(sql))[0].n);
    expect(await sum(`select sum(plays) as n from sparkify.plays_per_hour`)).toBe(Number(total));
    expect(await sum(`select sum(plays) as n from sparkify.free_vs_paid_plays`)).toBe(Number(total));
    expect(await sum(`select sum(plays) as n from sparkify.active_users_per_day`)).toBe(Number(total));
    expect(await sum(`select sum(plays) as n from sparkify.top_songs`)).toBe(matchedCount(expected));
  });

  it("a day landed again replaces its plays instead of duplicating them", async () => {
    const all = days();
    const last = all[all.length - 1];
    await loadDays([last], "2018-12-01");
    await runDataform("re-landed day (incremental)");
    const actual = await songplays();
    expect(actual.length).toBe(expected.songplays.length);
    expect(new Set(actual.map((r) => r.songplay_id)).size).toBe(actual.length);
    const relanded = actual.filter((r) => r.ingest_on === "2018-12-01").length;
    const [{ plays }] = await query<{ plays: string }>(
      `select count(*) as plays from silver.sparkify_events where page = 'NextSong' and ingest_on = date '${last.day}'`,
    );
    expect(relanded).toBe(Number(plays));
    expect(actual.map(({ ingest_on: _ingestOn, ...rest }) => rest)).toEqual(byKey(expected.songplays, (r) => r.songplay_id));
  }, 300_000);
});

function matchedCount(r: Recomputed): number {
  return r.songplays.filter((p) => p.song_id !== null).length;
}

describe("the two repairs of double-encoded UTF-8 agree", () => {
  it("DuckDB's SQL repair and the fixture's TypeScript repair give the same text for every text value of the sample", async () => {
    const values = new Set<string>();
    for (const { file } of logFiles(SAMPLE)) {
      for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const record = JSON.parse(line) as Record<string, unknown>;
        for (const key of ["artist", "song", "firstName", "lastName", "location"]) if (typeof record[key] === "string") values.add(record[key] as string);
      }
    }
    for (const file of songFiles(SAMPLE)) {
      const record = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      for (const key of ["title", "artist_name", "artist_location"]) if (typeof record[key] === "string") values.add(record[key] as string);
    }
    for (const extra of ["\u00e2\u20ac\u2122", "\u00c3\u00a2\u00e2\u201a\u00ac\u00e2\u201e\u00a2", "\u00bfPara Qu\u00e9?", " Ub\u00e1 ", "caf\u00c3\u00a9"]) values.add(extra);
    const list = [...values];
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      for (const macro of MACROS) await connection.run(macro);
      await connection.run(`create table texts (i integer, v varchar)`);
      const appender = await connection.createAppender("texts");
      list.forEach((v, i) => {
        appender.appendInteger(i);
        appender.appendVarchar(v);
        appender.endRow();
      });
      appender.closeSync();
      const reader = await connection.runAndReadAll(`select i, clean(v) as repaired from texts order by i`);
      const repaired = reader.getRowObjectsJson().map((r) => r.repaired as string);
      expect(repaired).toEqual(list.map((v) => repairText(v).trim()));
      // the sample really holds mojibake, and both repair it
      expect(list.some((v, i) => v.trim() !== repaired[i])).toBe(true);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
