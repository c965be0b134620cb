/**
 * sales_per_artist and sales_per_country recomputed independently with DuckDB straight from the landed
 * raw JSON (no silver, no PostgreSQL, no Dataform), compared row for row with the warehouse after the real
 * pipeline: landed partitions (landing's own stager and manifests) → lakehouse silver → lakehouse mount →
 * Dataform. The API data comes from the purchase API simulator's generator over a catalog built from the
 * Sparkify song files, with a session sent twice in a day, one delivered again on a later day, users who
 * move, and a catalog landed twice with a changed artist spelling.
 *
 * The business rules, restated for DuckDB:
 * - a session counts once: its latest delivery day (any copy of that day); price as received, 2 decimals;
 * - the artist of an item is the catalog's (latest landed version of the track), named by the spelling
 *   most of the artist's tracks use (ties: alphabetically first); unknown track: '(unknown artist)';
 * - the country of a sale is the user's as of the session start: the latest users record received on or
 *   before the session's day (the first record counts from the sign-up); none: 'unknown'.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { connect } from "../../scripts/stack/db.ts";
import { createLogger } from "../../scripts/core/log.ts";
import { writeCredentials } from "../../scripts/dataform/credentials.ts";
import { dataform } from "../../scripts/dataform/runner.ts";
import { mountSilver } from "../../scripts/mount/mount.ts";
import { icebergSource } from "../../scripts/mount/iceberg-source.ts";
import { runSilver } from "../../scripts/silver/run.ts";
import { PartitionStager } from "../../scripts/land/stager.ts";
import type { EntityName } from "../../scripts/land/layout.ts";
import type { Manifest } from "../../scripts/land/manifest.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import type { Storage } from "../../scripts/storage/types.ts";
import { sessionsOn, usersOn, type GeneratorConfig, type Track } from "../../scripts/api/generate.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { GOLD_ACTIONS } from "./harness.ts";

const DAYS = ["2018-11-01", "2018-11-02", "2018-11-03", "2018-11-04"];
const CONFIG: GeneratorConfig = { seed: 20181101, usersPerDay: 8, sessionsPerDay: 25, maxItemsPerSession: 4, epoch: DAYS[0] };

interface SongFile { artist_id: string; artist_name: string; song_id: string; title: string; duration: number; year: number }

/** The catalog: the first song files of the sample data, track id = file name; AR… of the first track shared by the next two. */
function catalogRows(version: 1 | 2): Record<string, unknown>[] {
  const root = fromRoot("..", "shared", "data", "sparkify", "song_data");
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const files = walk(root).sort().slice(0, 40);
  const rows = files.map((file) => {
    const song = JSON.parse(fs.readFileSync(file, "utf8")) as SongFile;
    return {
      track_id: path.basename(file, ".json"), title: song.title, song_id: song.song_id, release: null, artist_id: song.artist_id, artist_mbid: null,
      artist_name: song.artist_name, duration: song.duration, artist_familiarity: null, artist_hotttnesss: null, year: song.year || null,
      track_7digitalid: null, shs_perf: null, shs_work: null,
    };
  });
  // one artist with three tracks and two spellings; version 1 of the catalog spelled it differently
  rows[1].artist_id = rows[0].artist_id;
  rows[2].artist_id = rows[0].artist_id;
  rows[1].artist_name = `${rows[0].artist_name} & Co`;
  rows[2].artist_name = rows[0].artist_name;
  if (version === 1) rows[0].artist_name = `${rows[0].artist_name} & Co`;
  return rows;
}

async function land(storage: Storage, entity: EntityName, day: string, body: string, rows: number): Promise<Manifest> {
  const stager = new PartitionStager(storage, entity, day, entity === "catalog/songs" ? "jsonl" : "json");
  await stager.addFile(body, { rows });
  return stager.publish({ source: entity.split("/")[0], format: entity === "catalog/songs" ? "jsonl" : "json", origin: { kind: "files", root: "test" }, window: { start_date: day, end_date: day }, startedAt: new Date() });
}

let stack: TestStack;
let client: pg.Client;
let bucket: string;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  const env = stack.env;
  const storage = openStorage(env);
  bucket = env.resolvePath((env.storage as { root: string }).root);

  // catalog landed on the first day and (changed) on the last
  const catalogV1 = catalogRows(1);
  const catalogV2 = catalogRows(2);
  await land(storage, "catalog/songs", DAYS[0], catalogV1.map((r) => JSON.stringify(r)).join("\n") + "\n", catalogV1.length);
  await land(storage, "catalog/songs", DAYS[3], catalogV2.map((r) => JSON.stringify(r)).join("\n") + "\n", catalogV2.length);
  const tracks: Track[] = catalogV2.map((r) => ({ track_id: r.track_id as string, title: r.title as string, artist_id: r.artist_id as string, artist_name: r.artist_name as string }));
  tracks.push({ track_id: "TRZZZZZ12345678901", title: "Not in the catalog", artist_id: "ARZZZZZ12345678901", artist_name: "Nobody" });

  let previous: ReturnType<typeof sessionsOn> = [];
  for (const [i, day] of DAYS.entries()) {
    const users = usersOn(CONFIG, day);
    const sessions = sessionsOn(CONFIG, tracks, day);
    if (i === 1) sessions.push(sessions[3]); // sent twice in one response
    if (i === 2) sessions.push(previous[5]); // delivered again a day later
    previous = sessions;
    await land(storage, "api/users", day, JSON.stringify(users, null, 1), users.length);
    await land(storage, "api/sessions", day, JSON.stringify(sessions, null, 1), sessions.length);
  }

  const log = createLogger({ quiet: true });
  await runSilver(env, { log, entities: ["catalog/songs", "api/users", "api/sessions"], workers: 1 });
  client = await connect(env, "warehouse");
  // the Sparkify tables are not part of this fixture: mounted empty so that only DeFtunes models matter
  await mountSilver(client, icebergSource(env), { tables: ["songs", "users", "sessions", "session_items"] });
  writeCredentials(env);
  const run = await dataform(env, ["run", ...GOLD_ACTIONS.flatMap((a) => ["--actions", a]), "--timeout", "300s"], { withCredentials: true });
  if (run.code !== 0) throw new Error(`dataform run failed:\n${run.stdout}\n${run.stderr}`);
}, 600_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await stack?.stop();
});

async function duckdb<T>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const glob = (entity: string) => `'${path.join(bucket, "landing", entity, "ingest_on=*", "part-*")}'`;
    await connection.run(`create view catalog as select * from read_json(${glob("catalog/songs")}, format = 'newline_delimited', hive_partitioning = true,
      columns = {track_id: 'varchar', artist_id: 'varchar', artist_name: 'varchar'})`);
    await connection.run(`create view users as select * from read_json(${glob("api/users")}, format = 'array', hive_partitioning = true,
      columns = {user_id: 'varchar', user_location: 'varchar[]', user_since: 'timestamp'})`);
    await connection.run(`create view sessions as select * from read_json(${glob("api/sessions")}, format = 'array', hive_partitioning = true,
      columns = {session_id: 'varchar', user_id: 'varchar', session_start_time: 'timestamp',
                 session_items: 'struct(song_id varchar, artist_id varchar, price decimal(12, 2))[]'})`);
    await connection.run(`create view sales as
      with deliveries as (
        select *, row_number() over (partition by session_id order by cast(ingest_on as date) desc) as pick from sessions
      ),
      kept as (select * from deliveries where pick = 1),
      items as (select session_id, user_id, session_start_time, unnest(session_items) as item from kept),
      latest_tracks as (
        select track_id, artist_id, trim(artist_name) as artist_name from catalog
        qualify row_number() over (partition by track_id order by cast(ingest_on as date) desc) = 1
      ),
      spellings as (
        select artist_id, artist_name, count(*) as n from latest_tracks where artist_name is not null group by all
      ),
      canonical as (
        select artist_id, artist_name from spellings
        qualify row_number() over (partition by artist_id order by n desc, artist_name) = 1
      ),
      user_versions as (
        select user_id, user_location[4] as country,
               case when cast(ingest_on as date) = min(cast(ingest_on as date)) over (partition by user_id)
                    then least(user_since, cast(cast(ingest_on as date) as timestamp))
                    else cast(cast(ingest_on as date) as timestamp) end as valid_from
        from users
      )
      select year(i.session_start_time) as year, month(i.session_start_time) as month,
             coalesce(t.artist_id, i.item.artist_id) as artist_id,
             coalesce(c.artist_name, '(unknown artist)') as artist,
             coalesce(u.country, 'unknown') as country,
             i.item.price as price
      from items i
      left join latest_tracks t on t.track_id = i.item.song_id
      left join canonical c on c.artist_id = t.artist_id
      asof left join user_versions u on u.user_id = i.user_id and i.session_start_time >= u.valid_from`);
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as unknown as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const money = (v: unknown) => Number(v).toFixed(2);

describe("sales recomputed with DuckDB from the landed JSON", () => {
  it("sales_per_artist matches row for row", async () => {
    const expected = await duckdb<{ year: number; artist_id: string; artist: string; total: string }>(
      `select year, artist_id, artist, sum(price) as total from sales group by all order by year, artist, artist_id`,
    );
    const actual = (await client.query(`select year, artist_id, artist, total from gold.sales_per_artist order by year, artist, artist_id`)).rows;
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.some((r) => r.artist === "(unknown artist)")).toBe(true);
    expect(actual.map((r) => [r.year, r.artist_id, r.artist, money(r.total)])).toEqual(expected.map((r) => [Number(r.year), r.artist_id, r.artist, money(r.total)]));
  });

  it("sales_per_country matches row for row", async () => {
    const expected = await duckdb<{ month: number; year: number; country: string; total: string }>(
      `select month, year, country, sum(price) as total from sales group by all order by year, month, country`,
    );
    const actual = (await client.query(`select month, year, country, total from gold.sales_per_country order by year, month, country`)).rows;
    expect(expected.length).toBeGreaterThan(3);
    expect(actual.map((r) => [r.month, r.year, r.country, money(r.total)])).toEqual(expected.map((r) => [Number(r.month), Number(r.year), r.country, money(r.total)]));
  });

  it("the fixture exercises the rules: a session counted once despite three copies, a renamed artist, users who moved", async () => {
    const [copies] = await duckdb<{ sessions: number; distinct_sessions: number }>(`select count(*) as sessions, count(distinct session_id) as distinct_sessions from sessions`);
    expect(Number(copies.sessions)).toBe(Number(copies.distinct_sessions) + 2);
    const facts = (await client.query(`select count(distinct session_id)::int as n from gold.fct_session_items`)).rows[0].n;
    expect(facts).toBe(Number(copies.distinct_sessions));
    const moved = (await client.query(`select count(*)::int as n from gold.dim_users where not is_current`)).rows[0].n;
    expect(moved).toBeGreaterThan(0);
    const names = (await client.query(`select name_variants from gold.dim_artists where name_variants > 1`)).rows;
    expect(names).toEqual([{ name_variants: 2 }]);
  });
});
