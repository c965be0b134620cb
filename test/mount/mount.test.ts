/**
 * lakehouse mount against a real embedded PostgreSQL: from a test double of the reader (memory rows) and
 * from real Iceberg tables written with the project's Iceberg library and read back by icebergSource.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { connect } from "../../scripts/stack/db.ts";
import { mountSilver } from "../../scripts/mount/mount.ts";
import type { MountSource, SilverRow } from "../../scripts/mount/source.ts";
import { icebergSource } from "../../scripts/mount/iceberg-source.ts";
import { SILVER_ROOT } from "../../scripts/silver/catalog.ts";
import { SILVER_TABLES, SQL_TYPES, silverTable } from "../../scripts/silver/tables.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { appendFiles, createTable, DataFileWriter, DirectoryCatalog, replacePartitions } from "../../scripts/iceberg/index.ts";
import { awkwardRows } from "./awkward-values.ts";

let stack: TestStack;
let client: pg.Client;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  client = await connect(stack.env, "warehouse");
});

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await stack?.stop();
});

/** A reader double: fixed rows and snapshot ids per table; `fail` makes a table's read throw after its first batch. */
function source(tables: Record<string, { id: string | null; rows: SilverRow[]; fail?: boolean }>): MountSource {
  return {
    describe: () => "test double",
    async snapshot(table) {
      const t = tables[table.name];
      if (!t) return null;
      return {
        snapshotId: t.id,
        rowCount: t.rows.length,
        async *batches() {
          for (let i = 0; i < t.rows.length; i += 2) {
            if (t.fail && i > 0) throw new Error("storage went away");
            yield t.rows.slice(i, i + 2);
          }
        },
      };
    },
  };
}

const user = (id: string, place: string, day = "2018-11-01"): SilverRow => ({
  user_id: id,
  user_name: "Ann",
  user_lastname: "Lee",
  user_latitude: 48.8566,
  user_longitude: 2.3522,
  user_place: place,
  user_country_code: "FR",
  user_timezone: "Europe/Paris",
  user_since: 1541059200123456n,
  ingest_on: day,
  source_file: "landing/api/users/x",
  processed_at: 1541116800000001n,
});

const empty = Object.fromEntries(SILVER_TABLES.map((t) => [t.name, { id: "s0", rows: [] as SilverRow[] }]));

async function count(table: string): Promise<number> {
  return Number((await client.query(`select count(*) as n from silver.${table}`)).rows[0].n);
}

describe("mount from a reader double", () => {
  it("creates the six tables with the contract's columns and types, and records the snapshots", async () => {
    const results = await mountSilver(client, source({ ...empty, users: { id: "s1", rows: [user("u1", "Paris"), user("u2", "Lyon"), user("u3", "Nice")] } }));
    expect(results.map((r) => [r.table, r.action, r.rows])).toEqual(SILVER_TABLES.map((t) => [t.name, "mounted", t.name === "users" ? 3 : 0]));
    for (const table of SILVER_TABLES) {
      const columns = await client.query<{ column_name: string; type: string }>(
        `select a.attname as column_name, format_type(a.atttypid, null) as type from pg_attribute a
          where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
        [`silver.${table.name}`],
      );
      const expected: string[][] = [];
      for (const c of table.columns) expected.push([c.name, (await client.query(`select format_type($1::regtype, null) as t`, [SQL_TYPES[c.type]])).rows[0].t]);
      expect(columns.rows.map((r) => [r.column_name, r.type])).toEqual(expected);
    }
    const row = (await client.query(`select user_since::text as since, processed_at::text as processed, ingest_on::text as day, user_latitude from silver.users where user_id = 'u1'`)).rows[0];
    expect(row).toEqual({ since: "2018-11-01 08:00:00.123456", processed: "2018-11-02 00:00:00.000001", day: "2018-11-01", user_latitude: 48.8566 });
    const mounts = await client.query(`select table_name, snapshot_id, row_count from silver._mounts order by table_name`);
    expect(mounts.rows.find((r) => r.table_name === "users")).toMatchObject({ snapshot_id: "s1", row_count: "3" });
  });

  it("skips a table whose snapshot is already mounted", async () => {
    const results = await mountSilver(client, source({ ...empty, users: { id: "s1", rows: [user("u9", "Oslo")] } }));
    expect(results.every((r) => r.action === "skipped")).toBe(true);
    expect(results.find((r) => r.table === "users")?.rows).toBe(3);
    expect(await count("users")).toBe(3);
  });

  it("keeps the previous version when a load fails half way", async () => {
    await expect(mountSilver(client, source({ users: { id: "s2", rows: [user("u4", "A"), user("u5", "B"), user("u6", "C")], fail: true } }), { tables: ["users"] })).rejects.toThrow(
      /silver\.users: storage went away/,
    );
    expect(await count("users")).toBe(3);
    expect((await client.query(`select snapshot_id from silver._mounts where table_name = 'users'`)).rows[0].snapshot_id).toBe("s1");
    await expect(mountSilver(client, source({ users: { id: "s2", rows: [{ ...user("u4", "A"), user_since: "not a time" }] } }), { tables: ["users"] })).rejects.toThrow(
      /silver\.users/,
    );
    expect(await count("users")).toBe(3);
  });

  it("swaps in a new version atomically when no view depends on the table", async () => {
    const [result] = await mountSilver(client, source({ users: { id: "s3", rows: [user("u7", "Rome")] } }), { tables: ["users"] });
    expect(result).toMatchObject({ action: "mounted", method: "swap", rows: 1, snapshotId: "s3" });
    expect(await count("users")).toBe(1);
    expect((await client.query(`select count(*) as n from pg_class where relname like 'users__mounting'`)).rows[0].n).toBe("0");
  });

  it("keeps dependent views: truncate + COPY in one transaction", async () => {
    await client.query(`create schema if not exists gold`);
    await client.query(`create view gold.v_users as select user_id, user_place from silver.users`);
    await client.query(`create view gold.v_users_2 as select user_id from gold.v_users`);
    const [result] = await mountSilver(client, source({ users: { id: "s4", rows: [user("u8", "Oslo"), user("u9", "Bergen")] } }), { tables: ["users"] });
    expect(result).toMatchObject({ action: "mounted", method: "truncate", rows: 2 });
    expect((await client.query(`select user_id from gold.v_users_2 order by 1`)).rows.map((r) => r.user_id)).toEqual(["u8", "u9"]);
  });

  it("recreates dependent views around a layout change, and refuses one that no longer fits", async () => {
    // An older layout: user_latitude was text.
    await client.query(`drop table silver.users cascade`);
    await client.query(`create table silver.users as select user_id, user_name, user_lastname, '1'::text as user_latitude, user_longitude, user_place,
      user_country_code, user_timezone, user_since, ingest_on, source_file, processed_at from (select null::varchar as user_id, null::varchar as user_name,
      null::varchar as user_lastname, null::double precision as user_longitude, null::varchar as user_place, null::varchar as user_country_code,
      null::varchar as user_timezone, null::timestamp as user_since, null::date as ingest_on, null::varchar as source_file, null::timestamp as processed_at) x where false`);
    await client.query(`comment on view gold.v_users is 'x'`).catch(() => undefined);
    await client.query(`create view gold.v_places as select user_id, user_place from silver.users`);
    await client.query(`comment on view gold.v_places is 'places of users'`);
    await client.query(`create view gold.v_lat as select upper(user_latitude) as lat from silver.users`);
    await expect(mountSilver(client, source({ users: { id: "s5", rows: [user("u1", "Paris")] } }), { tables: ["users"] })).rejects.toThrow(/breaks dependent view gold\.v_lat/);
    expect((await client.query(`select format_type(atttypid, null) as t from pg_attribute where attrelid = 'silver.users'::regclass and attname = 'user_latitude'`)).rows[0].t).toBe("text");

    await client.query(`drop view gold.v_lat`);
    await client.query(`create view gold.v_places_2 as select user_place from gold.v_places`);
    const [result] = await mountSilver(client, source({ users: { id: "s5", rows: [user("u1", "Paris")] } }), { tables: ["users"] });
    expect(result).toMatchObject({ action: "mounted", method: "swap-recreating-views", recreatedViews: ["gold.v_places", "gold.v_places_2"] });
    expect((await client.query(`select user_place from gold.v_places_2`)).rows).toEqual([{ user_place: "Paris" }]);
    expect((await client.query(`select obj_description('gold.v_places'::regclass, 'pg_class') as c`)).rows[0].c).toBe("places of users");
    expect((await client.query(`select format_type(atttypid, null) as t from pg_attribute where attrelid = 'silver.users'::regclass and attname = 'user_latitude'`)).rows[0].t).toBe("double precision");
  });

  it("reports a table the catalog does not have", async () => {
    const results = await mountSilver(client, source({}), { tables: ["songs"] });
    expect(results).toEqual([expect.objectContaining({ table: "songs", action: "missing" })]);
  });

  it("refuses an unknown table name", async () => {
    await expect(mountSilver(client, source({}), { tables: ["nope"] })).rejects.toThrow(/unknown silver table "nope"/);
  });
});

describe("sessions and session_items are mounted together or not at all (issue 22.4)", () => {
  const session = (id: string, items: number, day = "2018-11-01"): SilverRow => ({
    session_id: id,
    user_id: "u1",
    session_start_time: 1541059200123456n,
    user_agent: "Mozilla/5.0",
    item_count: items,
    ingest_on: day,
    source_file: "landing/api/sessions/x",
    processed_at: 1541116800000001n,
  });
  const items = (id: string, n: number, day = "2018-11-01"): SilverRow[] =>
    Array.from({ length: n }, (_, i) => ({
      session_id: id,
      user_id: "u1",
      session_start_time: 1541059200123456n,
      user_agent: "Mozilla/5.0",
      item_number: i + 1,
      song_id: "TRAAAAW128F429D538",
      song_name: "Song",
      artist_id: "ARD7TVE1187B99BFB1",
      artist_name: "Casual",
      price: 0.99,
      currency: "USD",
      liked: false,
      liked_since: null,
      ingest_on: day,
      source_file: "landing/api/sessions/x",
      processed_at: 1541116800000001n,
    }));
  const schema = "silver_pair";
  const pair = (sessions: { id: string; rows: SilverRow[] }, sessionItems: { id: string; rows: SilverRow[] }) => source({ ...empty, sessions, session_items: sessionItems });
  const counts = async () => (await client.query(`select (select count(*) from ${schema}.sessions)::int as s, (select count(*) from ${schema}.session_items)::int as i`)).rows[0];

  it("mounts a pair that reconciles, and refuses one that does not, leaving the previous pair in place", async () => {
    const first = await mountSilver(client, pair({ id: "s1", rows: [session("a", 2), session("b", 1)] }, { id: "i1", rows: [...items("a", 2), ...items("b", 1)] }), { schema });
    expect(first.filter((r) => r.table.startsWith("session")).map((r) => [r.table, r.action, r.rows])).toEqual([
      ["sessions", "mounted", 2],
      ["session_items", "mounted", 3],
    ]);
    // A crash between silver's two commits: sessions of a new day are committed, their items are not.
    const halfCommitted = pair({ id: "s2", rows: [session("a", 2), session("b", 1), session("c", 4, "2018-11-02")] }, { id: "i1", rows: [...items("a", 2), ...items("b", 1)] });
    await expect(mountSilver(client, halfCommitted, { schema, tables: ["sessions", "session_items"] })).rejects.toThrow(
      /^silver\.sessions and silver\.session_items do not reconcile \(sum\(sessions\.item_count\) vs rows of session_items\): ingest_on=2018-11-02: 4 vs 0; snapshots sessions s2, session_items i1$/,
    );
    expect(await counts()).toEqual({ s: 2, i: 3 });
    const mounts = await client.query(`select table_name, snapshot_id from ${schema}._mounts where table_name like 'session%' order by 1`);
    expect(mounts.rows).toEqual([
      { table_name: "session_items", snapshot_id: "i1" },
      { table_name: "sessions", snapshot_id: "s1" },
    ]);
    // Once silver has committed the items too, both go in together.
    const repaired = await mountSilver(client, pair({ id: "s2", rows: [session("a", 2), session("b", 1), session("c", 4, "2018-11-02")] }, { id: "i2", rows: [...items("a", 2), ...items("b", 1), ...items("c", 4, "2018-11-02")] }), { schema });
    expect(repaired.filter((r) => r.table.startsWith("session")).map((r) => r.action)).toEqual(["mounted", "mounted"]);
    expect(await counts()).toEqual({ s: 3, i: 7 });
  });
});

describe("mount from real Iceberg tables", () => {
  it("reads the current snapshot with the project's reader, exact values, and skips it the second time", async () => {
    const storage = openStorage(stack.env);
    const catalog = new DirectoryCatalog(storage, SILVER_ROOT);
    const table = silverTable("sessions");
    const loaded = await createTable(storage, catalog, table);
    const rows = (day: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        session_id: `s-${day}-${i}`,
        user_id: `u-${i % 7}`,
        session_start_time: 1541030400000000n + BigInt(day * 86_400_000_000 + i * 1_000_001),
        user_agent: i % 5 === 0 ? null : `agent\t"${i}"\n`,
        item_count: i % 4,
        ingest_on: 17836 + day,
        source_file: `landing/api/sessions/ingest_on=2018-11-0${day + 1}/part-00000.json`,
        processed_at: 1541116800000000n + BigInt(day),
      }));
    const write = async (day: number, n: number) => {
      const writer = new DataFileWriter(storage, (await catalog.loadTable("sessions"))!.metadata, { rowGroupRows: 100 });
      await writer.writeAll(rows(day, n));
      return writer.close();
    };
    expect(loaded.metadata).toBeTruthy();
    await appendFiles(storage, catalog, "sessions", await write(0, 250));
    await appendFiles(storage, catalog, "sessions", await write(1, 120));
    const env = stack.env;
    const first = await mountSilver(client, icebergSource(env), { tables: ["sessions"] });
    expect(first[0]).toMatchObject({ action: "mounted", rows: 370 });
    const check = await client.query(
      `select count(*) as n, count(distinct session_id) as ids, min(session_start_time)::text as first, sum(item_count) as items,
              count(*) filter (where user_agent is null) as no_agent, max(ingest_on)::text as last_day from silver.sessions`,
    );
    expect(check.rows[0]).toEqual({ n: "370", ids: "370", first: "2018-11-01 00:00:00", items: String(rows(0, 250).concat(rows(1, 120)).reduce((s, r) => s + r.item_count, 0)), no_agent: "74", last_day: "2018-11-02" });
    const odd = await client.query(`select user_agent, session_start_time::text as t from silver.sessions where session_id = 's-1-3'`);
    expect(odd.rows[0]).toEqual({ user_agent: 'agent\t"3"\n', t: "2018-11-02 00:00:03.000003" });

    expect((await mountSilver(client, icebergSource(env), { tables: ["sessions"] }))[0].action).toBe("skipped");

    // A re-landed day: replacePartitions makes a new snapshot; mount reloads that partition only.
    const xmins = async (day: string) =>
      (await client.query(`select array_agg(distinct xmin::text order by xmin::text) as x from silver.sessions where ingest_on = $1`, [day])).rows[0].x as string[];
    const day0Before = await xmins("2018-11-01");
    await replacePartitions(storage, catalog, "sessions", ["2018-11-02"], await write(1, 10));
    const again = await mountSilver(client, icebergSource(env), { tables: ["sessions"] });
    expect(again[0]).toMatchObject({ action: "mounted", rows: 260, method: "partitions", partitions: ["2018-11-02"] });
    expect(again[0].snapshotId).not.toBe(first[0].snapshotId);
    expect(await xmins("2018-11-01")).toEqual(day0Before); // the unchanged day was not rewritten
    const days = await client.query(`select ingest_on::text as day, count(*)::int as n from silver.sessions group by 1 order by 1`);
    expect(days.rows).toEqual([
      { day: "2018-11-01", n: 250 },
      { day: "2018-11-02", n: 10 },
    ]);

    // A partition the snapshot no longer has (full refresh dropping a day) goes from the mount too.
    await replacePartitions(storage, catalog, "sessions", ["2018-11-01"], []);
    const dropped = await mountSilver(client, icebergSource(env), { tables: ["sessions"] });
    expect(dropped[0]).toMatchObject({ method: "partitions", partitions: ["2018-11-01"], rows: 10 });
    expect(await count("sessions")).toBe(10);

    // Partition reloads find their rows through the BRIN index on ingest_on (built with the table).
    const indexes = await client.query(`select indexname, indexdef from pg_indexes where schemaname = 'silver' and tablename = 'sessions'`);
    expect(indexes.rows).toEqual([{ indexname: "sessions_ingest_on_brin", indexdef: expect.stringContaining("USING brin (ingest_on)") }]);

    // The new row count is reconciled by arithmetic (mounted − deleted + copied = snapshot): a mounted
    // partition that no longer holds what was recorded fails the reload loudly and changes nothing.
    await client.query(`delete from silver.sessions where session_id = 's-1-0'`);
    const mountedBefore = (await client.query(`select snapshot_id, row_count from silver._mounts where table_name = 'sessions'`)).rows[0];
    await replacePartitions(storage, catalog, "sessions", ["2018-11-02"], await write(1, 12));
    await expect(mountSilver(client, icebergSource(env), { tables: ["sessions"] })).rejects.toThrow(
      /the table would hold 13 rows after reloading 2018-11-02 \(10 mounted − 9 deleted \+ 12 copied\) but the snapshot counts 12/,
    );
    expect(await count("sessions")).toBe(9);
    expect((await client.query(`select snapshot_id, row_count from silver._mounts where table_name = 'sessions'`)).rows[0]).toEqual(mountedBefore);

    // --force reloads the whole table.
    const forced = await mountSilver(client, icebergSource(env), { tables: ["sessions"], force: true });
    expect(forced[0]).toMatchObject({ action: "mounted", rows: 12 });
    expect(await count("sessions")).toBe(12);
    expect((await client.query(`select count(*)::int as n from pg_indexes where schemaname = 'silver' and indexname = 'sessions_ingest_on_brin'`)).rows[0].n).toBe(1);
    expect(forced[0].method).not.toBe("partitions");
  });
});

describe("Arrow COPY path against the row path", () => {
  it("stores the same values in PostgreSQL from Iceberg (Arrow batches) as from row objects", async () => {
    const storage = openStorage(stack.env);
    const catalog = new DirectoryCatalog(storage, SILVER_ROOT);
    const written: Record<string, SilverRow[]> = {};
    // session_items and sparkify_events hold every silver type between them.
    for (const name of ["session_items", "sparkify_events"]) {
      const table = silverTable(name);
      const values = (written[name] = awkwardRows(table.columns, 3000, { ingest_on: (i) => 17836 + (i % 3) }));
      await createTable(storage, catalog, table);
      const writer = new DataFileWriter(storage, (await catalog.loadTable(name))!.metadata, { rowGroupRows: 700 });
      await writer.writeAll(values);
      await appendFiles(storage, catalog, name, await writer.close());

      const [fromArrow] = await mountSilver(client, icebergSource(stack.env, { batchSize: 500 }), { tables: [name] });
      const [fromRows] = await mountSilver(client, source({ [name]: { id: "rows", rows: values } }), { tables: [name], schema: "silver_rows" });
      expect([fromArrow.rows, fromRows.rows]).toEqual([3000, 3000]);
      const texts = async (schema: string) =>
        (await client.query<{ t: string }>(`select t::text as t from ${schema}.${name} t order by 1`)).rows.map((r) => r.t);
      const [arrow, rows] = [await texts("silver"), await texts("silver_rows")];
      expect(arrow).toEqual(rows);
      expect(arrow.join("\n")).toMatch(/1969-12-31 23:59:59\.999999/);
    }
    const strings = new Set(written.session_items.map((r) => r.song_name));
    const stored = (await client.query<{ s: string | null }>(`select distinct song_name as s from silver.session_items`)).rows.map((r) => r.s);
    expect(new Set(stored)).toEqual(strings);
    expect(stored).toContain("tab\there");
  });

  it("fails on NUL in text, naming the table, the row and the column, and keeps the previous version", async () => {
    const storage = openStorage(stack.env);
    const catalog = new DirectoryCatalog(storage, SILVER_ROOT);
    const table = silverTable("sparkify_events");
    const values = awkwardRows(table.columns, 40, { ingest_on: () => 17840, artist: (i) => (i === 32 ? "nul\u0000here" : "fine") });
    const writer = new DataFileWriter(storage, (await catalog.loadTable("sparkify_events"))!.metadata, { rowGroupRows: 700 });
    await writer.writeAll(values);
    await appendFiles(storage, catalog, "sparkify_events", await writer.close());
    await expect(mountSilver(client, icebergSource(stack.env, { batchSize: 10 }), { tables: ["sparkify_events"], force: true })).rejects.toThrow(
      /silver\.sparkify_events: row \d+, column artist: text contains a NUL character/,
    );
    expect(await count("sparkify_events")).toBe(3000);
  });
});
