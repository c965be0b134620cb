import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isQuery, splitStatements } from "../../scripts/cli/commands/sql.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const BIN = fromRoot("bin", "lakehouse.js");
let stack: TestStack;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

function sql(args: string[], nodeArgs: string[] = []) {
  const result = spawnSync(process.execPath, [...nodeArgs, BIN, "sql", ...args, "--env", "ci"], { env: stack.cliEnv, encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("splitStatements / isQuery", () => {
  it("splits at semicolons outside quotes, dollar quotes and comments", () => {
    expect(splitStatements("select 1;")).toEqual(["select 1"]);
    expect(splitStatements("select ';' as a, \"x;y\" from t -- ;\n; select $$;$$, $f$ ; $f$ /* ; */")).toEqual([
      "select ';' as a, \"x;y\" from t -- ;\n",
      " select $$;$$, $f$ ; $f$ /* ; */",
    ]);
    expect(splitStatements("select 'it''s; fine'")).toHaveLength(1);
    expect(splitStatements("create table t (x int); insert into t values (1); -- done")).toHaveLength(2);
  });

  it("knows which statements return rows", () => {
    for (const q of ["select 1", "  with a as (select 1) select * from a", "-- c\nvalues (1)", "(select 1) union (select 2)", "TABLE t", "/* x */ select 1"]) expect(isQuery(q), q).toBe(true);
    for (const q of ["insert into t values (1)", "create table t (x int)", "explain select 1", "selected"]) expect(isQuery(q), q).toBe(false);
  });
});

describe("lakehouse sql (real embedded PostgreSQL)", () => {
  it("puts --limit into the query: two billion rows, three fetched", () => {
    const started = Date.now();
    // (generate_series in the select list streams; in FROM it would materialize first)
    const out = sql(["select g, g * 2 as twice from (select generate_series(1, 2000000000) as g) as s", "--limit", "3"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/\| g +\| twice \|/);
    expect(out.stdout.split("\n").filter((l) => /^\| \d/.test(l)).map((l) => l.replace(/\s+/g, ""))).toEqual(["|1|2|", "|2|4|", "|3|6|"]);
    expect(out.stdout).toMatch(/first 3 rows; more not fetched/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it("--json with --limit keeps the query's order and prints only a JSON array", () => {
    const out = sql(["--json", "--limit", "2", "select g as n, 'row ' || g as label from generate_series(1, 1000) g order by g desc;"]);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([
      { n: 1000, label: "row 1000" },
      { n: 999, label: "row 999" },
    ]);
    expect(JSON.parse(sql(["--json", "select 1 as n where false"]).stdout)).toEqual([]);
  });

  it("--json streams every row without holding them: 1.5 M rows (~250 MB) through a 96 MB heap", () => {
    const file = path.join(stack.dir, "rows.json");
    const fd = fs.openSync(file, "w");
    try {
      const result = spawnSync(
        process.execPath,
        ["--max-old-space-size=96", BIN, "sql", "--json", "--env", "ci", "select g, repeat('x', 120) || g as payload from generate_series(1, 1500000) g"],
        { env: stack.cliEnv, stdio: ["ignore", fd, "pipe"], encoding: "utf8", timeout: 240_000 },
      );
      expect(result.status, result.stderr).toBe(0);
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.statSync(file).size).toBeGreaterThan(200 * 1024 * 1024);
    const text = fs.readFileSync(file, "utf8");
    expect(text.startsWith('[{"g":1,"payload":"xxx')).toBe(true);
    expect(text.endsWith(`${"x".repeat(120)}1500000"}]\n`)).toBe(true);
    expect(text.split('{"g":').length - 1).toBe(1_500_000);
  }, 300_000);

  it("runs other statements as they are and prints the last result", () => {
    const ddl = sql(["create table numbers (n int); insert into numbers select generate_series(1, 4)"]);
    expect(ddl.code, ddl.stderr).toBe(0);
    expect(ddl.stdout.trim()).toBe("INSERT 4");
    expect(JSON.parse(sql(["--json", "select 1 as n; select sum(n) as total from numbers"]).stdout)).toEqual([{ total: 10 }]);
  });

  it("exits 1 with the server's message and nothing on stdout on a bad query or limit", () => {
    const bad = sql(["--json", "select 1 / (n - n) from numbers"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/division by zero \(SQLSTATE 22012\)/);
    expect(bad.stdout).toBe("");
    const limit = sql(["select 1", "--limit", "ten"]);
    expect(limit.code).toBe(1);
    expect(limit.stderr).toMatch(/--limit "ten" is not a whole number/);
  });
});
