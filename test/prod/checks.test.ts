import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import type { CompiledGraph } from "../../scripts/dataform/compile.ts";
import {
  checkStatement,
  compareWithLocal,
  isEmptyStatement,
  diffTokens,
  explainHunk,
  findSecrets,
  formatReport,
  guardContext,
  runProdChecks,
  tokenize,
  type ProdCheckReport,
} from "../../scripts/prod/checks.ts";
import { redshiftStatements } from "../../scripts/prod/ddl.ts";

/**
 * CI checks of the prod (Redshift) compile: statements parse as Redshift SQL where node-sql-parser's
 * redshift grammar covers them, no secret is in the output, and gold SQL differs from the local compile
 * only where an includes/ guard says so. The last block compiles the real project with the real Dataform
 * CLI (no AWS: Secrets Manager is mocked at the SDK client level only to prove it is never called).
 */

describe("redshift statement checks (node-sql-parser redshift grammar)", () => {
  test.each([
    ["select a, count(*) from gold.t group by 1", "parsed"],
    ["with x as (select 1 as n) select n from x", "parsed"],
    ["select cast(dateadd(day, 1, d) as date), datediff(day, a, b), getdate() from t", "parsed"],
    ['insert into "gold"."t"\nselect *\nfrom (select 1) as insertions', "parsed"],
    ['create table "gold"."t_temp" diststyle key distkey (user_id) compound sortkey (a, b) as select 1 as user_id, 2 as a, 3 as b', "parsed-query"],
    ['create or replace view "gold"."v" as select 1 as a with no schema binding', "parsed-query"],
    ['drop table if exists "gold"."t_temp"', "not-covered"],
    ['drop view if exists "gold"."v"', "not-covered"],
    ['alter table "gold"."t_temp" rename to "t"', "parsed"],
    ['alter table "gold"."dim" alter diststyle all', "not-covered"],
    ["create external schema if not exists silver from data catalog database 'deftunes_silver' iam_role 'arn:aws:iam::123456789012:role/x'", "not-covered"],
    ["begin transaction;", "not-covered"],
    ["select a at time zone 'UTC' from t", "grammar-gap"],
    ['delete from "gold"."f" using "gold__f_incremental_temp" where "gold"."f"."k" = "gold__f_incremental_temp"."k";', "grammar-gap"],
    ["delete from gold.t where a = 1", "parsed"],
    ["grant select on all tables in schema gold to group bi", "not-covered"],
    ["create schema if not exists gold", "not-covered"],
  ])("%s → %s", (sql, status) => {
    expect(checkStatement(sql).status).toBe(status);
  });

  test("a real syntax error in a covered statement fails with line and column", () => {
    const result = checkStatement("select a,\n  from gold.t where");
    expect(result.status).toBe("error");
    expect(result.reason).toMatch(/^line 2 column \d+: Expected .* near «from gold.t where»$/);
  });

  test("a syntax error inside a Dataform DDL template fails (the query is parsed)", () => {
    expect(checkStatement('create table "gold"."t_temp" as select a b c from t').status).toBe("error");
    expect(checkStatement('create or replace view "gold"."v" as selec 1 with no schema binding').status).toBe("error");
  });

  test("malformed Redshift-only clauses fail against their known shape", () => {
    expect(checkStatement('create table "gold"."t" diststyle sideways distkey (a) as select 1 as a').status).toBe("error");
    expect(checkStatement("create external schema silver from data catalog database deftunes_silver iam_role 'arn:aws:iam::123456789012:role/x'").status).toBe("error");
    expect(checkStatement('alter table "gold"."dim" alter diststyle everywhere').status).toBe("error");
    expect(checkStatement("selct 1")).toMatchObject({ status: "error", reason: '"selct" does not start any Redshift statement' });
    expect(checkStatement("delete from gold.t wher a = 1").status).toBe("error");
  });

  test("the Redshift adapter's statements for a table, a view, an incremental merge and an assertion", () => {
    const table = { target: { schema: "gold", name: "t" }, query: "select 1 as a", redshift: { distStyle: "key", distKey: "a", sortStyle: "compound", sortKeys: ["a"] }, postOps: ['alter table "gold"."t" alter diststyle all'] };
    expect(redshiftStatements(table, "table")).toEqual([
      'drop table if exists "gold"."t_temp"',
      'create table "gold"."t_temp" diststyle key distkey (a) compound sortkey (a) as select 1 as a',
      'drop table if exists "gold"."t"',
      'alter table "gold"."t_temp" rename to "t"',
      'alter table "gold"."t" alter diststyle all',
    ]);
    expect(redshiftStatements({ target: { schema: "gold", name: "v" }, query: "select 1" }, "view")).toEqual(['drop view if exists "gold"."v"', 'create or replace view "gold"."v" as select 1 with no schema binding']);
    const incremental = { target: { schema: "gold", name: "f" }, query: "select 1 as k", incrementalQuery: "select 2 as k", uniqueKey: ["k"] };
    const merge = redshiftStatements(incremental, "incremental", "incremental");
    expect(merge[1]).toBe('create temp table "gold__f_incremental_temp" as select * from (select 2 as k\n) as data;');
    expect(merge.map((s) => checkStatement(s).status)).toEqual(["not-covered", "parsed-query", "not-covered", "grammar-gap", "parsed", "not-covered", "not-covered"]);
    expect(redshiftStatements({ target: { schema: "gold_assertions", name: "a" }, query: "select 1" }, "assertion").at(-1)).toBe('select sum(1) as row_count from "gold_assertions"."a"');
  });
});

describe("secret checks", () => {
  test("a known secret value or a credential pattern is found, by where it is", () => {
    const findings = findSecrets({ "model x": "select 'hunter2-canary' as p", ok: "select 1", url: "postgres://u:pw@host/db", key: "AKIAABCDEFGHIJKLMNOP" }, ["hunter2-canary"]);
    expect(findings).toEqual([
      { where: "model x", what: "secret value #1" },
      { where: "url", what: "password in a connection string" },
      { where: "key", what: "AWS access key id" },
    ]);
    expect(findSecrets({ a: "abc" }, ["abc"])).toEqual([]);
  });
});

describe("local vs prod: differences only where an includes/ guard says so", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "guards-"));
    fs.mkdirSync(path.join(dir, "includes"));
    fs.mkdirSync(path.join(dir, "definitions"));
    fs.writeFileSync(
      path.join(dir, "includes", "dates.js"),
      'const isRedshift = () => dataform.projectConfig.warehouse === "redshift";\nfunction addDays(e, n) { return isRedshift() ? `dateadd(day, ${n}, ${e})` : `(${e}) + (${n})`; }\nmodule.exports = { addDays };\n',
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const graph = (warehouse: string, query: string, extra: Partial<CompiledGraph> = {}): CompiledGraph => ({
    projectConfig: { warehouse, defaultSchema: "gold", vars: { silver_schema: "silver" } },
    tables: [{ type: "table", target: { schema: "gold", name: "dim_date" }, query, tags: ["gold"] }],
    ...extra,
  });

  test("a guarded date function is explained; an unguarded change is not", () => {
    const context = guardContext(path.join(dir, "includes"), ["silver"]);
    const local = graph("postgres", "select (first_date) + (offsets.n) as d from bounds cross join offsets");
    const prod = graph("redshift", "select dateadd(day, offsets.n, first_date) as d from bounds cross join offsets");
    const ok = compareWithLocal(local, prod, context);
    expect(ok.problems).toEqual([]);
    expect(ok.models[0].explained).toHaveLength(1);
    expect(ok.models[0].unexplained).toEqual([]);

    const changed = graph("redshift", "select dateadd(day, offsets.n, first_date) as d from bounds cross join offsets where is_holiday");
    const bad = compareWithLocal(local, changed, context);
    expect(bad.models[0].unexplained.map((u) => u.reason)).toEqual(['word(s) "where", "is_holiday" differ but come from no includes/ helper']);
    // Far from any guarded fragment, the same change is judged on its own.
    const far = compareWithLocal(graph("postgres", "select x from t"), graph("redshift", "select x from t where is_holiday"), context);
    expect(far.models[0].unexplained.map((u) => u.reason)).toEqual(['none of the differing words ("where", "is_holiday") comes from an includes/ helper']);

    const numbers = compareWithLocal(graph("postgres", "select 1 limit 10"), graph("redshift", "select 1 limit 20"), context);
    expect(numbers.models[0].unexplained[0].reason).toMatch(/numbers, punctuation or order only/);
  });

  test("a difference in a var value is configuration, not a guard", () => {
    const context = guardContext(path.join(dir, "includes"), ["silver", "silver_ext"]);
    const report = compareWithLocal(graph("postgres", 'select a from "silver"."songs"'), graph("redshift", 'select a from "silver_ext"."songs"'), context);
    expect(report.models[0].explained.map((e) => e.by)).toEqual(["vars"]);
  });

  test("Redshift options in the local compile, prod-only non-setup actions and definitions branching on the warehouse are failures", () => {
    fs.writeFileSync(path.join(dir, "definitions", "bad.sqlx"), 'config { type: "table" }\nselect ${dataform.projectConfig.warehouse === "redshift" ? "getdate()" : "now()"} as t\n');
    const context = guardContext(path.join(dir, "includes"), []);
    const local = graph("postgres", "select 1");
    (local.tables![0] as { redshift?: object }).redshift = { distStyle: "key", distKey: "a" };
    const prod = graph("redshift", "select 1", {
      operations: [
        { target: { schema: "gold", name: "spectrum_schema" }, queries: ["create external schema …"], tags: ["setup"] },
        { target: { schema: "gold", name: "grants" }, queries: ["grant select on all tables in schema gold to group bi"], tags: [] },
      ],
    });
    const report = compareWithLocal(local, prod, context, { definitionsDir: path.join(dir, "definitions") });
    expect(report.onlyInProd).toEqual(["gold.grants", "gold.spectrum_schema"]);
    expect(report.problems).toEqual([
      "gold.grants exists only in the prod compile and is not a setup operation",
      "gold.dim_date: the local (postgres) compile has Redshift dist/sort options; the postgres adapter would emit them (guard them with includes/)",
      "definitions/bad.sqlx branches on the warehouse itself; put the branch in an includes/ helper",
    ]);
  });

  test("a guard swapping = any(array(…)) for in (…) explains its trailing bracket; a bracket alone is not explained", () => {
    fs.writeFileSync(path.join(dir, "includes", "scope.js"), 'function inScope(v) { return dataform.projectConfig.warehouse === "redshift" ? `in (${v})` : `= any(array(${v}))`; }\nmodule.exports = { inScope };\n');
    const context = guardContext(path.join(dir, "includes"), []);
    const scoped = (w: string, filter: string) => graph(w, `select k from t where k ${filter} and k is not null`);
    const swapped = compareWithLocal(scoped("postgres", "= any(array(select k from gold_internal.s where s.all_rows is not true and s.day > 1))"), scoped("redshift", "in (select k from gold_internal.s where s.all_rows is not true and s.day > 1)"), context);
    expect(swapped.models[0].unexplained).toEqual([]);
    expect(swapped.models[0].explained.length).toBeGreaterThanOrEqual(2);
    const bracket = compareWithLocal(graph("postgres", "select (k) from t"), graph("redshift", "select k from t"), context);
    expect(bracket.models[0].unexplained).toHaveLength(1);
  });

  test("empty blocks of an operations list do not shift the labels of the operations after them", () => {
    const context = guardContext(path.join(dir, "includes"), []);
    const withOps = (w: string, postOps: string[]) => graph(w, "select 1", { tables: [{ type: "table", target: { schema: "gold", name: "dim_date" }, query: "select 1", tags: ["gold"], postOps } as CompiledGraph["tables"] extends (infer T)[] | undefined ? T : never] });
    const local = withOps("postgres", ["analyze gold.dim_date", "", "delete from gold_internal.s"]);
    const report = compareWithLocal(local, withOps("redshift", ["", "delete from gold_internal.s"]), context);
    // Only the operation one side lacks differs (no helper here emits it): the delete after it is not shifted.
    expect(report.models[0].unexplained.map((u) => u.hunk.local)).toEqual(["postOps: analyze gold . dim_date ;"]);
    fs.writeFileSync(path.join(dir, "includes", "analyze.js"), 'function analyze(t) { return dataform.projectConfig.warehouse === "redshift" ? "" : `analyze ${t}`; }\nmodule.exports = { analyze };\n');
    const guarded = compareWithLocal(local, withOps("redshift", ["", "delete from gold_internal.s"]), guardContext(path.join(dir, "includes"), []));
    expect(guarded.models[0].unexplained).toEqual([]);
    expect(isEmptyStatement("  -- only a comment\n")).toBe(true);
    expect(isEmptyStatement("analyze t")).toBe(false);
  });

  test("token diff keeps one guarded fragment in one hunk", () => {
    const hunks = diffTokens(tokenize("cast((bounds.first_date) + (offsets.n) as date)"), tokenize("cast(dateadd(day, offsets.n, bounds.first_date) as date)"));
    expect(hunks).toHaveLength(1);
    const context = guardContext(path.join(dir, "includes"), []);
    expect(explainHunk(hunks[0], context, { shared: new Set(["bounds", "first_date", "offsets", "n"]) })).toEqual({ explained: true, by: "guard" });
  });
});

describe("prod compile of this project (real Dataform CLI; Secrets Manager mocked at SDK client level to prove no AWS call)", () => {
  const CANARY = "canary-redshift-pw-3b6e1f0c";
  let report: ProdCheckReport;
  let compiledText: string;
  const secretsMock = mockClient(SecretsManagerClient);
  let saved: string | undefined;

  beforeAll(async () => {
    saved = process.env.REDSHIFT_PASSWORD;
    process.env.REDSHIFT_PASSWORD = CANARY;
    report = await runProdChecks(loadEnvironment("prod"), { secrets: [CANARY] });
    compiledText = report.statements.map((s) => s.sql).join("\n");
    // What the checks found, for whoever reads the CI log (which statements were not parsed and why).
    process.stdout.write(`\n${formatReport(report)}\n`);
  }, 300_000);

  afterAll(() => {
    secretsMock.restore();
    if (saved === undefined) delete process.env.REDSHIFT_PASSWORD;
    else process.env.REDSHIFT_PASSWORD = saved;
  });

  test("every compiled statement parses as Redshift SQL where the grammar covers it, and nothing fails", () => {
    expect(report.statements.length).toBeGreaterThan(0);
    expect(report.statements.filter((s) => s.status === "error")).toEqual([]);
    // Most statements are checked by the real parser, not only by shape.
    expect(report.counts.parsed + report.counts["parsed-query"]).toBeGreaterThan(report.statements.length / 2);
    // The one kind the grammar never covers is still reported with its reason.
    for (const s of report.statements.filter((x) => x.status === "not-covered" || x.status === "grammar-gap")) expect(s.reason).toBeTruthy();
    expect(report.failures).toEqual([]);
  });

  test("compiling read no secret, called no AWS API, wrote no credentials, and the canary password is nowhere in the output", () => {
    expect(secretsMock.calls()).toHaveLength(0);
    expect(report.secrets).toEqual([]);
    expect(compiledText).not.toContain(CANARY);
    expect(fs.existsSync(fromRoot(".build", "prod", ".df-credentials.json"))).toBe(false);
    for (const file of fs.readdirSync(fromRoot(".build", "prod"))) {
      const full = fromRoot(".build", "prod", file);
      if (fs.lstatSync(full).isFile()) expect(fs.readFileSync(full, "utf8"), file).not.toContain(CANARY);
    }
  });

  test("the setup operation creates the external schema over the Glue database from prod.yaml", () => {
    const setup = report.statements.filter((s) => s.kind === "create external");
    expect(setup.length).toBeGreaterThanOrEqual(1);
    expect(setup[0].sql).toMatch(/from data catalog database 'deftunes_silver'/i);
    expect(setup[0].sql).toMatch(/iam_role 'arn:aws:iam::123456789012:role\/deftunes-spectrum'/i);
  });

  test("gold SQL differs from the local compile only where an includes/ guard says so", () => {
    expect(report.guards.problems).toEqual([]);
    expect(report.guards.models.flatMap((m) => m.unexplained)).toEqual([]);
  });

  test("there is at least one gold table", (context) => {
    if (report.goldModels.length === 0) {
      context.skip("no gold models compiled yet (definitions/ tagged gold or in schemas gold/sparkify): nothing to compare");
    }
    expect(report.goldModels.length).toBeGreaterThanOrEqual(1);
  });
});
