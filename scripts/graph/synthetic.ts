/**
 * A synthetic Dataform project of any size, shaped like a real one (declarations of the silver tables and
 * other sources, staging views, intermediate models, marts, reports, operations; assertions in model
 * configs and in files of their own; tags, schemas, documented columns, compiled SQL). Deterministic for a
 * seed. For the graph page's scale test and benchmark.
 */
import { SILVER_TABLES } from "../silver/tables.ts";
import type { DataformAction, DataformCompiled, LastRun, Target } from "./build.ts";

/** Mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TAGS = ["gold", "daily", "hourly", "finance", "marketing", "product", "pii", "core", "experimental", "sales", "streaming", "catalog"];
const DOMAINS = ["finance", "marketing", "product", "sales", "streaming", "catalog"];
const ENTITIES = ["songs", "artists", "users", "sessions", "plays", "purchases", "albums", "playlists", "devices", "regions", "campaigns", "payments"];
const COLUMNS = ["id", "user_id", "song_id", "artist_id", "amount", "currency", "country_code", "created_at", "updated_at", "is_active", "price", "quantity", "duration", "title", "name"];

export interface SyntheticOptions {
  /** Total actions (declarations + tables + operations + assertions). */
  actions?: number;
  seed?: number;
}

const q = (t: Target) => `"${t.schema}"."${t.name}"`;

export function syntheticCompiled(options: SyntheticOptions = {}): DataformCompiled {
  const total = options.actions ?? 2000;
  const random = prng(options.seed ?? 42);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
  const some = <T>(list: T[], min: number, max: number): T[] => {
    const n = Math.min(list.length, min + Math.floor(random() * (max - min + 1)));
    const out = new Set<T>();
    while (out.size < n) out.add(pick(list));
    return [...out];
  };
  const columns = (n: number) =>
    some(COLUMNS, Math.min(n, 4), n).map((c) => ({ path: [c], ...(random() < 0.8 ? { description: `${c.replace(/_/g, " ")} of the row` } : {}) }));

  // Shares of the total (assertions last, to fill up to the exact count).
  const nDecl = Math.max(SILVER_TABLES.length, Math.round(total * 0.03));
  const nStg = Math.round(total * 0.2);
  const nInt = Math.round(total * 0.12);
  const nMart = Math.round(total * 0.25);
  const nRep = Math.round(total * 0.13);
  const nOps = Math.round(total * 0.02);

  const declarations: DataformAction[] = [];
  const tables: DataformAction[] = [];
  const operations: DataformAction[] = [];
  const assertions: DataformAction[] = [];

  for (let i = 0; i < nDecl; i++) {
    const silver = SILVER_TABLES[i];
    const target = silver ? { schema: "silver", name: silver.name } : { schema: `raw_${pick(DOMAINS)}`, name: `${pick(ENTITIES)}_${i}` };
    declarations.push({ target, fileName: `definitions/sources/${target.schema}.js` });
  }
  const model = (
    folder: string,
    name: string,
    schema: string,
    type: string,
    deps: Target[],
    tags: string[],
    withAssertions: boolean,
  ): DataformAction => {
    const target = { schema, name };
    const action: DataformAction = {
      type,
      target,
      fileName: `definitions/${folder}/${name}.sqlx`,
      tags,
      query: `\nselect\n  ${COLUMNS.slice(0, 5).join(",\n  ")}\nfrom ${deps.map(q).join("\njoin ")}\nwhere 1 = 1\n`,
      dependencyTargets: deps,
      actionDescriptor: { description: `${name.replace(/_/g, " ")}: synthetic ${folder} model (one row per id).`, columns: columns(12) },
      ...(type === "incremental" ? { incrementalQuery: `\nselect * from ${deps.map(q).join(", ")}\nwhere updated_at > (select max(updated_at) from ${q(target)})\n` } : {}),
    };
    if (withAssertions) {
      for (const kind of ["uniqueKey_0", "rowConditions"]) {
        assertions.push({
          target: { schema: "gold_assertions", name: `${schema}_${name}_assertions_${kind}` },
          fileName: action.fileName,
          tags,
          query: `\nselect id, count(1) from ${q(target)} group by id having count(1) > 1\n`,
          dependencyTargets: [target],
          parentAction: target,
        });
      }
    }
    tables.push(action);
    return action;
  };

  const declTargets = declarations.map((d) => d.target);
  const stg: Target[] = [];
  for (let i = 0; i < nStg; i++) {
    const dep = declTargets[i % declTargets.length];
    stg.push(model("staging", `stg_${dep.name}__v${i}`, "gold", "view", [dep], ["gold", "staging"], false).target);
  }
  const ints: Target[] = [];
  for (let i = 0; i < nInt; i++) {
    const deps = some(stg, 1, 3);
    ints.push(model("intermediate", `int_${pick(ENTITIES)}_${i}`, "gold", pick(["table", "view"]), deps, some(TAGS, 1, 2), false).target);
  }
  const marts: Target[] = [];
  for (let i = 0; i < nMart; i++) {
    const pool = [...ints, ...stg.slice(0, 50), ...marts.slice(Math.max(0, marts.length - 40))];
    const deps = some(pool, 1, 4);
    const domain = pick(DOMAINS);
    const name = `${random() < 0.4 ? "dim" : "fct"}_${domain}_${pick(ENTITIES)}_${i}`;
    marts.push(model("marts", name, random() < 0.8 ? "gold" : domain, random() < 0.2 ? "incremental" : "table", deps, ["gold", domain, ...some(TAGS, 0, 2)], random() < 0.5).target);
  }
  for (let i = 0; i < nRep; i++) {
    const domain = pick(DOMAINS);
    model("reporting", `rpt_${domain}_${pick(ENTITIES)}_${i}`, "reporting", "view", some(marts, 1, 3), ["gold", "reporting", domain], false);
  }
  for (let i = 0; i < nOps; i++) {
    const deps = i < nOps / 2 ? [] : some(marts, 1, 2);
    const target = { schema: "gold", name: deps.length ? `grant_${i}` : `setup_${i}` };
    operations.push({
      target,
      fileName: `definitions/operations/${target.name}.sqlx`,
      tags: ["setup"],
      queries: deps.length ? deps.map((d) => `grant select on ${q(d)} to group analysts`) : [`create schema if not exists "ext_${i}"`],
      dependencyTargets: deps,
    });
  }
  // Standalone assertions (relationships between marts) up to the total.
  let k = 0;
  while (declarations.length + tables.length + operations.length + assertions.length < total) {
    const [a, b] = some(marts, 2, 2);
    assertions.push({
      target: { schema: "gold_assertions", name: `rel_${a.name}__${b.name}_${k++}` },
      fileName: `definitions/assertions/rel_${k}.sqlx`,
      tags: ["gold", "assertion"],
      query: `\nselect * from ${q(a)} a left join ${q(b)} b using (id) where b.id is null\n`,
      dependencyTargets: [a, b],
      actionDescriptor: { description: `every ${a.name} row has a ${b.name}` },
    });
  }
  while (declarations.length + tables.length + operations.length + assertions.length > total) assertions.pop();

  return {
    projectConfig: { warehouse: "postgres", defaultSchema: "gold", assertionSchema: "gold_assertions", vars: { silver_schema: "silver" } },
    declarations,
    tables,
    operations,
    assertions,
    tests: [{ name: "synthetic_unit_test", fileName: "definitions/tests/synthetic.sqlx" }],
    dataformCoreVersion: "2.6.7",
  };
}

/** A last-run file for a compiled graph: mostly successful, a few failures and skips. */
export function syntheticLastRun(compiled: DataformCompiled, seed = 7): LastRun {
  const random = prng(seed);
  const actions: NonNullable<LastRun["actions"]> = {};
  for (const a of [...(compiled.tables ?? []), ...(compiled.operations ?? []), ...(compiled.assertions ?? [])]) {
    const r = random();
    actions[`${a.target.schema}.${a.target.name}`] =
      r < 0.04 ? { status: "failed", error: "relation does not exist" } : r < 0.07 ? { status: "skipped" } : { status: "successful" };
  }
  return { finished_at: "2018-12-01T00:00:00.000Z", command: "run", actions };
}
