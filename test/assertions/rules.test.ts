/**
 * Every rule type against a real PostgreSQL: the same small table passes without a violation and fails
 * with one planted, so no rule can pass vacuously. The Redshift flavour of each rule's SQL runs too, in a
 * session with `standard_conforming_strings = off` (string literals then treat `\` as an escape, as on
 * Redshift), and must give the same answers.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeLandingCounts } from "../../scripts/assertions/landing-counts.ts";
import { parseRuleFile } from "../../scripts/assertions/load.ts";
import { assertionsInclude, sqlContext, type ProjectSettings } from "../../scripts/assertions/sql.ts";
import type { Rule } from "../../scripts/assertions/types.ts";
import { connect } from "../../scripts/stack/db.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const SETTINGS: ProjectSettings = { warehouse: "postgres", defaultSchema: "qa", assertionSchema: "qa_assertions", vars: {} };
const NOW = "2018-12-01 00:00:00";

let stack: TestStack;
let client: pg.Client;
let redshiftLike: pg.Client;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  client = await connect(stack.env, "warehouse");
  redshiftLike = await connect(stack.env, "warehouse");
  await redshiftLike.query("set standard_conforming_strings = off");
  await redshiftLike.query("set escape_string_warning = off");
  await client.query("create schema qa");
}, 120_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await redshiftLike?.end().catch(() => undefined);
  await stack?.stop();
});

/** The rules of a rule file for `qa.<table>`, by name. */
function rulesOf(table: string, yaml: string): Record<string, Rule> {
  const model = parseRuleFile(`assertions/qa__${table}.yaml`, yaml);
  return Object.fromEntries(model.rules.map((r) => [r.name, r]));
}

/** Offending rows of a rule on PostgreSQL; checks that the Redshift SQL (in a Redshift-like session) agrees. */
async function offending(rule: Rule, now = NOW): Promise<number> {
  const include = assertionsInclude();
  const pgSql = include.ruleSql(rule, sqlContext(SETTINGS, "postgres", now));
  const rsSql = include.ruleSql(rule, sqlContext(SETTINGS, "redshift", now));
  const count = async (c: pg.Client, sql: string) => Number((await c.query(`select count(*) as n from (${sql}) as q`)).rows[0].n);
  const onPostgres = await count(client, pgSql);
  expect(await count(redshiftLike, rsSql), `Redshift SQL of ${rule.name}`).toBe(onPostgres);
  return onPostgres;
}

/** Every rule of a file passes on the current data (and the table is not empty). */
async function allPass(table: string, rules: Record<string, Rule>): Promise<void> {
  const rows = Number((await client.query(`select count(*) as n from qa.${table}`)).rows[0].n);
  expect(rows, `qa.${table} must have rows, or a pass means nothing`).toBeGreaterThan(0);
  for (const rule of Object.values(rules)) expect(await offending(rule), rule.name).toBe(0);
}

async function sql(text: string): Promise<void> {
  await client.query(text);
}

describe("each rule type catches a planted violation and passes without it", () => {
  it("not_null (with where)", async () => {
    await sql("create table qa.nn (id integer, name varchar(20))");
    await sql("insert into qa.nn values (1, 'a'), (2, 'b'), (3, null)");
    const rules = rulesOf("nn", "columns:\n  name:\n    - not_null: { where: id < 3 }\n  id: [not_null]\n");
    await allPass("nn", rules);
    await sql("insert into qa.nn values (null, 'c')");
    expect(await offending(rules.qa__nn__not_null__id)).toBe(1);
    await sql("update qa.nn set id = 2 where id = 3");
    expect(await offending(rules.qa__nn__not_null__name)).toBe(1);
  });

  it("unique: one column (nulls allowed) and a combination", async () => {
    await sql("create table qa.uq (id integer, day date, code varchar(5))");
    await sql("insert into qa.uq values (1, '2018-11-01', 'x'), (2, '2018-11-01', null), (3, '2018-11-02', null)");
    const rules = rulesOf("uq", "rules:\n  - unique: { columns: [day, code] }\ncolumns:\n  id: [unique]\n  code: [unique]\n");
    await allPass("uq", rules);
    await sql("insert into qa.uq values (1, '2018-11-03', 'y')");
    expect(await offending(rules.qa__uq__unique__id)).toBe(1);
    expect(await offending(rules.qa__uq__unique__day__code)).toBe(0);
    await sql("insert into qa.uq values (4, '2018-11-01', null)");
    expect(await offending(rules.qa__uq__unique__day__code)).toBe(1);
    expect(await offending(rules.qa__uq__unique__code)).toBe(0);
  });

  it("accepted_values, with quotes, backslashes, % and unicode, on both flavours", async () => {
    await sql("create table qa.av (name varchar(40), n integer, flag boolean)");
    const values = ["O'Brien", "back\\slash\\", "100%", "Zoë 日本 🎵", 'say "hi"', "a%"];
    for (const v of values) await client.query("insert into qa.av values ($1, 1, true)", [v]);
    const yaml = [
      "columns:",
      "  name:",
      "    - accepted_values:",
      `        values: ${JSON.stringify(values)}`,
      "  n:",
      "    - accepted_values: { values: [1, 2] }",
      "  flag:",
      "    - accepted_values: { values: [true] }",
    ].join("\n");
    const rules = rulesOf("av", yaml);
    expect(rules.qa__av__accepted_values__name.args.values).toEqual(values);
    await allPass("av", rules);
    // Near misses: a LIKE or an unescaped backslash would let some of these through.
    for (const v of ["O'Brien ", "back\\slash", "100", "Zoe 日本 🎵", "ab", "O''Brien"]) await client.query("insert into qa.av values ($1, 2, true)", [v]);
    expect(await offending(rules.qa__av__accepted_values__name)).toBe(6);
    await sql("insert into qa.av values (null, 3, false)");
    expect(await offending(rules.qa__av__accepted_values__n)).toBe(1);
    expect(await offending(rules.qa__av__accepted_values__flag)).toBe(1);
  });

  it("relationships (with to_where)", async () => {
    await sql("create table qa.parent (track_id varchar(18), is_current boolean)");
    await sql("create table qa.child (song_id varchar(18))");
    await sql("insert into qa.parent values ('TR1', true), ('TR2', true), ('TR3', false)");
    await sql("insert into qa.child values ('TR1'), ('TR2'), (null)");
    const rules = rulesOf(
      "child",
      "columns:\n  song_id:\n    - relationships: { to: qa__parent, field: track_id }\n    - relationships: { to: qa__parent, field: track_id, to_where: is_current, name: current }\n",
    );
    await allPass("child", rules);
    await sql("insert into qa.child values ('TR3')");
    expect(await offending(rules.qa__child__relationships__song_id)).toBe(0);
    expect(await offending(rules.qa__child__relationships__current)).toBe(1);
    await sql("insert into qa.child values ('TR9'), ('TR9')");
    expect(await offending(rules.qa__child__relationships__song_id)).toBe(2);
  });

  it("accepted_range: numbers, exclusive bounds, dates", async () => {
    await sql("create table qa.ar (price double precision, day date)");
    await sql("insert into qa.ar values (0, '2018-11-01'), (1.99, '2018-11-30'), (null, null)");
    const rules = rulesOf(
      "ar",
      "columns:\n  price:\n    - accepted_range: { min: 0, max: 2 }\n    - accepted_range: { min: -1, max: 2, inclusive: false, name: open }\n  day:\n    - accepted_range: { min: '2018-11-01', max: '2018-11-30' }\n",
    );
    await allPass("ar", rules);
    await sql("insert into qa.ar values (2, '2018-12-01')");
    expect(await offending(rules.qa__ar__accepted_range__price)).toBe(0);
    expect(await offending(rules.qa__ar__accepted_range__open)).toBe(1);
    expect(await offending(rules.qa__ar__accepted_range__day)).toBe(1);
    await sql("insert into qa.ar values (2.01, null), (-0.5, null)");
    expect(await offending(rules.qa__ar__accepted_range__price)).toBe(2);
  });

  it("length: exact (unicode counts characters), min/max, non-string columns", async () => {
    await sql("create table qa.ln (track_id varchar(40), name varchar(40), code integer)");
    await sql("insert into qa.ln values ('TRAAAAW128F429D538', 'Zoë', 123), ('TRSYN0000000000001', 'Ana', 456), (null, null, null)");
    const rules = rulesOf("ln", "columns:\n  track_id:\n    - length: { exact: 18 }\n  name:\n    - length: { exact: 3 }\n    - length: { min: 2, max: 3, name: bounded }\n  code:\n    - length: { exact: 3 }\n");
    await allPass("ln", rules);
    await sql("insert into qa.ln values ('TRAAAAW128F429D53', 'Zoëy', 12)");
    expect(await offending(rules.qa__ln__length__track_id)).toBe(1);
    expect(await offending(rules.qa__ln__length__name)).toBe(1);
    expect(await offending(rules.qa__ln__length__bounded)).toBe(1);
    expect(await offending(rules.qa__ln__length__code)).toBe(1);
  });

  it("expression: false and null both offend", async () => {
    await sql("create table qa.ex (liked boolean, liked_since timestamp, price double precision)");
    await sql("insert into qa.ex values (true, '2018-11-01 10:00:00', 1), (false, null, 0)");
    const rules = rulesOf("ex", "rules:\n  - expression: { name: liked_has_time, expression: liked or liked_since is null }\ncolumns:\n  price:\n    - expression: { expression: price >= 0 }\n");
    await allPass("ex", rules);
    await sql("insert into qa.ex values (false, '2018-11-01 10:00:00', -1), (true, null, null)");
    expect(await offending(rules.qa__ex__expression__liked_has_time)).toBe(1);
    expect(await offending(rules.qa__ex__expression__price)).toBe(2);
  });

  it("row_count: min/max, an empty table, and equal to another relation per group", async () => {
    await sql("create table qa.rc (day date, n integer)");
    await sql("create table qa.rc_items (day date)");
    await sql("insert into qa.rc values ('2018-11-01', 2), ('2018-11-02', 1)");
    await sql("insert into qa.rc_items values ('2018-11-01'), ('2018-11-01'), ('2018-11-02')");
    const rules = rulesOf(
      "rc_items",
      "rules:\n  - row_count: { min: 1, max: 3 }\n  - row_count: { name: per_day, group_by: [day], equal_to: { model: qa__rc, count: sum(n) } }\n  - row_count: { name: total, equal_to: { model: qa__rc, count: sum(n) } }\n",
    );
    await allPass("rc_items", rules);
    await sql("insert into qa.rc_items values ('2018-11-03')");
    expect(await offending(rules.qa__rc_items__row_count)).toBe(1);
    expect(await offending(rules.qa__rc_items__row_count__per_day)).toBe(1);
    expect(await offending(rules.qa__rc_items__row_count__total)).toBe(1);
    await sql("delete from qa.rc_items");
    const include = assertionsInclude();
    const rows = (await client.query(include.ruleSql(rules.qa__rc_items__row_count, sqlContext(SETTINGS, "postgres")))).rows;
    expect(rows).toEqual([{ row_count: "0", min_rows: 1, max_rows: 3, problem: "empty table" }]);
  });

  it("row_count equal to the landed counts (landed = silver + quarantined, per ingest_on)", async () => {
    await sql("create table qa.landed_users (user_id varchar(36), ingest_on date)");
    await sql("insert into qa.landed_users values ('a', '2018-11-01'), ('b', '2018-11-01'), ('c', '2018-11-02')");
    await writeLandingCounts(
      client,
      [
        { source: "api", entity: "users", ingest_on: "2018-11-01", landed_rows: 3, quarantined_rows: 1 },
        { source: "api", entity: "users", ingest_on: "2018-11-02", landed_rows: 1, quarantined_rows: 0 },
        { source: "api", entity: "sessions", ingest_on: "2018-11-02", landed_rows: 7, quarantined_rows: 0 },
      ],
      SETTINGS.assertionSchema,
    );
    const rules = rulesOf("landed_users", "rules:\n  - row_count: { equal_to: { landed: api/users } }\n  - freshness: { column: ingest_on, max_age: 0 days, reference: { landed: api/users } }\n");
    await allPass("landed_users", rules);
    await writeLandingCounts(
      client,
      [
        { source: "api", entity: "users", ingest_on: "2018-11-01", landed_rows: 3, quarantined_rows: 0 },
        { source: "api", entity: "users", ingest_on: "2018-11-02", landed_rows: 1, quarantined_rows: 0 },
        { source: "api", entity: "users", ingest_on: "2018-11-03", landed_rows: 5, quarantined_rows: 0 },
      ],
      SETTINGS.assertionSchema,
    );
    expect(await offending(rules.qa__landed_users__row_count)).toBe(2);
    expect(await offending(rules.qa__landed_users__freshness__ingest_on)).toBe(1);
  });

  it("freshness: against now (configurable), another model, and an empty table", async () => {
    await sql("create table qa.fr (event_at timestamp, ingest_on date)");
    await sql("insert into qa.fr values ('2018-11-30 12:00:00', '2018-11-30'), ('2018-11-02 08:00:00', '2018-11-02')");
    const rules = rulesOf(
      "fr",
      "columns:\n  event_at:\n    - freshness: { max_age: 1 day }\n    - freshness: { max_age: 12 hours, reference: { model: qa__fr, column: ingest_on }, name: vs_ingest }\n",
    );
    await allPass("fr", rules);
    expect(await offending(rules.qa__fr__freshness__event_at, "2018-12-05 00:00:00")).toBe(1);
    await sql("insert into qa.fr values ('2018-11-30 13:00:00', '2018-12-02')");
    expect(await offending(rules.qa__fr__freshness__vs_ingest)).toBe(1);
    await sql("delete from qa.fr");
    expect(await offending(rules.qa__fr__freshness__event_at)).toBe(1);
    // Without a configured "now" it is the warehouse clock: 2018 data is stale today.
    await sql("insert into qa.fr values ('2018-11-30 12:00:00', '2018-11-30')");
    const pgNow = assertionsInclude().ruleSql(rules.qa__fr__freshness__event_at, sqlContext(SETTINGS, "postgres"));
    expect(pgNow).toContain("current_timestamp at time zone 'UTC'");
    expect((await client.query(pgNow)).rows).toHaveLength(1);
    expect(assertionsInclude().ruleSql(rules.qa__fr__freshness__event_at, sqlContext(SETTINGS, "redshift"))).toContain("getdate()");
  });

  it("non_overlapping: SCD2 ranges per key (open ranges, touching ends, reversed ranges)", async () => {
    await sql("create table qa.scd (user_id varchar(5), valid_from timestamp, valid_to timestamp)");
    await sql(`insert into qa.scd values
      ('u1', '2018-11-01', '2018-11-05'), ('u1', '2018-11-05', '2018-11-09'), ('u1', '2018-11-09', null),
      ('u2', '2018-11-02', null)`);
    const rules = rulesOf("scd", "rules:\n  - non_overlapping: { key: [user_id], from: valid_from, to: valid_to }\n");
    const rule = rules.qa__scd__non_overlapping__user_id;
    await allPass("scd", rules);
    await sql("insert into qa.scd values ('u2', '2018-11-03', null)");
    expect(await offending(rule)).toBe(1);
    await sql("delete from qa.scd where user_id = 'u2' and valid_from = '2018-11-03'");
    await sql("insert into qa.scd values ('u1', '2018-11-04', '2018-11-06')");
    expect(await offending(rule)).toBeGreaterThanOrEqual(1);
    await sql("delete from qa.scd where valid_from = '2018-11-04'");
    await sql("insert into qa.scd values ('u3', '2018-11-04', '2018-11-01')");
    expect(await offending(rule)).toBe(1);
    await sql("delete from qa.scd where user_id = 'u3'");
    expect(await offending(rule)).toBe(0);
    const inclusive = rulesOf("scd", "rules:\n  - non_overlapping: { key: [user_id], from: valid_from, to: valid_to, inclusive_end: true }\n").qa__scd__non_overlapping__user_id;
    expect(await offending(inclusive)).toBe(2);
  });

  it("uniqueness_ratio: over the table and per group", async () => {
    await sql("create table qa.ur (user_id varchar(5), day date)");
    for (let i = 0; i < 20; i++) await client.query("insert into qa.ur values ($1, $2)", [`u${i}`, i < 10 ? "2018-11-01" : "2018-11-02"]);
    const rules = rulesOf("ur", "columns:\n  user_id:\n    - uniqueness_ratio: { min: 0.95 }\n    - uniqueness_ratio: { min: 0.95, group_by: [day], name: per_day }\n");
    await allPass("ur", rules);
    await sql("update qa.ur set user_id = 'u0' where user_id = 'u1'");
    expect(await offending(rules.qa__ur__uniqueness_ratio__user_id)).toBe(0); // 19/20 = 0.95
    expect(await offending(rules.qa__ur__uniqueness_ratio__per_day)).toBe(1); // 9/10 on the first day
    await sql("update qa.ur set user_id = 'u10' where user_id = 'u11'");
    expect(await offending(rules.qa__ur__uniqueness_ratio__user_id)).toBe(1); // 18/20
    expect(await offending(rules.qa__ur__uniqueness_ratio__per_day)).toBe(2);
  });
});

describe("SQL literals", () => {
  it("round-trip through PostgreSQL (standard strings) and a Redshift-like session (backslash escapes)", async () => {
    const include = assertionsInclude();
    for (const value of ["O'Brien", "C:\\path\\", "\\'", "100%_", "Zoë 日本 🎵", "line\nbreak", "''", "\\\\"]) {
      const pgRow = (await client.query(`select ${include.literal(value, "postgres")} as v`)).rows[0];
      expect(pgRow.v).toBe(value);
      const rsRow = (await redshiftLike.query(`select ${include.literal(value, "redshift")} as v`)).rows[0];
      expect(rsRow.v).toBe(value);
    }
    expect(include.literal("O'Brien", "redshift")).toBe("'O''Brien'");
    expect(include.literal("a\\b", "redshift")).toBe("'a\\\\b'");
    expect(include.literal("a\\b", "postgres")).toBe("'a\\b'");
    expect(() => include.literal("nul\u0000", "postgres")).toThrow(/NUL/);
    expect(include.quoteIdent('we"ird')).toBe('"we""ird"');
  });
});
