import { describe, expect, it } from "vitest";
import { assertionName, loadRules, parseRuleFile, RuleFileError } from "../../scripts/assertions/load.ts";

/** The error a file gives: its line and message (fails the test when the file is accepted). */
function errorOf(text: string, file = "assertions/qa__items.yaml"): { line: number | undefined; message: string; oneLine: string } {
  try {
    parseRuleFile(file, text);
  } catch (error) {
    expect(error).toBeInstanceOf(RuleFileError);
    const e = error as RuleFileError;
    expect(e.file).toBe(file);
    return { line: e.line, message: e.message, oneLine: e.oneLine() };
  }
  throw new Error("the file was accepted");
}

const lines = (...xs: string[]) => `${xs.join("\n")}\n`;

describe("rule files: errors name file, line and reason", () => {
  it("an unknown column rule", () => {
    const e = errorOf(lines("columns:", "  track_id:", "    - not_null", "    - lenght: { exact: 18 }"));
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/unknown rule "lenght"/);
    expect(e.oneLine).toBe(`assertions: assertions/qa__items.yaml:4 field columns.track_id[1].lenght: ${e.message}`);
  });

  it("an unknown bare rule name, and a rule that needs arguments written bare", () => {
    expect(errorOf(lines("columns:", "  a:", "    - not_nul"))).toMatchObject({ line: 3, message: expect.stringMatching(/unknown rule "not_nul"/) });
    expect(errorOf(lines("columns:", "  a:", "    - not_null", "    - length"))).toMatchObject({ line: 4, message: expect.stringMatching(/"length" needs arguments/) });
  });

  it("a rule at the wrong level says where it belongs", () => {
    expect(errorOf(lines("rules:", "  - not_null: {}"))).toMatchObject({ line: 2, message: expect.stringMatching(/column rule: put it under columns/) });
    expect(errorOf(lines("columns:", "  a:", "    - row_count: { min: 1 }"))).toMatchObject({ line: 3, message: expect.stringMatching(/model rule: put it under rules/) });
  });

  it("a bad argument: wrong type, unknown name, missing, out of range", () => {
    expect(errorOf(lines("columns:", "  a:", "    - length:", "        exact: eighteen"))).toMatchObject({ line: 4, message: expect.stringMatching(/exact must be integer/) });
    expect(errorOf(lines("columns:", "  a:", "    - length: { exact: 18, maximum: 3 }"))).toMatchObject({ line: 3, message: expect.stringMatching(/unknown argument "maximum".*expected.*exact/) });
    expect(errorOf(lines("columns:", "  a:", "    - not_null", "    - accepted_values: { severity: warn }"))).toMatchObject({ line: 4, message: expect.stringMatching(/needs "values"/) });
    expect(errorOf(lines("columns:", "  a:", "    - uniqueness_ratio: { min: 1.5 }"))).toMatchObject({ line: 3, message: expect.stringMatching(/min must be <= 1/) });
    expect(errorOf(lines("columns:", "  a:", "    - not_null: { severity: fatal }"))).toMatchObject({ line: 3, message: expect.stringMatching(/severity must be one of error, warn/) });
    expect(errorOf(lines("rules:", "  - freshness: { column: a, max_age: 1 fortnight }"))).toMatchObject({ line: 2, message: expect.stringMatching(/max_age must read like/) });
    expect(errorOf(lines("columns:", "  a:", "    - relationships: { to: dim_songs, field: a }"))).toMatchObject({ line: 3, message: expect.stringMatching(/to must be a model id/) });
  });

  it("semantic checks: ranges, exclusive arguments, SQL without ';', landed entities", () => {
    expect(errorOf(lines("columns:", "  a:", "    - length: {}"))).toMatchObject({ line: 3, message: "length needs exact, or min and/or max" });
    expect(errorOf(lines("columns:", "  a:", "    - length:", "        exact: 3", "        max: 4"))).toMatchObject({ line: 4, message: expect.stringMatching(/not both/) });
    expect(errorOf(lines("columns:", "  a:", "    - accepted_range: { min: 5, max: 1 }"))).toMatchObject({ line: 3, message: expect.stringMatching(/greater than max/) });
    expect(errorOf(lines("rules:", "  - row_count: { min: 1, equal_to: { model: qa__other } }"))).toMatchObject({ line: 2, message: expect.stringMatching(/not both/) });
    expect(errorOf(lines("rules:", "  - row_count:", "      equal_to: { landed: api/nothing }"))).toMatchObject({ line: 3, message: expect.stringMatching(/landed must be one of/) });
    expect(errorOf(lines("columns:", "  a:", "    - not_null:", "        where: a > 1; drop table x"))).toMatchObject({ line: 4, message: expect.stringMatching(/without ";"/) });
    expect(errorOf(lines("rules:", "  - expression: { expression: a > 1 }"))).toMatchObject({ line: 2, message: expect.stringMatching(/needs "name"/) });
    expect(errorOf(lines("rules:", "  - freshness:", "      column: a", "      max_age: 1 day", "      reference: { model: qa__b }"))).toMatchObject({
      line: 5,
      message: "a model reference needs column",
    });
  });

  it("a bad freshness reference, a bad column name, two rules in one item", () => {
    expect(errorOf(lines("rules:", "  - freshness:", "      column: a", "      max_age: 1 day", "      reference: later"))).toMatchObject({
      line: 5,
      message: expect.stringMatching(/reference must be "now"/),
    });
    expect(errorOf(lines("rules:", "  - freshness:", "      column: a", "      max_age: 1 day", "      reference:", "        model: qa__b", "        colum: x"))).toMatchObject({
      line: 7,
      message: expect.stringMatching(/unknown argument "colum"/),
    });
    expect(errorOf(lines("columns:", "  ok: [not_null]", "  Track: [not_null]"))).toMatchObject({ line: 3, message: 'column name "Track" must be a lower-case identifier' });
    expect(errorOf(lines("columns:", "  a:", "    - not_null: {}", "      unique: {}"))).toMatchObject({ line: 3, message: expect.stringMatching(/exactly one rule/) });
  });

  it("two rules with one name, and an unknown key at the top", () => {
    const e = errorOf(lines("columns:", "  a:", "    - not_null", "    - not_null: { severity: warn }"));
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/both be named qa__items__not_null__a \(the other is at line 3\)/);
    expect(errorOf(lines("column:", "  a: [not_null]"))).toMatchObject({ line: 1, message: expect.stringMatching(/unknown key "column"/) });
  });

  it("silver columns are checked against scripts/silver/tables.ts", () => {
    expect(errorOf(lines("columns:", "  track_id: [not_null]", "  trackid: [not_null]"), "assertions/silver__songs.yaml")).toMatchObject({
      line: 3,
      message: 'silver.songs has no column "trackid"',
    });
    expect(errorOf(lines("columns:", "  a: [not_null]"), "assertions/silver__nothing.yaml").message).toMatch(/silver has no table "nothing"/);
  });

  it("YAML syntax errors and bad file names", () => {
    expect(errorOf(lines("columns:", "  a: [not_null", "  b: x"))).toMatchObject({ message: expect.stringMatching(/invalid YAML/) });
    expect(errorOf(lines("columns:", "  a: [not_null]", "  a: [unique]")).message).toMatch(/invalid YAML/);
    expect(errorOf("columns: {}\n", "assertions/dim_songs.yaml")).toMatchObject({ line: 1, message: expect.stringMatching(/<schema>__<table>\.yaml/) });
  });
});

describe("rule files: normalised rules", () => {
  it("derives names, descriptions and sources; sorts by name", () => {
    const model = parseRuleFile(
      "assertions/gold__stg_api__users.yaml",
      lines(
        "tags: [staging, api]",
        "rules:",
        "  - unique: { columns: [user_id, ingest_on] }",
        "  - row_count: { min: 1 }",
        "columns:",
        "  user_id:",
        "    - not_null",
        "    - uniqueness_ratio: { min: 0.95, severity: warn, where: ingest_on > '2018-11-01' }",
      ),
    );
    expect(model).toMatchObject({ id: "gold__stg_api__users", schema: "gold", table: "stg_api__users", tags: ["api", "staging"] });
    expect(model.rules.map((r) => [r.name, r.source, r.severity])).toEqual([
      ["gold__stg_api__users__not_null__user_id", "assertions/gold__stg_api__users.yaml:7", "error"],
      ["gold__stg_api__users__row_count", "assertions/gold__stg_api__users.yaml:4", "error"],
      ["gold__stg_api__users__unique__user_id__ingest_on", "assertions/gold__stg_api__users.yaml:3", "error"],
      ["gold__stg_api__users__uniqueness_ratio__user_id", "assertions/gold__stg_api__users.yaml:8", "warn"],
    ]);
    expect(model.rules[3]).toMatchObject({ where: "ingest_on > '2018-11-01'", args: { min: 0.95 }, description: "distinct user_id / rows ≥ 0.95 (rows where ingest_on > '2018-11-01')" });
    expect(model.rules[2].args).toEqual({ columns: ["user_id", "ingest_on"] });
  });

  it("landed comparisons are per ingest_on; freshness defaults to now", () => {
    const model = parseRuleFile(
      "assertions/silver__users.yaml",
      lines("rules:", "  - row_count: { equal_to: { landed: api/users } }", "  - freshness: { column: ingest_on, max_age: 2 days }"),
    );
    const [freshness, rowCount] = model.rules;
    expect(rowCount.args).toEqual({ equal_to: { landed: "api/users" }, group_by: ["ingest_on"] });
    expect(freshness.args).toEqual({ column: "ingest_on", max_age: "2 days", reference: { now: true } });
  });

  it("cuts names longer than 63 characters with a stable hash", () => {
    const long = assertionName("gold__fct_session_items", "unique", "session_id__item_number__ingest_on__source_file");
    expect(long.length).toBe(63);
    expect(long).toMatch(/^gold__fct_session_items__unique__session_id__item_numb_[0-9a-f]{8}$/);
    expect(assertionName("gold__fct_session_items", "unique", "session_id__item_number__ingest_on__source_file")).toBe(long);
    expect(assertionName("gold__dim_songs", "row_count", null)).toBe("gold__dim_songs__row_count");
  });

  it("the project's own rule files load", () => {
    const set = loadRules();
    expect(set.models.length).toBeGreaterThanOrEqual(6);
    const names = set.models.flatMap((m) => m.rules.map((r) => r.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => n.length <= 63)).toBe(true);
  });
});
