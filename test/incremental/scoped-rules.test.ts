/**
 * The cost of a daily run follows the new day: the row-level rules of an incremental model (and of the
 * views and silver tables under it) check only the rows its last run merged or read (its scope, written
 * by the model: includes/incremental_state.js RULE_SCOPES), and a full refresh checks every row. Real
 * PostgreSQL and Dataform (test/gold/harness.ts); the assertions' views are queried after the runs to see
 * which rows each rule read.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GOLD_ACTIONS, goldStack, type GoldStack } from "../gold/harness.ts";
import type { SilverRow } from "../../scripts/mount/source.ts";

const FACT_RULE = "gold__fct_session_items__accepted_range__price";
const STAGING_RULE = "gold__stg_api__session_items__accepted_range__price";
const D1 = "2018-11-01";
const D2 = "2018-11-02";

let g: GoldStack;

beforeAll(async () => {
  g = await goldStack();
}, 300_000);

afterAll(async () => {
  await g?.close();
});

const item = (session: string, price: number, day: string, processedAt: string): SilverRow => ({
  session_id: `${session}-0000-0000-0000-000000000000`.slice(0, 36), user_id: "u1", session_start_time: `${day} 10:00:00`, user_agent: "x", item_number: 1,
  song_id: "TRAAAAAA0000000001", song_name: "x", artist_id: "AR1", artist_name: "x", price, currency: "USD", liked: false, liked_since: null,
  ingest_on: day, source_file: `landing/api/sessions/ingest_on=${day}/part-00000.json`, processed_at: processedAt,
});

async function run(options: { fullRefresh?: boolean } = {}) {
  return g.run({ ...options, actions: [...GOLD_ACTIONS, FACT_RULE, STAGING_RULE] });
}

/** The sessions a rule's view reports (what it read and found wrong). */
async function reported(rule: string): Promise<string[]> {
  const rows = await g.rows<{ session_id: string }>(`select session_id from gold_assertions.${rule} order by 1`);
  return rows.map((r) => r.session_id.slice(0, 6));
}

/** A bad row that no run of this day touched (written straight into the fact, as if loaded long ago). */
async function plantOldRow(): Promise<void> {
  await g.client.query(
    `insert into gold.fct_session_items (session_item_key, session_id, item_number, user_id, track_id, artist_id, date_key, session_started_at, price, currency, liked, ingest_on)
     values (md5('old'), 'old000-0000-0000-0000-000000000000', 1, 'u1', 'TRAAAAAA0000000001', 'AR1', 20181031, '2018-10-31 10:00:00', 9, 'USD', false, '2018-10-31')`,
  );
}

describe("rules of incremental models check the rows of the last run; a full refresh checks all", () => {
  it("an incremental run's rules read only its new rows, a full refresh's read every row", async () => {
    const day1 = [item("good01", 0.99, D1, `${D1} 23:00:00`)];
    await g.load({ session_items: day1 });
    const first = await run();
    expect(first.code, first.stdout).toBe(0);
    // the first run builds the fact from scratch: its scope is every row, so an old bad row is seen
    await plantOldRow();
    expect(await reported(FACT_RULE)).toEqual(["old000"]);

    // day 2 brings one bad price: the incremental run's rule fails on it, and only on it
    await g.load({ session_items: [...day1, item("bad002", 5, D2, `${D2} 23:00:00`), item("good03", 1, D2, `${D2} 23:00:00`)] });
    const second = await run();
    expect(second.code).not.toBe(0);
    expect(`${second.stdout}\n${second.stderr}`).toMatch(new RegExp(`${FACT_RULE}`));
    expect(await reported(FACT_RULE)).toEqual(["bad002"]);
    expect(await reported(STAGING_RULE)).toEqual(["bad002"]);
    const scope = await g.rows<{ keys: number; days: string; all_rows: boolean }>(
      `select count(scope_key)::int as keys, string_agg(ingest_on::text, ',') as days, bool_or(all_rows) as all_rows from gold_internal.fct_session_items__scope`,
    );
    expect(scope).toEqual([{ keys: 2, days: D2, all_rows: false }]);

    // a full refresh rebuilds the fact (the planted row goes) and its rules read every row again
    const full = await run({ fullRefresh: true });
    expect(full.code).not.toBe(0);
    await plantOldRow();
    expect(await reported(FACT_RULE)).toEqual(["bad002", "old000"]);
    expect(await reported(STAGING_RULE)).toEqual(["bad002"]);
  });
});
