/**
 * The data-quality report on a real PostgreSQL: failures print the rule, the offending count and at most 5
 * example rows; warn-level failures never count as errors; an empty table with `row_count.min` is reported
 * as "empty table"; landed/quarantined counts come from the bucket's manifests and quarantine files.
 */
import { Writable } from "node:stream";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectLandingCounts, writeLandingCounts } from "../../scripts/assertions/landing-counts.ts";
import { parseRuleFile } from "../../scripts/assertions/load.ts";
import { runAssertionReport, type AssertionReportOptions } from "../../scripts/assertions/report.ts";
import type { ProjectSettings } from "../../scripts/assertions/sql.ts";
import type { RuleSet } from "../../scripts/assertions/types.ts";
import { createLogger } from "../../scripts/core/log.ts";
import { connect } from "../../scripts/stack/db.ts";
import { LocalStorage } from "../../scripts/storage/index.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const SETTINGS: ProjectSettings = { warehouse: "postgres", defaultSchema: "rp", assertionSchema: "rp_assertions", vars: {} };

let stack: TestStack;
let client: pg.Client;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  client = await connect(stack.env, "warehouse");
  await client.query("create schema rp");
}, 120_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await stack?.stop();
});

function ruleSet(files: Record<string, string>): RuleSet {
  return { version: 1, models: Object.entries(files).map(([id, yaml]) => parseRuleFile(`assertions/${id}.yaml`, yaml)) };
}

/** Runs the report on `rules`, capturing what it prints. */
async function report(rules: RuleSet, options: Partial<AssertionReportOptions> = {}) {
  let text = "";
  const out = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  const log = createLogger({ quiet: true });
  const result = await runAssertionReport(stack.env, log, { rules, settings: SETTINGS, client, out, refreshLandingCounts: false, ...options });
  return { result, text };
}

describe("runAssertionReport", () => {
  it("prints the rule, the number of offending rows and at most 5 examples; errors count, warnings do not", async () => {
    await client.query("create table rp.items (item_id integer, name varchar(20), price numeric(12,2))");
    await client.query(`insert into rp.items select i, 'item ' || i, 1.5 from generate_series(1, 20) as i`);
    const rules = ruleSet({
      rp__items: [
        "rules:",
        "  - row_count: { min: 1 }",
        "columns:",
        "  item_id: [not_null, unique]",
        "  price:",
        "    - accepted_range: { max: 2 }",
        "    - accepted_range: { max: 1.75, severity: warn, name: cheap }",
      ].join("\n"),
    });
    const clean = await report(rules);
    expect(clean.result).toMatchObject({ errors: 0, warnings: 0, passed: 5, passedOnEmpty: 0 });
    expect(clean.text.trim()).toMatch(/^assertions: 5 rules — 5 passed, 0 errors, 0 warnings \(\d+ ms\)$/);

    // 7 prices above 2: the error shows 7 and 5 examples. 3 more above 1.75 only trip the warning.
    await client.query("update rp.items set price = 2.5 where item_id <= 7");
    await client.query("update rp.items set price = 1.8 where item_id between 8 and 10");
    const failing = await report(rules);
    expect(failing.result).toMatchObject({ errors: 1, warnings: 1, passed: 3 });
    const error = failing.result.results.find((r) => r.name === "rp__items__accepted_range__price")!;
    expect(error).toMatchObject({ status: "failed", offending: 7, severity: "error" });
    expect(error.examples).toHaveLength(5);
    expect(error.columns[0]).toBe("price");
    const block = failing.text.split("\n✘ ")[0];
    expect(block).toContain("✘ ERROR rp__items__accepted_range__price — price ≤ 2");
    expect(block).toContain("assertions/rp__items.yaml:6 · 7 offending rows · first 5:");
    expect(block.split("\n").filter((l) => /^\s+\| 2\.5\s+\|/.test(l))).toHaveLength(5);
    expect(failing.text).toContain("✘ WARN  rp__items__accepted_range__cheap — price ≤ 1.75");
    expect(failing.text).toContain("assertions/rp__items.yaml:7 · 10 offending rows · first 5:");
    // Errors are printed before warnings, the summary last.
    expect(failing.text.indexOf("ERROR")).toBeLessThan(failing.text.indexOf("WARN"));
    expect(failing.text.trim().split("\n").at(-1)).toMatch(/^assertions: 5 rules — 3 passed, 1 error, 1 warning/);

    // Only the warning left: the report fails nothing.
    await client.query("update rp.items set price = 1.8 where item_id <= 7");
    const warnOnly = await report(rules);
    expect(warnOnly.result).toMatchObject({ errors: 0, warnings: 1, passed: 4 });
  });

  it("an empty table with row_count.min is an error saying 'empty table'; other rules on it are not silent passes", async () => {
    await client.query("create table rp.empty_songs (track_id varchar(18))");
    const rules = ruleSet({
      rp__empty_songs: "rules:\n  - row_count: { min: 1 }\ncolumns:\n  track_id: [not_null, unique]\n",
      rp__empty_other: "columns:\n  track_id: [not_null]\n",
    });
    await client.query("create table rp.empty_other (track_id varchar(18))");
    const { result, text } = await report(rules);
    expect(result).toMatchObject({ errors: 1, warnings: 0, passed: 3, passedOnEmpty: 3 });
    const rowCount = result.results.find((r) => r.name === "rp__empty_songs__row_count")!;
    expect(rowCount).toMatchObject({ status: "failed", message: "empty table", emptyModel: true });
    expect(text).toContain("✘ ERROR rp__empty_songs__row_count — row count ≥ 1");
    expect(text).toContain("assertions/rp__empty_songs.yaml:2 · empty table:");
    expect(text).toContain("∅ EMPTY rp__empty_songs: the table is empty; 2 rules passed on no rows");
    expect(text).toContain("∅ EMPTY rp__empty_other: the table is empty; 1 rule passed on no rows");
    expect(text).toMatch(/3 passed \(3 on empty tables\), 1 error, 0 warnings/);
  });

  it("a rule that cannot run (missing table or column) fails at its severity with the database's reason", async () => {
    const rules = ruleSet({
      rp__nowhere: "columns:\n  a: [not_null]\n",
      rp__items: "columns:\n  no_such_column:\n    - not_null: { severity: warn }\n",
    });
    const { result, text } = await report(rules);
    expect(result).toMatchObject({ errors: 1, warnings: 1, passed: 0 });
    expect(text).toMatch(/✘ ERROR rp__nowhere__not_null__a — a is never null\n\s+assertions\/rp__nowhere\.yaml:2 · could not run: relation "rp\.nowhere" does not exist \(SQLSTATE 42P01\)/);
    expect(text).toMatch(/could not run: column "no_such_column" does not exist/);
  });

  it("filters rules with `only` and prints JSON on request", async () => {
    const rules = ruleSet({ rp__items: "columns:\n  item_id: [not_null, unique]\n  price:\n    - accepted_range: { max: 1 }\n" });
    const { result, text } = await report(rules, { only: ["unique"], json: true });
    expect(result.results.map((r) => r.name)).toEqual(["rp__items__unique__item_id"]);
    expect(JSON.parse(text)).toMatchObject({ errors: 0, warnings: 0, passed: 1 });
  });

  it("refreshes the landed/quarantined counts from manifests and quarantine files, then reconciles", async () => {
    const storage = new LocalStorage(`${stack.dir}/bucket`);
    const manifest = (entity: string, day: string, rows: number) => JSON.stringify({ manifest_version: 1, entity, source: entity.split("/")[0], ingest_on: day, rows, files: [] });
    await storage.put("landing/api/users/ingest_on=2018-11-01/_manifest.json", manifest("api/users", "2018-11-01", 4));
    await storage.put("landing/api/users/ingest_on=2018-11-02/_manifest.json", manifest("api/users", "2018-11-02", 2));
    // A partition without a manifest does not exist.
    await storage.put("landing/api/users/ingest_on=2018-11-03/part-00000.json", "[]");
    await storage.put("quarantine/api/users/ingest_on=2018-11-01/part-run1.jsonl", '{"record":1}\n{"record":2}');
    const counts = await collectLandingCounts(storage);
    expect(counts).toEqual([
      { source: "api", entity: "users", ingest_on: "2018-11-01", landed_rows: 4, quarantined_rows: 2 },
      { source: "api", entity: "users", ingest_on: "2018-11-02", landed_rows: 2, quarantined_rows: 0 },
    ]);
    await writeLandingCounts(client, counts, SETTINGS.assertionSchema);
    await client.query("create table rp.users (user_id varchar(36), ingest_on date)");
    await client.query("insert into rp.users values ('a', '2018-11-01'), ('b', '2018-11-01'), ('c', '2018-11-02'), ('d', '2018-11-02')");
    const rules = ruleSet({ rp__users: "rules:\n  - row_count: { name: reconciles, equal_to: { landed: api/users } }\n" });
    expect((await report(rules)).result).toMatchObject({ errors: 0, passed: 1 });
    await client.query("insert into rp.users values ('e', '2018-11-02')");
    const { result, text } = await report(rules);
    expect(result.errors).toBe(1);
    expect(result.results[0].examples).toEqual([{ ingest_on: "2018-11-02", actual_rows: 3, expected_rows: 2 }]);
    expect(text).toContain("1 offending row:");
  });
});
