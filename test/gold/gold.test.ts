/**
 * Known-answer tests of the gold models on small crafted silver inputs, run by the Dataform CLI against a
 * throwaway PostgreSQL: three ingest days with SCD2 history, a duplicate session delivery, a late
 * correction (re-landed day), incremental == full refresh, and the two bad inputs that must stop a run
 * (a silver table not mounted, a column whose type changed upstream).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOLD_ACTIONS, goldStack, type GoldStack } from "./harness.ts";
import type { SilverRow } from "../../scripts/mount/source.ts";

let g: GoldStack;

beforeAll(async () => {
  g = await goldStack();
}, 300_000);

afterAll(async () => {
  await g?.close();
});

const D1 = "2018-11-01";
const D2 = "2018-11-02";
const D3 = "2018-11-03";
const processed = (day: string, hour = "01") => `${day.slice(0, 8)}${String(Number(day.slice(8)) + 1).padStart(2, "0")} ${hour}:00:00`;

const song = (track: string, artist: string, artistName: string, day: string): SilverRow => ({
  track_id: track, song_id: `SO${track.slice(2)}`, title: `Title ${track}`, artist_id: artist, artist_name: artistName, year: 2001,
  ingest_on: day, source_file: `landing/catalog/songs/ingest_on=${day}/part-00000.jsonl`, processed_at: processed(day),
});

const user = (id: string, place: string, country: string, day: string, extra: SilverRow = {}): SilverRow => ({
  user_id: id, user_name: "Ann", user_lastname: `Last ${id}`, user_latitude: 1.5, user_longitude: 2.5, user_place: place, user_country_code: country,
  user_timezone: "Europe/Paris", user_since: `${D1} 08:00:00.000001`, ingest_on: day, source_file: `landing/api/users/ingest_on=${day}/part-00000.json`,
  processed_at: processed(day), ...extra,
});

interface Item { track: string; price: number; liked?: boolean }
/** A session as silver holds it: one sessions row and one session_items row per item. */
function session(id: string, userId: string, start: string, items: Item[], day: string, extra: SilverRow = {}): { sessions: SilverRow[]; items: SilverRow[] } {
  const common = { session_id: id, user_id: userId, session_start_time: start, user_agent: "Mozilla", ingest_on: day, source_file: `landing/api/sessions/ingest_on=${day}/part-00000.json`, processed_at: processed(day), ...extra };
  return {
    sessions: [{ ...common, item_count: items.length }],
    items: items.map((it, i) => ({
      ...common, item_number: i + 1, song_id: it.track, song_name: `Title ${it.track}`, artist_id: "ignored", artist_name: "ignored",
      price: it.price, currency: "USD", liked: Boolean(it.liked), liked_since: it.liked ? start : null,
    })),
  };
}

/** The silver content, day by day; a re-landed day replaces that day's rows. */
class Silver {
  days = new Map<string, { songs: SilverRow[]; users: SilverRow[]; sessions: SilverRow[]; session_items: SilverRow[] }>();
  land(day: string, songs: SilverRow[], users: SilverRow[], sessions: ReturnType<typeof session>[]) {
    this.days.set(day, { songs, users, sessions: sessions.flatMap((s) => s.sessions), session_items: sessions.flatMap((s) => s.items) });
  }
  tables() {
    const all = [...this.days.values()];
    return {
      songs: all.flatMap((d) => d.songs),
      users: all.flatMap((d) => d.users),
      sessions: all.flatMap((d) => d.sessions),
      session_items: all.flatMap((d) => d.session_items),
    };
  }
}

const GOLD_TABLES = ["dim_songs", "dim_artists", "dim_users", "dim_date", "fct_session_items", "sales_per_artist", "sales_per_country", "monthly_active_users"];

async function snapshot(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of GOLD_TABLES) out[table] = await g.rows(`select * from gold.${table} order by 1, 2, 3, 4`);
  return out;
}

async function runOk(options: { fullRefresh?: boolean } = {}) {
  const result = await g.run(options);
  if (result.code !== 0) throw new Error(`dataform run failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

const catalog = (day: string) => [song("TR1", "AR1", "Band", day), song("TR2", "AR1", "The Band", day), song("TR3", "AR1", "Band", day), song("TR4", "AR2", "Solo", day)];

describe("gold on three ingest days with a late correction", () => {
  const silver = new Silver();

  it("day 1: builds every mart with known answers", async () => {
    silver.land(D1, catalog(D1), [user("u1", "Paris", "FR", D1), user("u2", "Oslo", "NO", D1)], [
      session("s1", "u1", `${D1} 10:00:00`, [{ track: "TR1", price: 0.99, liked: true }, { track: "TR4", price: 1.29 }], D1),
      session("s2", "u2", `${D1} 14:00:00`, [{ track: "TR2", price: 1.99 }], D1),
      // sent twice in the same delivery
      session("s2", "u2", `${D1} 14:00:00`, [{ track: "TR2", price: 1.99 }], D1),
    ]);
    await g.load(silver.tables());
    await runOk();
    expect(await g.rows(`select artist_id, artist_name, track_count from gold.dim_artists order by 1`)).toEqual([
      { artist_id: "AR1", artist_name: "Band", track_count: 3 },
      { artist_id: "AR2", artist_name: "Solo", track_count: 1 },
    ]);
    expect(await g.rows(`select session_id, item_number, track_id, price from gold.fct_session_items order by 1, 2`)).toEqual([
      { session_id: "s1", item_number: 1, track_id: "TR1", price: "0.99" },
      { session_id: "s1", item_number: 2, track_id: "TR4", price: "1.29" },
      { session_id: "s2", item_number: 1, track_id: "TR2", price: "1.99" },
    ]);
    expect(await g.rows(`select year, artist, total from gold.sales_per_artist`)).toEqual([
      { year: 2018, artist: "Band", total: "2.98" },
      { year: 2018, artist: "Solo", total: "1.29" },
    ]);
    expect(await g.rows(`select month, year, country, total from gold.sales_per_country`)).toEqual([
      { month: 11, year: 2018, country: "FR", total: "2.28" },
      { month: 11, year: 2018, country: "NO", total: "1.99" },
    ]);
    expect(await g.rows(`select count(*)::int as n, min(calendar_date)::text as first, max(calendar_date)::text as last from gold.dim_date`)).toEqual([{ n: 1, first: D1, last: D1 }]);
    const unmatched = await g.rows(`select count(*)::int as n from gold.fct_session_items where user_key is null or song_key is null or artist_key is null`);
    expect(unmatched).toEqual([{ n: 0 }]);
  });

  it("days 2 and 3 (incremental): a move opens a user version, a re-sent session is kept once, sessions get the version valid at their start", async () => {
    silver.land(D2, catalog(D2), [user("u1", "Berlin", "DE", D2)], [
      session("s3", "u1", `${D2} 09:00:00`, [{ track: "TR3", price: 0.5 }, { track: "TR1", price: 0.7 }], D2),
      // s1 delivered again on day 2: one copy is kept, the latest
      session("s1", "u1", `${D1} 10:00:00`, [{ track: "TR1", price: 0.99, liked: true }, { track: "TR4", price: 1.29 }], D2),
    ]);
    await g.load(silver.tables());
    await runOk();
    silver.land(D3, catalog(D3), [user("u1", "Berlin", "DE", D3), user("u2", "Bergen", "NO", D3)], [
      session("s4", "u2", `${D3} 20:00:00`, [{ track: "TR2", price: 1.1 }], D3),
      session("s6", "u1", `${D3} 07:00:00`, [{ track: "TR4", price: 2 }], D3),
    ]);
    await g.load(silver.tables());
    // cost follows new data: the run for day 3 does not rewrite the rows of days 1 and 2 (same row versions)
    const before = await g.rows(`select session_id, item_number, xmin::text as version from gold.fct_session_items order by 1, 2`);
    expect(await g.rows(`select distinct ingest_on::text as day from gold_internal.fct_session_items__pending`)).toEqual([{ day: D3 }]);
    await runOk();
    const after = await g.rows(`select session_id, item_number, xmin::text as version from gold.fct_session_items where ingest_on < '${D3}' order by 1, 2`);
    expect(after).toEqual(before);
    expect(await g.rows(`select user_id, place_name, valid_from::text as valid_from, valid_to::text as valid_to, is_current from gold.dim_users order by 1, 3`)).toEqual([
      { user_id: "u1", place_name: "Paris", valid_from: `${D1} 00:00:00`, valid_to: `${D2} 00:00:00`, is_current: false },
      { user_id: "u1", place_name: "Berlin", valid_from: `${D2} 00:00:00`, valid_to: "9999-12-31 00:00:00", is_current: true },
      { user_id: "u2", place_name: "Oslo", valid_from: `${D1} 00:00:00`, valid_to: `${D3} 00:00:00`, is_current: false },
      { user_id: "u2", place_name: "Bergen", valid_from: `${D3} 00:00:00`, valid_to: "9999-12-31 00:00:00", is_current: true },
    ]);
    expect(await g.rows(`select f.session_id, f.item_number, f.ingest_on::text as ingest_on, u.place_name from gold.fct_session_items f join gold.dim_users u on u.user_key = f.user_key order by 1, 2`)).toEqual([
      { session_id: "s1", item_number: 1, ingest_on: D2, place_name: "Paris" },
      { session_id: "s1", item_number: 2, ingest_on: D2, place_name: "Paris" },
      { session_id: "s2", item_number: 1, ingest_on: D1, place_name: "Oslo" },
      { session_id: "s3", item_number: 1, ingest_on: D2, place_name: "Berlin" },
      { session_id: "s3", item_number: 2, ingest_on: D2, place_name: "Berlin" },
      { session_id: "s4", item_number: 1, ingest_on: D3, place_name: "Bergen" },
      { session_id: "s6", item_number: 1, ingest_on: D3, place_name: "Berlin" },
    ]);
    expect(await g.rows(`select country, total from gold.sales_per_country`)).toEqual([
      { country: "DE", total: "3.20" },
      { country: "FR", total: "2.28" },
      { country: "NO", total: "3.09" },
    ]);
    expect(await g.rows(`select year, month, active_users, sessions from gold.monthly_active_users`)).toEqual([{ year: 2018, month: 11, active_users: 2, sessions: 5 }]);
    expect(await g.rows(`select count(*)::int as n from gold.dim_date`)).toEqual([{ n: 3 }]);
  });

  it("late correction: re-landed day 2 rewrites the user's history, replaces the day's items and re-keys later sessions", async () => {
    // Day 2 again: u1 did not move after all; s3 lost its second item and its price was corrected; s5 is new.
    silver.land(D2, catalog(D2), [user("u1", "Paris", "FR", D2, { processed_at: "2018-11-05 01:00:00" })], [
      session("s3", "u1", `${D2} 09:00:00`, [{ track: "TR3", price: 0.6 }], D2, { processed_at: "2018-11-05 01:00:00" }),
      session("s1", "u1", `${D1} 10:00:00`, [{ track: "TR1", price: 0.99, liked: true }, { track: "TR4", price: 1.29 }], D2, { processed_at: "2018-11-05 01:00:00" }),
      session("s5", "u2", `${D2} 23:00:00`, [{ track: "TR4", price: 0.25 }], D2, { processed_at: "2018-11-05 01:00:00" }),
    ]);
    // day 3 still holds u1 in Berlin: the history is Paris (days 1-2), Berlin (day 3 on).
    await g.load(silver.tables());
    await runOk();
    expect(await g.rows(`select user_id, place_name, valid_from::text as valid_from, is_current from gold.dim_users where user_id = 'u1' order by 3`)).toEqual([
      { user_id: "u1", place_name: "Paris", valid_from: `${D1} 00:00:00`, is_current: false },
      { user_id: "u1", place_name: "Berlin", valid_from: `${D3} 00:00:00`, is_current: true },
    ]);
    expect(await g.rows(`select f.session_id, f.item_number, f.price, u.place_name, u.valid_from::text as version from gold.fct_session_items f left join gold.dim_users u on u.user_key = f.user_key order by 1, 2`)).toEqual([
      { session_id: "s1", item_number: 1, price: "0.99", place_name: "Paris", version: `${D1} 00:00:00` },
      { session_id: "s1", item_number: 2, price: "1.29", place_name: "Paris", version: `${D1} 00:00:00` },
      { session_id: "s2", item_number: 1, price: "1.99", place_name: "Oslo", version: `${D1} 00:00:00` },
      { session_id: "s3", item_number: 1, price: "0.60", place_name: "Paris", version: `${D1} 00:00:00` },
      { session_id: "s4", item_number: 1, price: "1.10", place_name: "Bergen", version: `${D3} 00:00:00` },
      { session_id: "s5", item_number: 1, price: "0.25", place_name: "Oslo", version: `${D1} 00:00:00` },
      // on an unchanged day, re-keyed: the Berlin version now starts on day 3
      { session_id: "s6", item_number: 1, price: "2.00", place_name: "Berlin", version: `${D3} 00:00:00` },
    ]);
    expect(await g.rows(`select count(*)::int as n from gold.fct_session_items where user_key not in (select user_key from gold.dim_users)`)).toEqual([{ n: 0 }]);
    expect(await g.rows(`select country, total from gold.sales_per_country`)).toEqual([
      { country: "DE", total: "2.00" },
      { country: "FR", total: "2.88" },
      { country: "NO", total: "3.34" },
    ]);
  });

  it("an incremental run with nothing new changes nothing, and a full refresh gives the same result as the incremental history", async () => {
    const incremental = await snapshot();
    // the fact's state matches its inputs: nothing is pending
    expect(await g.rows(`select count(*)::int as n from gold_internal.fct_session_items__pending`)).toEqual([{ n: 0 }]);
    await runOk();
    expect(await snapshot()).toEqual(incremental);
    await runOk({ fullRefresh: true });
    expect(await snapshot()).toEqual(incremental);
  });

  it("every table the run built has planner statistics before its assertions read it (PostgreSQL analyze)", async () => {
    // each run builds these tables anew (or merges into the fact): their statistics come from this run's analyze
    const analysed = await g.rows<{ tablename: string }>(
      `select distinct tablename::text from pg_stats where schemaname = 'gold' order by 1`,
    );
    expect(analysed.map((r) => r.tablename)).toEqual(expect.arrayContaining(["dim_artists", "dim_date", "dim_songs", "dim_users", "fct_session_items"]));
  });
});

describe("bad input stops the run", () => {
  it("a silver table that is not mounted fails the run naming it, with the hint to run lakehouse mount", async () => {
    await g.client.query(`alter table silver.users rename to users_elsewhere`);
    try {
      const result = await g.run({ actions: ["stg_api__users", "dim_users"] });
      expect(result.code).not.toBe(0);
      const output = `${result.stdout}\n${result.stderr}`;
      expect(output).toMatch(/silver table silver\.users is missing: run `npx lakehouse mount`/);
    } finally {
      await g.client.query(`alter table silver.users_elsewhere rename to users`);
    }
  });

  it("a column whose type changed upstream fails the run naming the column, never casting it into wrong numbers", async () => {
    await g.client.query(`begin`);
    await g.client.query(`drop view if exists gold.stg_api__session_items cascade`);
    await g.client.query(`alter table silver.session_items alter column price type varchar using price::varchar || ' USD'`);
    await g.client.query(`commit`);
    const result = await g.run({ actions: GOLD_ACTIONS });
    expect(result.code).not.toBe(0);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).toMatch(/silver\.session_items does not match what stg_api__session_items reads: column price expected double precision, found character varying/);
    // nothing downstream was rebuilt from it
    expect(output).not.toMatch(/Dataset created:\s+\S*gold\.fct_session_items/);
  });
});
