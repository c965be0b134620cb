import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

// `lakehouse ls` compiles the real project (no database: the throwaway environment's warehouse is not
// started) and lists what a selection picks.
let stack: TestStack;
beforeAll(async () => {
  stack = await testEnvironment();
});
afterAll(async () => {
  await stack?.stop();
});

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), ...args, "--env", "ci", "-q"], { env: stack.cliEnv, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("lakehouse ls", () => {
  it("lists a model with its ancestors by name, in the compiled order", () => {
    const out = lakehouse("ls", "--select", "+dim_songs");
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim().split("\n")).toEqual(["silver.songs", "gold.dim_artists", "gold.dim_songs", "gold.stg_catalog__songs"]);
  }, 120_000);

  it("prints the files of a selection with --output path, and objects with --output json", () => {
    const paths = lakehouse("ls", "--select", "tag:reporting,schema:gold type:test,tag:reporting,schema:gold", "--output", "path");
    expect(paths.code, paths.stderr).toBe(0);
    const files = paths.stdout.trim().split("\n");
    expect(files).toEqual(["definitions/reporting/monthly_active_users.sqlx", "definitions/reporting/sales_per_artist.sqlx", "definitions/reporting/sales_per_country.sqlx", "definitions/tests/reporting.js"]);
    for (const f of files) expect(fs.existsSync(fromRoot(f)), f).toBe(true);

    const json = lakehouse("ls", "--select", "path:assertions/gold__dim_date.yaml", "--exclude", "*freshness*", "--output", "json");
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as { name: string; type: string; file: string; dependencies: string[] }[];
    expect(listed.length).toBeGreaterThan(0);
    for (const a of listed) {
      expect(a).toMatchObject({ type: "assertion", file: "assertions/gold__dim_date.yaml", dependencies: ["gold.dim_date"] });
      expect(a.name).not.toMatch(/freshness/);
    }
    // every listed assertion is one of the YAML file's rules
    const yaml = fs.readFileSync(fromRoot(path.join("assertions", "gold__dim_date.yaml")), "utf8");
    for (const a of listed) expect(yaml).toContain(a.name.split("__")[3] ?? "");
  }, 120_000);

  it("compiles with --schema-suffix and --vars: a developer's own schemas, silver shared", () => {
    const out = lakehouse("ls", "--select", "1+dim_artists", "--schema-suffix", "dev_t", "--vars", "assertions_now=2018-11-30");
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim().split("\n")).toEqual(["gold_dev_t.dim_artists", "gold_dev_t.stg_catalog__songs"]);
    const bad = lakehouse("ls", "--schema-suffix", "dev-t");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/schema suffix "dev-t" may hold only letters, digits and _/);
  }, 120_000);

  it("state:modified / state:new against a saved `compile --json` of another revision", () => {
    const compiled = lakehouse("compile", "--json");
    expect(compiled.code, compiled.stderr).toBe(0);
    // The "other revision": dim_songs had different SQL there, and sales_per_artist did not exist yet.
    const base = JSON.parse(compiled.stdout) as { tables: { target: { name: string }; query: string }[] };
    base.tables.find((t) => t.target.name === "dim_songs")!.query += "\n-- older revision";
    base.tables = base.tables.filter((t) => t.target.name !== "sales_per_artist");
    const state = path.join(stack.dir, "base.json");
    fs.writeFileSync(state, JSON.stringify(base));
    const modified = lakehouse("ls", "--select", "state:modified", "--state", state);
    expect(modified.code, modified.stderr).toBe(0);
    expect(modified.stdout.trim().split("\n")).toEqual(["gold.dim_songs"]);
    const changed = lakehouse("ls", "--select", "state:modified+,type:table state:new", "--state", state);
    expect(changed.stdout.trim().split("\n")).toEqual(["gold.dim_songs", "gold.dim_users", "gold.sales_per_artist"]);
    const same = lakehouse("ls", "--select", "state:modified", "--state", state.replace("base.json", "same.json"));
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/--state: cannot read a compiled graph/);
  }, 180_000);

  it("exits 1 naming a selector that matches nothing, or an unknown output", () => {
    const none = lakehouse("ls", "--select", "dim_sogns");
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/selector "dim_sogns" matches no action/);
    expect(none.stdout).toBe("");
    const bad = lakehouse("ls", "--output", "yaml");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown --output "yaml"/);
  }, 120_000);
});
