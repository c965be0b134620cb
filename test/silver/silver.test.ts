/**
 * The silver stage end to end on a small landed fixture (landing's own stager; real Sparkify files):
 * all six tables committed and read back (iceberg reader, DuckDB on the data files), quarantine with
 * file/line/field/reason, reconciliation per partition, no-op rerun, partition replacement, vacuum.
 */
import * as fs from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../scripts/core/log.ts";
import { LakehouseError } from "../../scripts/core/errors.ts";
import { readRows, snapshotFiles, currentSnapshot, type LoadedTable } from "../../scripts/iceberg/index.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import type { EntityName } from "../../scripts/land/layout.ts";
import { partitionStates } from "../../scripts/silver/bookkeeping.ts";
import { openSilverCatalog, type SilverCatalog } from "../../scripts/silver/catalog.ts";
import { runSilver, type TableReport } from "../../scripts/silver/run.ts";
import { silverStatus } from "../../scripts/silver/status.ts";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";
import { formatDate, formatTimestamp } from "../../scripts/silver/values.ts";
import { vacuumSilver } from "../../scripts/silver/vacuum.ts";
import { entitiesOf } from "../../scripts/cli/commands/silver.ts";
import { trackIdOf } from "../../scripts/silver/entities/sparkify-songs.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { apiBody, CATALOG_SONG, ITEM, jsonl, land, SESSION, sparkifyLog, sparkifySongFiles, USER } from "./fixtures.ts";

const log = createLogger({ quiet: true });
const D1 = "2018-11-01";
const D2 = "2018-11-02";
const D3 = "2018-11-03";

let stack: TestStack;
let silver: SilverCatalog;
let first: TableReport[];

const TRACKS = ["TRAAAAW128F429D538", "TRAAABD128F429CF47", "TRAAADZ128F9348C2E", "TRAAAEF128F4273421"];

function sessionsDay1(): unknown[] {
  const sessions = Array.from({ length: 10 }, (_, i) => SESSION(i, TRACKS.slice(0, (i % 3) + 1).map((t) => ITEM(t))));
  // Session 10: its second item has a negative price → the whole session is quarantined.
  sessions.push(SESSION(10, [ITEM(TRACKS[0]), ITEM(TRACKS[1], { price: -1 })]));
  // The API may send a session twice: both are kept (silver does not dedupe; staging does).
  sessions.push(sessions[0]);
  return sessions;
}

async function landAll(): Promise<void> {
  const storage = silver.storage;
  const songs = TRACKS.concat(["TRAAAFD128F92F423A", "TRAAAMO128F1481E7F"]).map((t) => CATALOG_SONG(t));
  await land(storage, "catalog/songs", D2, [
    { body: jsonl([...songs.slice(0, 3), CATALOG_SONG("TRAAAMQ128F1460CD3", { track_id: null })]) },
    { body: jsonl([...songs.slice(3), "{not json"]) },
  ]);
  await land(storage, "api/users", D1, [apiBody([USER(0), USER(1), USER(2), USER(3, { user_since: "yesterday" }), USER(4)])]);
  await land(storage, "api/users", D2, [apiBody([USER(5), USER(6, { user_location: [1, 2, "Paris", "FRA", "Europe/Paris"] })])]);
  await land(storage, "api/sessions", D1, [apiBody(sessionsDay1())]);
  await land(storage, "api/sessions", D2, [apiBody([SESSION(20, [ITEM(TRACKS[2])]), SESSION(21, [])])]);
  await land(storage, "sparkify/songs", D2, sparkifySongFiles(25));
  await land(storage, "sparkify/events", D1, [{ body: sparkifyLog(D1) }]);
  await land(storage, "sparkify/events", D2, [{ body: sparkifyLog(D2) }]);
  const lines = sparkifyLog(D3).split("\n").slice(0, 3);
  const bad = JSON.parse(lines[1]);
  bad.ts = "soon";
  await land(storage, "sparkify/events", D3, [{ body: [lines[0], JSON.stringify(bad), lines[2]].join("\n") }]);
}

async function table(name: string): Promise<LoadedTable> {
  const loaded = await silver.catalog.loadTable(name);
  if (!loaded) throw new Error(`no table ${name}`);
  return loaded;
}

async function rowsOf(name: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const row of readRows(silver.storage, (await table(name)).metadata)) out.push(row);
  return out;
}

async function quarantineLines(entity: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const object of await silver.storage.list(`quarantine/${entity}/`)) {
    for (const line of (await silver.storage.get(object.key)).toString("utf8").split("\n")) if (line) out.push(JSON.parse(line));
  }
  return out;
}

const metadataLocations = async () => Object.fromEntries(await Promise.all(SILVER_TABLES.map(async (t) => [t.name, (await table(t.name)).metadataLocation])));

beforeAll(async () => {
  stack = await testEnvironment();
  silver = openSilverCatalog(stack.env);
  await landAll();
  first = await runSilver(stack.env, { log });
});

afterAll(async () => {
  await stack?.stop();
});

describe("lakehouse silver on a landed fixture", () => {
  it("commits all six tables, one snapshot each, reporting partitions, rows and quarantined records", async () => {
    expect(first.map((r) => r.table).sort()).toEqual(SILVER_TABLES.map((t) => t.name).sort());
    for (const report of first) {
      expect(report.snapshot_id, report.table).not.toBeNull();
      expect((await table(report.table)).metadata.snapshots).toHaveLength(1);
      expect(report.partitions_skipped).toBe(0);
    }
    const by = Object.fromEntries(first.map((r) => [r.table, r]));
    expect(by.songs).toMatchObject({ partitions_processed: 1, rows: 6, landed: 8, committed: 6, quarantined: 2 });
    expect(by.users).toMatchObject({ partitions_processed: 2, rows: 5, landed: 7, quarantined: 2 });
    expect(by.sessions).toMatchObject({ partitions_processed: 2, rows: 13, landed: 14, committed: 13, quarantined: 1 });
    expect(by.session_items).toMatchObject({ partitions_processed: 2, landed: 14, committed: 13, quarantined: 1 });
    expect(by.sparkify_songs).toMatchObject({ partitions_processed: 1, rows: 25, quarantined: 0 });
    expect(by.sparkify_events).toMatchObject({ partitions_processed: 3, quarantined: 1 });
  });

  it("reads every table back with the iceberg reader, typed as tables.ts declares", async () => {
    const songs = await rowsOf("songs");
    expect(songs.map((r) => r.track_id).sort()).toEqual([...TRACKS, "TRAAAFD128F92F423A", "TRAAAMO128F1481E7F"].sort());
    expect(songs[0]).toMatchObject({ ingest_on: 17837, year: 2001 });
    expect(String(songs[0].source_file)).toMatch(/^landing\/catalog\/songs\/ingest_on=2018-11-02\/part-0000[01]\.jsonl$/);

    const users = await rowsOf("users");
    expect(users.find((u) => u.user_name === "Name0")).toMatchObject({ user_place: "Paris", user_country_code: "FR", user_timezone: "Europe/Paris", user_latitude: 48.85 });
    expect(formatTimestamp(users.find((u) => u.user_name === "Name0")!.user_since as bigint)).toBe("2018-10-01T08:00:00.123456Z");

    const items = await rowsOf("session_items");
    const sessions = await rowsOf("sessions");
    // Items belong to committed sessions only, and add up to the sessions' item counts.
    const counts = sessions.reduce((n, s) => n + (s.item_count as number), 0);
    expect(items).toHaveLength(counts);
    expect(items.some((i) => String(i.session_id).endsWith("000000000010"))).toBe(false);
    expect(items.filter((i) => i.session_id === sessions.find((s) => String(s.session_id).endsWith("000000000002"))!.session_id).map((i) => i.item_number)).toEqual([1, 2, 3]);
    expect(sessions.find((s) => String(s.session_id).endsWith("000000000021"))!.item_count).toBe(0);

    const songsFromFiles = await rowsOf("sparkify_songs");
    expect(songsFromFiles.every((s) => /^TR[A-Z0-9]{16}$/.test(String(s.track_id)))).toBe(true);
    expect(songsFromFiles.map((s) => s.track_id).sort()).toEqual(sparkifySongFiles(25).map((f) => trackIdOf(f.original!)).sort());
  });

  it("sparkify_events from a real log file: lines = rows + quarantined, text repaired, userId '' → null", async () => {
    const events = await rowsOf("sparkify_events");
    for (const day of [D1, D2]) {
      const lines = sparkifyLog(day).split("\n").filter((l) => l.trim() !== "");
      const rows = events.filter((e) => formatDate(e.ingest_on as number) === day);
      expect(rows).toHaveLength(lines.length);
      expect(rows.map((r) => r.line_number).sort((a, b) => (a as number) - (b as number))).toEqual(lines.map((_, i) => i + 1));
      const loggedOut = lines.filter((l) => JSON.parse(l).userId === "").length;
      expect(rows.filter((r) => r.user_id === null)).toHaveLength(loggedOut);
    }
    const calle = events.find((e) => String(e.artist).startsWith("Calle 13"));
    expect(calle).toMatchObject({ artist: "Calle 13 Featuring Café Tacuba", song: "No Hay Nadie Como Tú", line_number: 52, ingest_on: 17837 });
    expect(events.some((e) => /Ã[\u0080-\u00bf]/.test(`${e.artist}${e.song}${e.location}`))).toBe(false);
    const first = JSON.parse(sparkifyLog(D1).split("\n")[0]);
    const row = events.find((e) => e.line_number === 1 && e.ingest_on === 17836)!;
    expect(row.ts).toBe(BigInt(first.ts));
    expect(row.event_at).toBe(BigInt(first.ts) * 1000n);
    expect(row.registration_at).toBe(BigInt(Math.round(first.registration * 1000)));
  });

  it("DuckDB reads the data files with the same rows (read_parquet)", async () => {
    const files = await snapshotFiles(silver.storage, (await table("sparkify_events")).metadata);
    const paths = files.map((f) => silver.storage.localPath(f.key)!);
    expect(paths.length).toBeGreaterThanOrEqual(3);
    const duck = await (await DuckDBInstance.create()).connect();
    const list = `[${paths.map((p) => `'${p}'`).join(",")}]`;
    const result = await duck.runAndReadAll(
      `select count(*)::int as n, count(user_id)::int as with_user, min(event_at)::varchar as first_at, max(ingest_on)::varchar as last_day,
              max(case when artist like 'Calle 13%' then artist end) as calle
       from read_parquet(${list})`,
    );
    const [row] = result.getRowObjectsJson();
    const events = await rowsOf("sparkify_events");
    expect(row.n).toBe(events.length);
    expect(row.with_user).toBe(events.filter((e) => e.user_id !== null).length);
    expect(row.calle).toBe("Calle 13 Featuring Café Tacuba");
    expect(row.last_day).toBe(D3);
    const minTs = events.reduce((m, e) => ((e.event_at as bigint) < m ? (e.event_at as bigint) : m), BigInt(Number.MAX_SAFE_INTEGER) * 1000n);
    expect(String(row.first_at)).toBe(formatTimestamp(minTs).replace("T", " ").replace(/\.?0*Z$/, ""));
    duck.closeSync();
  });

  it("quarantines with file, line/record, field and reason; nothing is dropped", async () => {
    const songs = await quarantineLines("catalog/songs");
    expect(songs.map((q) => [q.file, q.line, q.field])).toEqual([
      ["landing/catalog/songs/ingest_on=2018-11-02/part-00000.jsonl", 4, "track_id"],
      ["landing/catalog/songs/ingest_on=2018-11-02/part-00001.jsonl", 4, "(record)"],
    ]);
    expect(songs[0].reason).toBe("required field is null");
    expect(songs[1].reason).toMatch(/^invalid JSON/);
    expect(songs[1].raw_text).toBe("{not json");

    const users = await quarantineLines("api/users");
    expect(users.map((q) => [q.ingest_on, q.record, q.field])).toEqual([
      [D1, 4, "user_since"],
      [D2, 2, "user_location[3]"],
    ]);
    expect((users[0].raw as { user_name: string }).user_name).toBe("Name3");

    const sessions = await quarantineLines("api/sessions");
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ file: "landing/api/sessions/ingest_on=2018-11-01/part-00000.json", record: 11, line: null, field: "session_items[1].price", reason: "negative price: -1" });

    const events = await quarantineLines("sparkify/events");
    expect(events).toMatchObject([{ ingest_on: D3, line: 2, field: "ts", reason: 'unparsable timestamp: not epoch milliseconds: "soon"' }]);
  });

  it("reconciles per partition: landed (manifest rows) = committed + quarantined, recorded in the snapshot summary", async () => {
    for (const t of SILVER_TABLES) {
      const loaded = await table(t.name);
      const partitions = await listPartitions(silver.storage, t.landed as EntityName);
      const states = partitionStates(loaded.metadata);
      expect(states.map((s) => s.ingestOn)).toEqual(partitions.map((p) => p.ingestOn));
      const summary = currentSnapshot(loaded.metadata)!.summary;
      const rows = await rowsOf(t.name);
      for (const [i, state] of states.entries()) {
        const manifest = partitions[i].manifest;
        expect(state.landed, `${t.name} ${state.ingestOn}`).toBe(manifest.rows);
        expect(state.committed + state.quarantined).toBe(state.landed);
        expect(state.sha256).toBe(manifest.content_sha256);
        expect(rows.filter((r) => formatDate(r.ingest_on as number) === state.ingestOn)).toHaveLength(state.rows);
        if (t.name !== "session_items") expect(state.rows).toBe(state.committed);
        const key = `deftunes.partition.${state.ingestOn}.`;
        expect(summary[`${key}landed-sha256`]).toBe(manifest.content_sha256);
        expect(Number(summary[`${key}landed-rows`])).toBe(state.landed);
        expect(Number(summary[`${key}committed-rows`])).toBe(state.committed);
        expect(Number(summary[`${key}quarantined-rows`])).toBe(state.quarantined);
        if (state.quarantined > 0) {
          const text = (await silver.storage.get(state.quarantineFile!)).toString("utf8");
          expect(text.trim().split("\n")).toHaveLength(state.quarantined);
        } else expect(state.quarantineFile).toBeNull();
      }
    }
  });

  it("status reports snapshot_id, rows, quarantined and files per table", async () => {
    const status = await silverStatus(stack.env);
    expect(Object.keys(status).sort()).toEqual(SILVER_TABLES.map((t) => t.name).sort());
    for (const t of SILVER_TABLES) {
      const loaded = await table(t.name);
      expect(Object.keys(status[t.name])).toEqual(["snapshot_id", "rows", "quarantined", "files"]);
      expect(status[t.name].snapshot_id).toBe(String(loaded.metadata["current-snapshot-id"]));
      expect(status[t.name].rows).toBe((await rowsOf(t.name)).length);
      expect(status[t.name].files).toBe((await snapshotFiles(silver.storage, loaded.metadata)).length);
    }
    expect(status.songs.quarantined).toBe(2);
    expect(status.sessions.quarantined).toBe(1);
  });

  it("an unchanged rerun makes no new snapshot and reads no data", async () => {
    const before = await metadataLocations();
    const started = performance.now();
    const again = await runSilver(stack.env, { log });
    const ms = performance.now() - started;
    expect(again.every((r) => r.snapshot_id === null && r.partitions_processed === 0 && r.rows === 0)).toBe(true);
    expect(again.find((r) => r.table === "sparkify_events")!.partitions_skipped).toBe(3);
    expect(await metadataLocations()).toEqual(before);
    expect(ms).toBeLessThan(2000);
  });

  it("a re-landed partition replaces that partition's rows in one snapshot (no duplicates), others untouched", async () => {
    const before = await metadataLocations();
    const d2Items = (await rowsOf("session_items")).filter((r) => r.ingest_on === 17837);
    // Day 1 is landed again with different content: session 10 fixed, session 0 no longer duplicated.
    const changed = sessionsDay1().slice(0, 11);
    (changed[10] as { session_items: unknown[] }).session_items = [ITEM(TRACKS[0])];
    await land(silver.storage, "api/sessions", D1, [apiBody(changed)]);
    const reports = await runSilver(stack.env, { log, entities: ["api/sessions"] });
    for (const r of reports) expect(r).toMatchObject({ partitions_processed: 1, partitions_skipped: 1, quarantined: 0 });
    const sessions = await rowsOf("sessions");
    const day1 = sessions.filter((s) => s.ingest_on === 17836);
    expect(day1).toHaveLength(11);
    expect(new Set(day1.map((s) => s.session_id)).size).toBe(11);
    const items = await rowsOf("session_items");
    const keys = items.map((i) => `${i.ingest_on}/${i.session_id}/${i.item_number}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(items.filter((r) => r.ingest_on === 17837)).toEqual(d2Items);
    expect(items.filter((r) => r.ingest_on === 17836)).toHaveLength(changed.reduce<number>((n, s) => n + (s as { session_items: unknown[] }).session_items.length, 0));
    // One new snapshot for each of the two tables; every other table untouched.
    const after = await metadataLocations();
    for (const t of SILVER_TABLES) {
      if (t.name === "sessions" || t.name === "session_items") {
        expect(after[t.name]).not.toBe(before[t.name]);
        expect((await table(t.name)).metadata.snapshots).toHaveLength(2);
      } else expect(after[t.name]).toBe(before[t.name]);
    }
    // The partition's old quarantine file is gone with its rows; bookkeeping says 0 quarantined.
    expect(await quarantineLines("api/sessions")).toEqual([]);
    expect((await silverStatus(stack.env)).sessions.quarantined).toBe(0);
  });

  it("--full-refresh re-processes every partition in one snapshot per table, with the same rows", async () => {
    const before = (await rowsOf("users")).map((r) => `${r.user_id}/${r.ingest_on}`).sort();
    const reports = await runSilver(stack.env, { log, entities: ["api/users"], fullRefresh: true });
    expect(reports[0]).toMatchObject({ table: "users", partitions_processed: 2, partitions_skipped: 0, quarantined: 2 });
    expect((await rowsOf("users")).map((r) => `${r.user_id}/${r.ingest_on}`).sort()).toEqual(before);
    expect((await table("users")).metadata.snapshots).toHaveLength(2);
    expect(await quarantineLines("api/users")).toHaveLength(2);
  });

  it("a landed file that changed after landing fails the run with the file named, and commits nothing", async () => {
    const [partition] = await listPartitions(silver.storage, "sparkify/events");
    // A new landing of D1 (so silver wants it), whose file is then altered behind the manifest's back.
    await land(silver.storage, "sparkify/events", D1, [{ body: `${sparkifyLog(D1)}\n` }]);
    const file = (await listPartitions(silver.storage, "sparkify/events"))[0].manifest.files[0];
    await silver.storage.put(file.key, sparkifyLog(D1).replace("Walter", "Walther"));
    const before = (await table("sparkify_events")).metadataLocation;
    const dataBefore = (await silver.storage.list("warehouse/silver/sparkify_events/data/")).map((o) => o.key);
    const error = await runSilver(stack.env, { log, entities: ["sparkify/events"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakehouseError);
    expect((error as LakehouseError).oneLine()).toMatch(/landed file changed after landing/);
    expect((error as LakehouseError).context.file).toBe(file.key);
    expect((await table("sparkify_events")).metadataLocation).toBe(before);
    expect((await silver.storage.list("warehouse/silver/sparkify_events/data/")).map((o) => o.key)).toEqual(dataBefore);
    // Put the partition back as it was.
    await land(silver.storage, "sparkify/events", D1, [{ body: sparkifyLog(D1) }]);
    expect((await listPartitions(silver.storage, "sparkify/events"))[0].manifest.content_sha256).toBe(partition.manifest.content_sha256);
    const rerun = await runSilver(stack.env, { log, entities: ["sparkify/events"] });
    expect(rerun[0].snapshot_id).toBeNull();
  });

  it("--vacuum removes orphan table files and orphan quarantine files, and keeps everything live", async () => {
    const orphanData = "warehouse/silver/songs/data/ingest_on=2018-11-02/orphan-from-a-crash.parquet";
    const orphanQuarantine = "quarantine/catalog/songs/ingest_on=2018-11-02/part-crashed-run.jsonl";
    await silver.storage.put(orphanData, "x");
    await silver.storage.put(orphanQuarantine, "{}\n");
    const rowsBefore = (await rowsOf("songs")).length;
    const report = await vacuumSilver(silver, ["catalog/songs", "api/users"], log);
    expect(report.table_files_deleted.songs).toBeGreaterThanOrEqual(1);
    expect(report.quarantine_files_deleted).toBe(1);
    expect(await silver.storage.exists(orphanData)).toBe(false);
    expect(await silver.storage.exists(orphanQuarantine)).toBe(false);
    expect(await rowsOf("songs")).toHaveLength(rowsBefore);
    expect(await quarantineLines("catalog/songs")).toHaveLength(2);
    expect(await quarantineLines("api/users")).toHaveLength(2);
  });
});

describe("--full-refresh after a landed partition was removed", () => {
  it("drops the silver partition, its bookkeeping and its quarantine file", async () => {
    const states = partitionStates((await table("sparkify_events")).metadata);
    const d3 = states.find((s) => s.ingestOn === D3)!;
    expect(d3.quarantineFile).not.toBeNull();
    await silver.storage.deletePrefix(`landing/sparkify/events/ingest_on=${D3}/`);
    // An incremental run leaves silver as it is (landing deletions are not guessed)...
    expect((await runSilver(stack.env, { log, entities: ["sparkify/events"] }))[0].snapshot_id).toBeNull();
    // ...a full refresh makes silver match landing.
    const [report] = await runSilver(stack.env, { log, entities: ["sparkify/events"], fullRefresh: true });
    expect(report).toMatchObject({ partitions_processed: 2, partitions_dropped: 1 });
    expect((await rowsOf("sparkify_events")).some((r) => r.ingest_on === 17838)).toBe(false);
    expect(partitionStates((await table("sparkify_events")).metadata).map((s) => s.ingestOn)).toEqual([D1, D2]);
    expect(await silver.storage.exists(d3.quarantineFile!)).toBe(false);
    expect((await silverStatus(stack.env)).sparkify_events.quarantined).toBe(0);
  });
});

describe("--entity", () => {
  it("accepts source/entity, a table name or a source", () => {
    expect(entitiesOf(undefined)).toHaveLength(5);
    expect(entitiesOf(["session_items"])).toEqual(["api/sessions"]);
    expect(entitiesOf(["sparkify", "catalog/songs"])).toEqual(["catalog/songs", "sparkify/songs", "sparkify/events"]);
    expect(() => entitiesOf(["nope"])).toThrow(/unknown entity/);
  });
});

it("leaves no staging or temporary files behind", () => {
  const root = stack.env.storage.type === "local" ? stack.env.resolvePath(stack.env.storage.root) : "";
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
  expect(walk(root).filter((f) => /\.tmp-/.test(f))).toEqual([]);
});
