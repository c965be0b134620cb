import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";
import { buildGraph, classifyDataset, type DataformCompiled, type LastRun } from "../../scripts/graph/build.ts";
import type { GraphData } from "../../scripts/graph/model.ts";
import { syntheticCompiled } from "../../scripts/graph/synthetic.ts";
import { FIXTURE, LAKE, LAST_RUN } from "./helpers.ts";


const compiled = () => JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as DataformCompiled;
const lastRun = () => JSON.parse(fs.readFileSync(LAST_RUN, "utf8")) as LastRun;

function build(c: DataformCompiled = compiled(), extra: Partial<Parameters<typeof buildGraph>[0]> = {}): GraphData {
  return buildGraph({ compiled: c, silverTables: SILVER_TABLES, lake: LAKE, env: "local", lastRun: { file: "last-run.json", data: lastRun() }, ...extra });
}

const node = (g: GraphData, id: string) => {
  const found = g.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id}`);
  return found;
};
const upstream = (g: GraphData, id: string) => {
  const i = g.nodes.findIndex((n) => n.id === id);
  return g.edges.filter(([, b]) => b === i).map(([a]) => g.nodes[a].id).sort();
};

describe("buildGraph: lake layers", () => {
  it("puts sources → landing prefixes → Iceberg tables in front of Dataform, even with no actions", () => {
    const g = build({ projectConfig: { warehouse: "postgres", defaultSchema: "gold", vars: { silver_schema: "silver" } } }, { lastRun: undefined });
    const byLayer = (layer: string) => g.nodes.filter((n) => n.layer === layer).map((n) => n.name);
    expect(byLayer("source").sort()).toEqual(["GET /sessions", "GET /users", "deftunes.songs", "log_data/", "song_data/"]);
    expect(byLayer("landing").sort()).toEqual([
      "landing/api/sessions/",
      "landing/api/users/",
      "landing/catalog/songs/",
      "landing/sparkify/events/",
      "landing/sparkify/songs/",
    ]);
    expect(byLayer("iceberg").sort()).toEqual(SILVER_TABLES.map((t) => t.name).sort());
    expect(g.edges).toHaveLength(5 + 6);
    // sessions and session_items are both built from the sessions the API sent.
    expect(upstream(g, "iceberg:session_items")).toEqual(["landing:api/sessions"]);
    expect(upstream(g, "iceberg:sessions")).toEqual(["landing:api/sessions"]);
    expect(upstream(g, "landing:catalog/songs")).toEqual(["source:catalog/songs"]);
    expect(g.nodes.every((n) => n.status === "unknown")).toBe(true);
    expect(g.meta.lastRun).toBeUndefined();
  });

  it("links each silver declaration to its Iceberg table and documents it with the silver schema's types", () => {
    const g = build();
    expect(upstream(g, "silver.songs")).toEqual(["iceberg:songs"]);
    const songs = node(g, "silver.songs");
    expect(songs.layer).toBe("declaration");
    const trackId = songs.columns.find((c) => c.name === "track_id")!;
    // The definition's description wins over the schema's doc; the type comes from the schema.
    expect(trackId).toMatchObject({ type: "varchar", icebergType: "string", required: true, description: "Track id, the catalog's key" });
    expect(songs.columns.find((c) => c.name === "duration")).toMatchObject({ type: "double precision", description: "seconds" });
    expect(songs.columns.map((c) => c.name)).toEqual(SILVER_TABLES.find((t) => t.name === "songs")!.columns.map((c) => c.name));
    expect(node(g, "iceberg:users").columns.find((c) => c.name === "user_since")).toMatchObject({ type: "timestamp", icebergType: "timestamp" });
  });
});

describe("buildGraph: Dataform actions", () => {
  it("classifies actions into layers by folder, name and tags", () => {
    const g = build();
    expect(node(g, "gold.stg_catalog__songs").layer).toBe("staging");
    expect(node(g, "gold.dim_songs").layer).toBe("mart");
    expect(node(g, "gold.fct_session_items")).toMatchObject({ layer: "mart", type: "incremental" });
    expect(node(g, "gold.sales_per_artist")).toMatchObject({ layer: "report", type: "view" });
    expect(node(g, "sparkify.songplays").layer).toBe("mart");
    expect(node(g, "gold.spectrum_schema")).toMatchObject({ layer: "operation", type: "operation" });
    expect(classifyDataset({ target: { schema: "x", name: "int_orders" }, fileName: "definitions/intermediate/int_orders.sqlx" })).toBe("model");
    expect(classifyDataset({ target: { schema: "x", name: "weekly" }, tags: ["reporting"] })).toBe("report");
  });

  it("keeps every edge left to right: an operation that depends on reports is drawn after them", () => {
    const g = build();
    for (const [a, b] of g.edges) expect(g.nodes[a].band).toBeLessThanOrEqual(g.nodes[b].band);
    expect(node(g, "gold.grants").band).toBe(node(g, "gold.sales_per_artist").band);
    expect(node(g, "gold.grants").layer).toBe("operation");
    // A setup operation that depends on nothing shares the declarations' columns.
    expect(node(g, "gold.spectrum_schema").band).toBe(node(g, "silver.songs").band);
  });

  it("attaches assertions to the models they check, with their last result, and makes no node of them", () => {
    const g = build();
    expect(g.nodes.some((n) => n.type === "assertion")).toBe(false);
    const fct = node(g, "gold.fct_session_items");
    const names = fct.assertions.map((k) => g.assertions[k].name).sort();
    expect(names).toEqual([
      "fct_session_items__track_in_dim_songs",
      "gold_fct_session_items_assertions_rowConditions",
      "gold_fct_session_items_assertions_uniqueKey_0",
    ]);
    const unique = g.assertions.find((a) => a.name === "gold_fct_session_items_assertions_uniqueKey_0")!;
    expect(unique).toMatchObject({ status: "failed", builtIn: true, error: "2 rows failed the assertion" });
    expect(unique.sql).toMatch(/GROUP BY session_id, item_number/);
    // A relationship assertion checks both of its models.
    const relation = g.assertions.find((a) => a.name === "fct_session_items__track_in_dim_songs")!;
    expect(relation.checks.map((i) => g.nodes[i].id).sort()).toEqual(["gold.dim_songs", "gold.fct_session_items"]);
    expect(relation).toMatchObject({ builtIn: false, description: "every session item's track is in dim_songs", status: "successful" });
  });

  it("turns a dependency on an assertion into edges from the models it checks", () => {
    const g = build();
    expect(upstream(g, "gold.monthly_active_users")).toEqual(["gold.dim_songs", "gold.fct_session_items"]);
  });

  it("carries descriptions, files, tags, columns, compiled SQL and statuses", () => {
    const g = build();
    const dim = node(g, "gold.dim_users");
    expect(dim).toMatchObject({
      description: "SCD2. Grain: one row per user_id and valid_from.",
      file: "definitions/marts/dim_users.sqlx",
      tags: ["gold"],
      status: "failed",
      error: "duplicate key value violates unique constraint",
    });
    expect(dim.columns.map((c) => c.name)).toEqual(["user_key", "user_id", "valid_from", "valid_to", "is_current"]);
    expect(dim.sql[0].label).toBe("query");
    expect(dim.sql[0].text).toContain('"gold"."stg_api__users"');
    expect(dim.details).toContainEqual(["unique key", "user_key"]);
    const fct = node(g, "gold.fct_session_items");
    expect(fct.sql.map((b) => b.label)).toEqual(["query"]);
    expect(node(g, "gold.grants").sql.map((b) => b.label)).toEqual(["statement 1", "statement 2"]);
    expect(node(g, "sparkify.songplays").status).toBe("unknown");
    expect(g.meta).toMatchObject({ env: "local", warehouse: "postgres", lastRun: { file: "last-run.json", command: "run --tags gold" } });
    expect(g.meta.tests).toEqual([{ name: "dim_songs_test", file: "definitions/tests/dim_songs_test.sqlx" }]);
  });

  it("types model columns from the warehouse's catalog when it is given, in table order", () => {
    const g = build(compiled(), {
      warehouseColumns: {
        "gold.dim_date": [
          { name: "date_day", type: "date" },
          { name: "month", type: "integer" },
        ],
      },
    });
    expect(node(g, "gold.dim_date").columns).toEqual([
      { name: "date_day", type: "date", description: "the day", origin: "definition" },
      { name: "month", type: "integer", origin: "warehouse" },
    ]);
  });

  it("makes a node of an assertion that checks nothing in the graph", () => {
    const c = compiled();
    c.assertions!.push({ target: { schema: "gold_assertions", name: "orphan" }, query: "select 1 where false", dependencyTargets: [] });
    const g = build(c);
    expect(node(g, "gold_assertions.orphan")).toMatchObject({ layer: "assertion", type: "assertion" });
  });

  it("builds a 2,000-action synthetic project", () => {
    const c = syntheticCompiled({ actions: 2000 });
    const total = ["declarations", "tables", "operations", "assertions"].reduce((n, k) => n + (c[k as keyof DataformCompiled] as unknown[]).length, 0);
    expect(total).toBe(2000);
    const g = build(c, { lastRun: undefined });
    expect(g.nodes.length).toBeGreaterThan(1400);
    expect(new Set(g.nodes.map((n) => n.id)).size).toBe(g.nodes.length);
    for (const [a, b] of g.edges) expect(g.nodes[a].band).toBeLessThanOrEqual(g.nodes[b].band);
  });
});
