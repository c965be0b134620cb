import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import type { CompiledGraph } from "../../scripts/dataform/compile.ts";
import { loadState, selectableActions, selectActions, selectionOf, type SelectableAction } from "../../scripts/dataform/select.ts";
import { LakehouseError } from "../../scripts/core/errors.ts";

// A small project shaped like the real one: silver declarations → staging views → marts → a fact → a
// report, a rule's assertion on the fact, a unit test of a mart, and an unrelated sparkify table.
const view = (schema: string, name: string, deps: string[], tags: string[], file: string, type = "view") => ({
  type,
  target: { schema, name },
  fileName: file,
  tags,
  query: `select * from ${deps.map((d) => `"${d.split(".")[0]}"."${d.split(".")[1]}"`).join(" join ") || "(values (1)) as v"} /* ${name} */`,
  dependencyTargets: deps.map((d) => ({ schema: d.split(".")[0], name: d.split(".")[1] })),
});
function graph(): CompiledGraph {
  return {
    projectConfig: { warehouse: "postgres", defaultSchema: "gold", assertionSchema: "gold_assertions" },
    declarations: [
      { target: { schema: "silver", name: "songs" }, fileName: "definitions/sources/silver.js" },
      { target: { schema: "silver", name: "users" }, fileName: "definitions/sources/silver.js" },
      { target: { schema: "gold_assertions", name: "_landing_counts" }, fileName: "definitions/sources/landing.js" },
    ],
    tables: [
      view("gold", "stg_songs", ["silver.songs"], ["gold", "staging"], "definitions/staging/stg_songs.sqlx"),
      view("gold", "stg_users", ["silver.users"], ["gold", "staging"], "definitions/staging/stg_users.sqlx"),
      view("gold", "dim_songs", ["gold.stg_songs"], ["gold", "marts"], "definitions/marts/dim_songs.sqlx", "table"),
      view("gold", "dim_users", ["gold.stg_users", "gold.dim_songs"], ["gold", "marts", "scd2"], "definitions/marts/dim_users.sqlx", "table"),
      view("gold", "fct_items", ["gold.dim_songs", "gold.dim_users"], ["gold", "marts"], "definitions/marts/fct_items.sqlx", "incremental"),
      view("gold", "sales", ["gold.fct_items"], ["gold", "reporting"], "definitions/reporting/sales.sqlx"),
      view("sparkify", "users", [], ["sparkify"], "definitions/sparkify/users.sqlx", "table"),
    ],
    assertions: [
      {
        target: { schema: "gold_assertions", name: "gold__fct_items__not_null__id" },
        fileName: "definitions/assertions/rules.js",
        tags: ["assertions", "gold", "marts"],
        query: "select 1",
        actionDescriptor: { description: "id is not null [error] (assertions/gold__fct_items.yaml:12)" },
        dependencyTargets: [{ schema: "gold", name: "fct_items" }],
      },
    ],
    // A unit test's query is its model's with the inputs replaced by fixtures.
    tests: [
      {
        name: "dim_users opens a version per change",
        fileName: "definitions/tests/marts.js",
        testQuery: `select * from (select 'a' as x) join (select 'b' as y) /* dim_users */`,
      } as NonNullable<CompiledGraph["tests"]>[number],
    ],
  };
}

const actions = selectableActions(graph());
const sel = (...select: string[]) => selectActions(actions, { select });
const short = (names: string[]) => names.map((n) => n.replace(/^gold\./, "")).sort();

describe("selectableActions", () => {
  it("lists declarations, models, assertions, then unit tests", () => {
    expect(actions.map((a) => `${a.type} ${a.name}`)).toEqual([
      "declaration silver.songs",
      "declaration silver.users",
      "declaration gold_assertions._landing_counts",
      "view gold.stg_songs",
      "view gold.stg_users",
      "table gold.dim_songs",
      "table gold.dim_users",
      "incremental gold.fct_items",
      "view gold.sales",
      "table sparkify.users",
      "assertion gold_assertions.gold__fct_items__not_null__id",
      "test dim_users opens a version per change",
    ]);
  });

  it("gives a rule's assertion its YAML file and a unit test the model it tests", () => {
    const assertion = actions.find((a) => a.type === "assertion");
    expect(assertion?.file).toBe("assertions/gold__fct_items.yaml");
    const test = actions.find((a) => a.type === "test");
    expect(test).toMatchObject({ dependencies: ["gold.dim_users"], schema: "gold", tags: ["gold", "marts", "scd2"], file: "definitions/tests/marts.js" });
  });

  it("gives a checksum that changes with the SQL and not with the description", () => {
    const g = graph();
    g.tables![2].actionDescriptor = { description: "now documented" };
    expect(selectableActions(g)[5].checksum).toBe(actions[5].checksum);
    g.tables![2].query += " where true";
    expect(selectableActions(g)[5].checksum).not.toBe(actions[5].checksum);
  });
});

describe("selectActions: names and methods", () => {
  it("selects everything without --select, in the actions' order", () => {
    expect(selectActions(actions, {})).toEqual(actions.map((a) => a.name));
  });

  it("selects by name, schema.name and glob", () => {
    expect(sel("dim_songs")).toEqual(["gold.dim_songs"]);
    expect(sel("gold.dim_songs")).toEqual(["gold.dim_songs"]);
    expect(sel("users")).toEqual(["silver.users", "sparkify.users"]);
    expect(short(sel("stg_*"))).toEqual(["stg_songs", "stg_users"]);
    expect(sel("sparkify.*")).toEqual(["sparkify.users"]);
    expect(sel("dim_?sers")).toEqual(["gold.dim_users"]);
    expect(sel("dim_users*")).toEqual(["gold.dim_users", "dim_users opens a version per change"]);
    expect(() => sel("dim_users opens*")).toThrow(/selector "opens\*"/); // a space separates selectors
  });

  it("a selector matching nothing is an error naming it", () => {
    expect(() => sel("dim_sogns")).toThrow(/selector "dim_sogns" matches no action/);
    expect(() => sel("dim_songs", "tag:nope")).toThrow(/"tag:nope"/);
    expect(() => selectActions(actions, { exclude: ["nope*"] })).toThrow(/--exclude "nope\*" matches no action/);
    expect(() => sel("tag:staging,tag:reporting")).toThrow(/"tag:staging,tag:reporting" matches no action/);
    try {
      sel("zzz");
    } catch (error) {
      expect(error).toBeInstanceOf(LakehouseError);
      expect((error as LakehouseError).hint).toMatch(/lakehouse ls/);
    }
  });

  it("tag:, schema:, type:, source:, path:", () => {
    expect(short(sel("tag:staging"))).toEqual(["stg_songs", "stg_users"]);
    expect(short(sel("tag:sc*"))).toEqual(["dim_users", "dim_users opens a version per change"]);
    expect(sel("schema:sparkify")).toEqual(["sparkify.users"]);
    expect(sel("schema:gold_assertions")).toEqual(["gold_assertions._landing_counts", "gold_assertions.gold__fct_items__not_null__id"]);
    expect(sel("type:incremental")).toEqual(["gold.fct_items"]);
    expect(sel("type:test")).toEqual(["dim_users opens a version per change"]);
    expect(sel("type:assertion")).toEqual(["gold_assertions.gold__fct_items__not_null__id"]);
    expect(sel("type:declaration")).toHaveLength(3);
    expect(sel("source:silver")).toEqual(["silver.songs", "silver.users"]);
    expect(sel("source:silver.songs")).toEqual(["silver.songs"]);
    expect(sel("source:silver.s*")).toEqual(["silver.songs"]);
    expect(short(sel("path:definitions/marts"))).toEqual(["dim_songs", "dim_users", "fct_items"]);
    expect(short(sel("path:definitions/marts/"))).toEqual(["dim_songs", "dim_users", "fct_items"]);
    expect(sel("path:definitions/marts/dim_songs.sqlx")).toEqual(["gold.dim_songs"]);
    expect(sel("path:./definitions/reporting/*.sqlx")).toEqual(["gold.sales"]);
    expect(sel("path:assertions/gold__fct_items.yaml")).toEqual(["gold_assertions.gold__fct_items__not_null__id"]);
    expect(sel("path:definitions/tests")).toEqual(["dim_users opens a version per change"]);
    // a directory prefix is a whole path segment
    expect(() => sel("path:definitions/mart")).toThrow(/matches no action/);
  });

  it("rejects an unknown method, type or state with the valid ones", () => {
    expect(() => sel("tags:gold")).toThrow(/unknown method "tags:"/);
    expect(() => sel("type:model")).toThrow(/unknown type "model"/);
    expect(() => sel("state:changed")).toThrow(/state:changed is not known/);
    expect(() => sel("tag:")).toThrow(/nothing after "tag:"/);
    expect(() => sel("@2+x")).toThrow(/@ and \+/);
  });
});

describe("selectActions: graph operators", () => {
  it("+x: x and all its ancestors; N+x: N levels", () => {
    expect(short(sel("+dim_users"))).toEqual(["dim_songs", "dim_users", "silver.songs", "silver.users", "stg_songs", "stg_users"]);
    expect(short(sel("1+dim_users"))).toEqual(["dim_songs", "dim_users", "stg_users"]);
    expect(short(sel("2+dim_users"))).toEqual(["dim_songs", "dim_users", "silver.users", "stg_songs", "stg_users"]);
  });

  it("x+: x and all its descendants (assertions and unit tests included); x+N: N levels", () => {
    expect(short(sel("dim_users+"))).toEqual(["dim_users", "dim_users opens a version per change", "fct_items", "gold_assertions.gold__fct_items__not_null__id", "sales"]);
    expect(short(sel("dim_users+1"))).toEqual(["dim_users", "dim_users opens a version per change", "fct_items"]);
    expect(short(sel("source:silver.songs+1"))).toEqual(["silver.songs", "stg_songs"]);
    expect(short(sel("+sales+"))).toEqual(short(actions.filter((a) => !["sparkify.users", "gold_assertions._landing_counts", "gold_assertions.gold__fct_items__not_null__id", "dim_users opens a version per change"].includes(a.name)).map((a) => a.name)));
  });

  it("@x: x, its descendants and their ancestors", () => {
    // dim_songs+ is fct_items, dim_users, sales, the assertion and the test; their ancestors bring in the users branch.
    expect(short(sel("@dim_songs"))).toEqual(
      short(actions.filter((a) => !["sparkify.users", "gold_assertions._landing_counts"].includes(a.name)).map((a) => a.name)),
    );
    expect(short(sel("@stg_users"))).not.toContain("sparkify.users");
  });

  it("space is a union, comma an intersection, --exclude removes", () => {
    expect(short(sel("dim_songs sales"))).toEqual(["dim_songs", "sales"]);
    expect(short(sel("dim_songs", "sales"))).toEqual(["dim_songs", "sales"]);
    expect(short(sel("tag:marts,type:table"))).toEqual(["dim_songs", "dim_users"]);
    expect(short(sel("+fct_items,tag:staging"))).toEqual(["stg_songs", "stg_users"]);
    expect(short(selectActions(actions, { select: ["+sales"], exclude: ["tag:staging source:silver"] }))).toEqual(["dim_songs", "dim_users", "fct_items", "sales"]);
    expect(short(selectActions(actions, { exclude: ["type:declaration", "tag:gold"] }))).toEqual(["sparkify.users"]);
  });
});

describe("selectActions: state", () => {
  const before = () => {
    const g = graph();
    g.tables![2].query += " where changed"; // dim_songs differs from the saved state
    g.tables = g.tables!.filter((t) => t.target.name !== "sales"); // sales is new
    return selectableActions(g);
  };

  it("state:modified and state:new against a saved compile", () => {
    const state = before();
    expect(selectActions(actions, { select: ["state:modified"], state })).toEqual(["gold.dim_songs"]);
    expect(selectActions(actions, { select: ["state:new"], state })).toEqual(["gold.sales"]);
    expect(short(selectActions(actions, { select: ["state:modified+", "state:new"], state }))).toEqual(
      short(["gold.dim_songs", "gold.dim_users", "gold.fct_items", "gold.sales", "gold_assertions.gold__fct_items__not_null__id", "dim_users opens a version per change"]),
    );
    expect(selectActions(actions, { select: ["state:modified,tag:reporting"], state })).toEqual([]);
  });

  it("nothing modified is an empty selection, not an error; no --state is", () => {
    expect(selectActions(actions, { select: ["state:modified"], state: actions })).toEqual([]);
    expect(() => sel("state:modified")).toThrow(/needs --state/);
  });

  it("--state reads a compile --json file; selectionOf collects the options", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "select-state-"));
    try {
      const g = graph();
      g.tables![5].query += " -- edited";
      fs.writeFileSync(path.join(dir, "state.json"), JSON.stringify(g));
      const selection = selectionOf({ select: ["state:modified"], exclude: "tag:nope", state: path.join(dir, "state.json") });
      expect(selection.select).toEqual(["state:modified"]);
      expect(selection.exclude).toEqual(["tag:nope"]);
      expect(selectActions(actions, { select: selection.select, state: selection.state })).toEqual(["gold.sales"]);
      fs.writeFileSync(path.join(dir, "bad.json"), "{ not json");
      expect(() => loadState(path.join(dir, "bad.json"))).toThrow(/--state: cannot read a compiled graph/);
      fs.writeFileSync(path.join(dir, "other.json"), "[]");
      expect(() => loadState(path.join(dir, "other.json"))).toThrow(/not a `compile --json` output/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("selectActions: properties on random DAGs", () => {
  // Action i depends on some of the actions before it: always a DAG.
  const dag = fc.integer({ min: 2, max: 12 }).chain((n) =>
    fc.tuple(
      ...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j))),
    ).map((deps): SelectableAction[] => deps.map((d, i) => ({ name: `s.a${i}`, type: "table", schema: "s", tags: i % 2 ? ["odd"] : [], dependencies: d.map((j) => `s.a${j}`) }))),
  );
  const ancestors = (all: SelectableAction[], name: string): Set<string> => {
    const out = new Set<string>();
    const visit = (n: string) => {
      for (const d of all.find((a) => a.name === n)?.dependencies ?? []) if (!out.has(d)) (out.add(d), visit(d));
    };
    visit(name);
    return out;
  };

  it("+x is x with its transitive dependencies; x+ those that transitively depend on x; N+x ⊆ +x; exclude wins", () => {
    fc.assert(
      fc.property(dag, fc.nat(), fc.nat({ max: 3 }), (all, pick, n) => {
        const x = all[pick % all.length].name;
        const up = new Set(selectActions(all, { select: [`+${x}`] }));
        expect(up).toEqual(new Set([x, ...ancestors(all, x)]));
        const down = new Set(selectActions(all, { select: [`${x}+`] }));
        expect(down).toEqual(new Set(all.filter((a) => a.name === x || ancestors(all, a.name).has(x)).map((a) => a.name)));
        for (const name of selectActions(all, { select: [`${n}+${x}`] })) expect(up.has(name)).toBe(true);
        const at = new Set(selectActions(all, { select: [`@${x}`] }));
        for (const name of down) expect(at.has(name)).toBe(true);
        expect(selectActions(all, { select: [`+${x}`], exclude: [x] })).not.toContain(x);
      }),
    );
  });
});
