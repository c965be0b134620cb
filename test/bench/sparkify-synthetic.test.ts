/**
 * The benchmark's synthetic Sparkify folder (bench/lib/sparkify-synthetic.ts): deterministic bytes, the real
 * logs' record shape, landed by `lakehouse land --source sparkify` and taken by silver with nothing
 * quarantined (except the deliberately bad lines asked for); its shares (NextSong, plays matching a song
 * file, level changes) recomputed independently by DuckDB over the written files. And the DuckDB reference of
 * silver's sparkify/events (bench/lib/duckdb-events.ts) writes the rows silver committed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { duckdbEventsToParquet } from "../../bench/lib/duckdb-events.ts";
import { sqlString } from "../../bench/lib/duckdb-silver.ts";
import { writeSparkifyFolder, type SparkifySyntheticOptions, type SparkifySyntheticSummary } from "../../bench/lib/sparkify-synthetic.ts";
import { createLogger } from "../../scripts/core/log.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { readRows } from "../../scripts/iceberg/index.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { openSilverCatalog } from "../../scripts/silver/catalog.ts";
import { runSilver, type TableReport } from "../../scripts/silver/run.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const OPTIONS: SparkifySyntheticOptions = { events: 20_000, days: 3, songs: 200, users: 150, seed: 7 };
const log = createLogger({ quiet: true });

let stack: TestStack;
let dir: string;
let written: SparkifySyntheticSummary;
let reports: TableReport[];

function files(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => fs.statSync(path.join(root, f)).isFile()).sort();
}

/** sha256 over every file of a folder: its relative path and bytes. */
function folderHash(root: string): string {
  const hash = createHash("sha256");
  for (const file of files(root)) hash.update(`${file}\u0000`).update(fs.readFileSync(path.join(root, file))).update("\u0000");
  return hash.digest("hex");
}

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), ...args, "--env", "ci"], { env: stack.cliEnv, encoding: "utf8", timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
  return result;
}

async function landAndSilver(folder: string, days: string[]): Promise<TableReport> {
  lakehouse("land", "--source", "sparkify", "--sparkify-path", folder, "--start-date", days[0], "--end-date", days.at(-1)!);
  const [report] = await runSilver(stack.env, { entities: ["sparkify/events"], log, workers: 1 });
  return report;
}

async function landedEventFiles(days: string[]): Promise<string[]> {
  const storage = openStorage(stack.env);
  const partitions = (await listPartitions(storage, "sparkify/events")).filter((p) => days.includes(p.ingestOn));
  return partitions.flatMap((p) => p.manifest.files.map((f) => storage.localPath(f.key)!));
}

async function duckdbRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  stack = await testEnvironment();
  dir = path.join(stack.dir, "sparkify-synthetic");
  written = await writeSparkifyFolder(dir, OPTIONS);
  reports = [await landAndSilver(dir, written.days)];
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("writeSparkifyFolder", () => {
  it("writes the same bytes for the same options, other bytes for another seed", async () => {
    const again = path.join(stack.dir, "again");
    await writeSparkifyFolder(again, OPTIONS);
    expect(folderHash(again)).toBe(folderHash(dir));
    await writeSparkifyFolder(again, { ...OPTIONS, seed: 8 });
    expect(folderHash(again)).not.toBe(folderHash(dir));
    fs.rmSync(again, { recursive: true, force: true });
  });

  it("lays out the folder like the real sample: one log file per day, one song file per song", () => {
    expect(written.days).toEqual(["2018-11-01", "2018-11-02", "2018-11-03"]);
    const all = files(dir);
    expect(all.filter((f) => f.startsWith("log_data/"))).toEqual(written.days.map((d) => `log_data/2018/11/${d}-events.json`));
    const songs = all.filter((f) => f.startsWith("song_data/"));
    expect(songs).toHaveLength(200);
    for (const song of songs) expect(song).toMatch(/^song_data\/([A-Z0-9])\/([A-Z0-9])\/([A-Z0-9])\/TR\1\2\3[A-Z0-9]{13}\.json$/);
  });

  it("refuses to replace a folder it did not write (such as the real sample)", async () => {
    const other = path.join(stack.dir, "not-synthetic");
    fs.mkdirSync(path.join(other, "log_data"), { recursive: true });
    fs.writeFileSync(path.join(other, "log_data", "2018-11-01-events.json"), "{}");
    await expect(writeSparkifyFolder(other, { events: 10 })).rejects.toThrow(/refusing/);
    expect(files(other)).toEqual(["log_data/2018-11-01-events.json"]);
  });

  it("writes records with exactly the real log's keys, in its order, ts increasing within each day, no trailing newline", () => {
    const sample = stack.env.resolvePath(stack.env.sources.sparkify_path);
    const real = fs.readFileSync(path.join(sample, "log_data", "2018", "11", "2018-11-01-events.json"), "utf8").split("\n")[0];
    const keys = Object.keys(JSON.parse(real) as object);
    let lines = 0;
    for (const file of written.logFiles) {
      const text = fs.readFileSync(file, "utf8");
      expect(text.endsWith("\n")).toBe(false);
      let previous = -1;
      for (const line of text.split("\n")) {
        const record = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(record)).toEqual(keys);
        expect(record.ts as number).toBeGreaterThan(previous);
        previous = record.ts as number;
        if (record.auth === "Logged Out") expect(record.userId).toBe("");
        lines++;
      }
    }
    expect(lines).toBe(OPTIONS.events);
  });

  it("has the real logs' shares, recomputed by DuckDB over the written files", async () => {
    const logs = `read_json(${sqlString(`${dir}/log_data/*/*/*.json`)}, format = 'newline_delimited')`;
    const songs = `read_json(${sqlString(`${dir}/song_data/*/*/*/*.json`)}, format = 'auto')`;
    const [shares] = await duckdbRows(`
      with plays as (select * from ${logs} where page = 'NextSong'),
      song_keys as (select distinct lower(trim(title)) as t, lower(trim(artist_name)) as a from ${songs})
      select
        (select count(*) from ${logs})::integer as events,
        (select count(*) from plays)::integer as plays,
        (select count(*) from plays join song_keys on t = lower(trim(song)) and a = lower(trim(artist)))::integer as matched,
        (select count(*) from ${logs} where userId = '' and auth = 'Logged Out')::integer as logged_out,
        (select count(distinct page) from ${logs})::integer as pages,
        (select count(*) from (select userId from ${logs} where userId <> '' group by userId having count(distinct level) > 1))::integer as level_changers
    `);
    expect(shares.events).toBe(OPTIONS.events);
    const plays = Number(shares.plays);
    expect(plays / OPTIONS.events).toBeGreaterThan(0.78);
    expect(plays / OPTIONS.events).toBeLessThan(0.9);
    // 70% of the plays name a written song (default matchedShare); the others never match by chance.
    expect(Number(shares.matched) / plays).toBeGreaterThan(0.65);
    expect(Number(shares.matched) / plays).toBeLessThan(0.75);
    expect({ plays: shares.plays, matched: shares.matched }).toEqual({ plays: written.nextSong, matched: written.matched });
    expect(Number(shares.logged_out)).toBeGreaterThan(0);
    expect(Number(shares.pages)).toBeGreaterThanOrEqual(10);
    expect(Number(shares.level_changers)).toBeGreaterThan(5);
  });
});

describe("the synthetic folder through land and silver", () => {
  it("lands every line and silver commits every one of them, nothing quarantined", () => {
    const [report] = reports;
    expect(report.table).toBe("sparkify_events");
    expect(report.partitions_processed).toBe(3);
    expect({ landed: report.landed, committed: report.committed, rows: report.rows, quarantined: report.quarantined }).toEqual({
      landed: OPTIONS.events,
      committed: OPTIONS.events,
      rows: OPTIONS.events,
      quarantined: 0,
    });
  });

  it("duckdbEventsToParquet writes silver's rows and columns from the landed files", async () => {
    const landed = await landedEventFiles(written.days);
    expect(landed).toHaveLength(3);
    const out = path.join(stack.dir, "duckdb-events");
    const seconds = await duckdbEventsToParquet(landed, out, { keep: true });
    expect(seconds).toBeGreaterThan(0);
    const parquet = sqlString(path.join(out, "sparkify_events.parquet"));
    const columns = await duckdbRows(`select column_name from (describe select * from read_parquet(${parquet}))`);
    expect(columns.map((c) => c.column_name)).toEqual(silverTable("sparkify_events").columns.map((c) => c.name));

    const silver = openSilverCatalog(stack.env);
    const table = await silver.catalog.loadTable("sparkify_events");
    const key = (r: Record<string, unknown>) => `${r.source_file}|${r.line_number}|${r.ts}|${r.user_id}|${r.level}|${r.song}|${r.length}`;
    const silverKeys: string[] = [];
    for await (const row of readRows(silver.storage, table!.metadata)) silverKeys.push(key(row));
    const duckKeys = (await duckdbRows(`select source_file, line_number, ts, user_id, level, song, length from read_parquet(${parquet})`)).map(key);
    expect(duckKeys).toHaveLength(reports[0].committed);
    expect(duckKeys.sort()).toEqual(silverKeys.sort());
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("quarantines exactly the deliberately bad lines asked for", async () => {
    const bad = path.join(stack.dir, "sparkify-bad");
    const summary = await writeSparkifyFolder(bad, { events: 2_000, days: 2, firstDay: "2018-12-01", songs: 20, badLines: 5 });
    const report = await landAndSilver(bad, summary.days);
    expect({ processed: report.partitions_processed, landed: report.landed, committed: report.committed, quarantined: report.quarantined }).toEqual({
      processed: 2,
      landed: 2_000,
      committed: 1_995,
      quarantined: 5,
    });
  });
});
