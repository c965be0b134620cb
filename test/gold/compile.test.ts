/**
 * The same definitions compile for both warehouses: the postgres compile (dataform.json at the root) carries
 * no Redshift DDL, and a Redshift compile gets dist/sort keys, `diststyle all` on the small dimensions, the
 * Spectrum setup operation and Spectrum-flavoured silver checks — all through the includes/ guards.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot, PROJECT_ROOT } from "../../scripts/core/paths.ts";

interface CompiledTable {
  target: { schema: string; name: string };
  type: string;
  query: string;
  incrementalQuery?: string;
  preOps?: string[];
  postOps?: string[];
  incrementalPreOps?: string[];
  redshift?: { distKey?: string; distStyle?: string; sortKeys?: string[]; sortStyle?: string };
  uniqueKey?: string[];
  tags?: string[];
}
interface CompiledGraph {
  tables: CompiledTable[];
  operations?: { target: { name: string }; queries: string[]; tags?: string[] }[];
  declarations?: { target: { schema: string; name: string }; actionDescriptor?: { columns?: { path: string[]; description: string }[] } }[];
  graphErrors?: { compilationErrors?: unknown[] };
}

function compile(dir: string): CompiledGraph {
  const out = execFileSync(process.execPath, [fromRoot("node_modules/@dataform/cli/bundle.js"), "compile", dir, "--json", "--timeout", "120s"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out.slice(out.indexOf("{"))) as CompiledGraph;
}

const MINE = ["dim_songs", "dim_artists", "dim_users", "dim_date", "fct_session_items"];
const table = (graph: CompiledGraph, name: string) => {
  const found = graph.tables.find((t) => t.target.name === name);
  if (!found) throw new Error(`${name} not compiled`);
  return found;
};
const allSql = (t: CompiledTable) => [t.query, t.incrementalQuery ?? "", ...(t.preOps ?? []), ...(t.postOps ?? []), ...(t.incrementalPreOps ?? [])].join("\n");

describe("compile for postgres and for redshift", () => {
  let postgres: CompiledGraph;
  let redshift: CompiledGraph;
  let dir: string;

  beforeAll(() => {
    postgres = compile(PROJECT_ROOT);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-redshift-"));
    for (const entry of ["definitions", "includes", "node_modules", "package.json"]) fs.symlinkSync(fromRoot(entry), path.join(dir, entry));
    const root = JSON.parse(fs.readFileSync(fromRoot("dataform.json"), "utf8"));
    fs.writeFileSync(
      path.join(dir, "dataform.json"),
      JSON.stringify({ ...root, warehouse: "redshift", vars: { ...root.vars, glue_database: "deftunes_silver", iam_role: "arn:aws:iam::123456789012:role/spectrum" } }),
    );
    redshift = compile(dir);
  }, 300_000);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("compiles without errors on both", () => {
    expect(postgres.graphErrors?.compilationErrors ?? []).toEqual([]);
    expect(redshift.graphErrors?.compilationErrors ?? []).toEqual([]);
  });

  it("emits no Redshift DDL for postgres", () => {
    for (const t of postgres.tables) {
      expect(t.redshift, t.target.name).toBeUndefined();
      expect(allSql(t)).not.toMatch(/diststyle|sortkey|svv_external|with no schema binding/i);
    }
    expect((postgres.operations ?? []).map((o) => o.target.name)).not.toContain("spectrum_schema");
  });

  it("gives the marts dist and sort keys on Redshift, and diststyle all to the small dimensions", () => {
    expect(table(redshift, "fct_session_items").redshift).toMatchObject({ distStyle: "key", distKey: "user_id", sortStyle: "compound", sortKeys: ["ingest_on", "session_started_at"] });
    expect(table(redshift, "dim_users").redshift).toMatchObject({ distStyle: "key", distKey: "user_id" });
    for (const name of ["dim_songs", "dim_artists", "dim_date"]) {
      expect(table(redshift, name).postOps?.join("\n")).toMatch(/alter table "gold"\."\w+" alter diststyle all/);
    }
    for (const name of MINE) expect(table(redshift, name).tags).toContain("gold");
  });

  it("creates the Spectrum external schema only on Redshift, tagged setup", () => {
    const op = (redshift.operations ?? []).find((o) => o.target.name === "spectrum_schema");
    expect(op?.tags).toEqual(["setup"]);
    expect(op?.queries[0]).toBe(`create external schema if not exists "silver" from data catalog database 'deftunes_silver' iam_role 'arn:aws:iam::123456789012:role/spectrum'`);
  });

  it("checks silver through the Spectrum catalog on Redshift and pg_attribute on postgres", () => {
    expect(table(redshift, "stg_api__session_items").preOps?.join("\n")).toMatch(/svv_external_columns/);
    expect(table(postgres, "stg_api__session_items").preOps?.join("\n")).toMatch(/pg_attribute/);
  });

  it("uses the date helpers' Redshift branch (no generate_series, no date arithmetic)", () => {
    expect(table(redshift, "dim_date").query).toMatch(/dateadd\(day,/);
    expect(table(redshift, "dim_date").query).toMatch(/datediff\(day,/);
    expect(table(postgres, "dim_date").query).not.toMatch(/dateadd|datediff/);
  });

  it("declares the six silver tables with their column docs", () => {
    const names = (postgres.declarations ?? []).filter((d) => d.target.schema === "silver").map((d) => d.target.name).sort();
    expect(names).toEqual(["session_items", "sessions", "songs", "sparkify_events", "sparkify_songs", "users"]);
    const users = (postgres.declarations ?? []).find((d) => d.target.name === "users" && d.target.schema === "silver");
    expect(users?.actionDescriptor?.columns?.find((c) => c.path[0] === "user_since")?.description).toMatch(/signed up/);
  });

  it("makes fct_session_items incremental with a unique key; only an incremental run materializes its batch and deletes vanished sessions", () => {
    const fact = table(postgres, "fct_session_items");
    expect(fact.type).toBe("incremental");
    expect(fact.uniqueKey).toEqual(["session_id"]);
    expect(fact.preOps ?? []).toEqual([]);
    const incrementalPreOps = fact.incrementalPreOps?.join("\n") ?? "";
    expect(incrementalPreOps).toMatch(/create table "gold_internal"."fct_session_items__batch" as/);
    expect(incrementalPreOps).toMatch(/changed_days/);
    expect(fact.incrementalQuery).toMatch(/from "gold_internal"."fct_session_items__batch"/);
    expect(fact.query).not.toMatch(/changed_days|__batch/);
    const postOps = fact.postOps?.join("\n") ?? "";
    expect(postOps).toMatch(/insert into "gold_internal"."fct_session_items__seen_songs"/);
    expect(postOps).not.toMatch(/delete from "gold"."fct_session_items"/);
  });

  it("analyses every table after building it on postgres (before its assertions read it), and leaves that to Redshift there", () => {
    const tables = postgres.tables.filter((t) => t.type === "table" || t.type === "incremental");
    expect(tables.length).toBeGreaterThan(10);
    for (const t of tables) expect((t.postOps ?? []).map((op) => op.trim()), t.target.name).toContain(`analyze "${t.target.schema}"."${t.target.name}"`);
    for (const t of redshift.tables) expect((t.postOps ?? []).join("\n"), t.target.name).not.toMatch(/^\s*analyze/m);
  });

  it("has no select * in the marts and reports", () => {
    for (const name of [...MINE, "sales_per_artist", "sales_per_country", "monthly_active_users"]) {
      expect(table(postgres, name).query, name).not.toMatch(/select\s+\*/i);
    }
  });
});
