import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { buildGraph, type DataformCompiled } from "../../scripts/graph/build.ts";
import { queryLineage, type ColumnLineage, type QueryLineage } from "../../scripts/graph/lineage.ts";
import { findColumn, projectLineage, traceColumn } from "../../scripts/graph/lineage-project.ts";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";
import { LAKE } from "./helpers.ts";

const TABLES: Record<string, string[]> = {
  "s.items": ["id", "user_id", "price", "day"],
  "s.users": ["id", "country", "name"],
};

function lineage(sql: string, tables: Record<string, string[]> = TABLES): QueryLineage {
  return queryLineage(sql, { tableId: (db, t) => (db ? `${db}.${t}` : t), columnsOf: (id) => tables[id] });
}

/** One output column's inputs as `table.column kind`, sorted. */
function inputsOf(q: QueryLineage, column: string): string[] {
  const c = q.columns.find((x) => x.name === column);
  if (!c) throw new Error(`no output column ${column} (have ${q.columns.map((x) => x.name).join(", ")}; ${q.error ?? ""})`);
  return c.inputs.map((i) => `${i.table}.${i.column} ${i.kind}`).sort();
}
const col = (q: QueryLineage, name: string): ColumnLineage => q.columns.find((x) => x.name === name)!;

describe("queryLineage: one statement", () => {
  it("tells copied, transformed and filter-only inputs apart, through aliases and joins", () => {
    const q = lineage(`
      select i.id, upper(u.name) as shout, i.price * 2 as doubled
        from s.items as i join s.users u on u.id = i.user_id
       where i.day > '2024-01-01'`);
    expect(q.columns.map((c) => c.name)).toEqual(["id", "shout", "doubled"]);
    const filters = ["s.items.day filter", "s.items.user_id filter", "s.users.id filter"];
    expect(inputsOf(q, "id")).toEqual(["s.items.id copied", ...filters].sort());
    expect(inputsOf(q, "shout")).toEqual(["s.users.name transformed", ...filters].sort());
    expect(inputsOf(q, "doubled")).toEqual(["s.items.price transformed", ...filters].sort());
    expect(q.columns.every((c) => c.unresolved.length === 0)).toBe(true);
  });

  it("traces through nested CTEs, and a CTE's own filter reaches the columns built on it", () => {
    const q = lineage(`
      with outer_cte as (
        with paid as (select id, price from s.items where price > 0)
        select id as item_id, cast(price as numeric(12, 2)) as amount from paid
      )
      select item_id, amount from outer_cte`);
    expect(inputsOf(q, "item_id")).toEqual(["s.items.id copied", "s.items.price filter"]);
    // price is both the value (transformed by the cast) and the filter: the value dependency wins.
    expect(inputsOf(q, "amount")).toEqual(["s.items.price transformed"]);
  });

  it("marks aggregates, and GROUP BY keys (even written as output aliases) as filter-only for the others", () => {
    const q = lineage(`
      select u.country as place, sum(i.price) as total, count(*) as n
        from s.items i left join s.users u on u.id = i.user_id
       group by place`);
    expect(inputsOf(q, "total")).toEqual(["s.items.price aggregated", "s.items.user_id filter", "s.users.country filter", "s.users.id filter"]);
    expect(inputsOf(q, "place")).toEqual(["s.items.user_id filter", "s.users.country copied", "s.users.id filter"]);
    expect(inputsOf(q, "n")).toEqual(["s.items.user_id filter", "s.users.country filter", "s.users.id filter"]);
  });

  it("reads window functions: the aggregated value, and the partition and order columns", () => {
    const q = lineage(`
      select id,
             sum(price) over (partition by user_id order by day) as running,
             row_number() over (partition by user_id order by day desc) as rn,
             lag(price) over (order by day) as previous
        from s.items`);
    expect(inputsOf(q, "running")).toEqual(["s.items.day transformed", "s.items.price aggregated", "s.items.user_id transformed"]);
    expect(inputsOf(q, "rn")).toEqual(["s.items.day transformed", "s.items.user_id transformed"]);
    expect(inputsOf(q, "previous")).toEqual(["s.items.day transformed", "s.items.price transformed"]);
  });

  it("expands select * and t.* from known columns, in order", () => {
    const q = lineage(`with x as (select * from s.users) select i.*, x.country from s.items i join x on x.id = i.user_id`);
    expect(q.columns.map((c) => c.name)).toEqual(["id", "user_id", "price", "day", "country"]);
    expect(inputsOf(q, "price")).toEqual(["s.items.price copied", "s.items.user_id filter", "s.users.id filter"]);
    expect(inputsOf(q, "country")).toEqual(["s.items.user_id filter", "s.users.country copied", "s.users.id filter"]);
  });

  it("merges the branches of a union by position, named by the first", () => {
    const q = lineage(`select id as key, price from s.items union all select id, 0 from s.users where country = 'NL'`);
    expect(q.columns.map((c) => c.name)).toEqual(["key", "price"]);
    expect(inputsOf(q, "key")).toEqual(["s.items.id copied", "s.users.country filter", "s.users.id copied"]);
    expect(inputsOf(q, "price")).toEqual(["s.items.price copied", "s.users.country filter"]);
  });

  it("reads subqueries in FROM and in WHERE (correlated too)", () => {
    const q = lineage(`
      select d.id from (select id, user_id from s.items) as d
       where exists (select 1 from s.users u where u.id = d.user_id and u.country = 'NL')`);
    expect(inputsOf(q, "id")).toEqual(["s.items.id copied", "s.items.user_id filter", "s.users.country filter", "s.users.id filter"]);
  });

  it("says what it cannot resolve instead of guessing", () => {
    const q = lineage(`select name, id, x.* from s.items join s.unknown_table as x on true`);
    // id is in s.items' columns, but s.unknown_table could have one too: ambiguous by what is known.
    expect(col(q, "name").inputs).toEqual([]);
    expect(col(q, "name").unresolved[0]).toMatch(/^name: not in a known column list, and s\.unknown_table has unknown columns$/);
    expect(col(q, "id").unresolved[0]).toMatch(/^id: not in a known column list/);
    expect(col(q, "*").unresolved).toEqual(["s.unknown_table.*: its columns are unknown, so * cannot be expanded"]);
    const ambiguous = lineage(`select id from s.items, s.users`);
    expect(col(ambiguous, "id").unresolved).toEqual(["id is ambiguous (in s.items, s.users)"]);
    // A qualified column of a table whose column list is unknown is still traced: the table is named.
    expect(inputsOf(lineage(`select t.a from s.other t`), "a")).toEqual(["s.other.a copied"]);
  });

  it("reports SQL that does not parse, or is not a SELECT, on the model", () => {
    expect(lineage("select from where").error).toMatch(/^the SQL does not parse at line 1/);
    expect(lineage("delete from s.items").error).toMatch(/^not a single SELECT statement \(delete\)$/);
  });
});

describe("projectLineage: the real compiled project", () => {
  const compiled = (() => {
    const run = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "compile", "--env", "ci", "--json"], { cwd: fromRoot(), encoding: "utf8", timeout: 120_000 });
    if (run.status !== 0) throw new Error(`lakehouse compile failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as DataformCompiled;
  })();
  const project = projectLineage(compiled, SILVER_TABLES);

  it("traces every column of every model, none unresolved, and each one to some input", () => {
    const models = (compiled.tables ?? []).map((t) => `${t.target.schema}.${t.target.name}`);
    expect(models.length).toBeGreaterThan(20);
    for (const id of models) {
      const m = project.models[id];
      expect(m?.error, id).toBeUndefined();
      expect(m.columns.length, id).toBeGreaterThan(0);
      for (const c of m.columns) expect(c.unresolved, `${id}.${c.name}`).toEqual([]);
    }
  });

  it("gold.sales_per_country.total traces back to silver.session_items.price (aggregated), and price forward to total", () => {
    const start = findColumn(project, "sales_per_country.total");
    expect(start).toEqual({ table: "gold.sales_per_country", column: "total" });
    const up = traceColumn(project, "gold.sales_per_country", "total", "upstream");
    const hit = (t: string, c: string) => up.hits.find((h) => h.table === t && h.column === c);
    expect(hit("gold.fct_session_items", "price")).toMatchObject({ kind: "aggregated", depth: 1 });
    expect(hit("gold.stg_api__session_items", "price")).toMatchObject({ kind: "aggregated", depth: 2 });
    expect(hit("silver.session_items", "price")).toMatchObject({ kind: "aggregated", depth: 3 });
    expect(hit("iceberg:session_items", "price")).toMatchObject({ kind: "aggregated", depth: 4 });
    // The country comes from dim_users through a join: a filter-only input of the total.
    expect(hit("gold.dim_users", "country_code")?.kind).toBe("filter");
    expect(hit("gold.fct_session_items", "currency")).toBeUndefined();

    const down = traceColumn(project, "silver.session_items", "price", "downstream");
    expect(down.hits.find((h) => h.table === "gold.sales_per_country" && h.column === "total")).toMatchObject({ kind: "aggregated" });
    expect(down.hits.find((h) => h.table === "gold.fct_session_items" && h.column === "price")).toMatchObject({ kind: "transformed", depth: 2 });
  });

  it("names a model by full id or unique short name, and says when the column or model is unknown", () => {
    expect(findColumn(project, "gold.dim_users.country_code")).toEqual({ table: "gold.dim_users", column: "country_code" });
    expect(findColumn(project, "dim_users.nope")).toMatchObject({ error: expect.stringMatching(/^gold\.dim_users has no column nope \(columns: user_key, /) });
    // `songs` is both sparkify.songs and silver.songs.
    expect(findColumn(project, "songs.song_id")).toEqual({ error: expect.stringMatching(/^songs is ambiguous: .*silver\.songs.*sparkify\.songs|^songs is ambiguous: .*sparkify\.songs.*silver\.songs/) });
    expect(findColumn(project, "total")).toMatchObject({ error: expect.stringContaining("is not <model>.<column>") });
  });
});

describe("buildGraph: lineage on the page's data", () => {
  const compiled: DataformCompiled = {
    projectConfig: { warehouse: "postgres", defaultSchema: "gold", vars: { silver_schema: "silver" } },
    declarations: [{ target: { schema: "silver", name: "songs" } }],
    tables: [
      {
        type: "view",
        target: { schema: "gold", name: "titles" },
        fileName: "definitions/staging/titles.sqlx",
        query: 'select s.*, upper(title) as shout from "silver"."songs" s',
        dependencyTargets: [{ schema: "silver", name: "songs" }],
      },
      { type: "table", target: { schema: "gold", name: "broken" }, query: "select from where", dependencyTargets: [] },
    ],
  };
  const build = (lineage?: boolean) => buildGraph({ compiled, silverTables: SILVER_TABLES, lake: LAKE, env: "local", ...(lineage === undefined ? {} : { lineage }) });

  it("embeds the lineage, lists an undocumented model's columns from its SQL and says when the SQL does not parse", () => {
    const g = build();
    const titles = g.nodes.find((n) => n.id === "gold.titles")!;
    const songs = SILVER_TABLES.find((t) => t.name === "songs")!.columns.map((c) => c.name);
    expect(titles.columns.map((c) => c.name)).toEqual([...songs, "shout"]);
    expect(titles.columns.every((c) => c.origin === "lineage")).toBe(true);
    expect(g.lineage!.models["gold.titles"].columns.find((c) => c.name === "shout")!.inputs).toEqual([{ table: "silver.songs", column: "title", kind: "transformed" }]);
    expect(g.lineage!.models["silver.songs"].columns[0].inputs).toEqual([{ table: "iceberg:songs", column: songs[0], kind: "copied" }]);
    const broken = g.nodes.find((n) => n.id === "gold.broken")!;
    expect(broken.details.find(([k]) => k === "column lineage")?.[1]).toMatch(/^the SQL does not parse at line 1/);
    expect(build(false).lineage).toBeUndefined();
  });
});
