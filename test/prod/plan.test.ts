import * as fs from "node:fs";
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import type { CompiledGraph } from "../../scripts/dataform/compile.ts";
import { buildPlan, formatPlan, lastCompiledFile, loadCompiledState, saveCompiledState, type Plan } from "../../scripts/prod/plan.ts";
import { compileProd } from "../../scripts/prod/render.ts";

/** `lakehouse plan --env prod`: what a run would do, compared with the last successful run; touches nothing. */

const graph = (tables: CompiledGraph["tables"], extra: Partial<CompiledGraph> = {}): CompiledGraph => ({
  projectConfig: { warehouse: "redshift", defaultSchema: "gold" },
  tables,
  ...extra,
});

describe("plan (pure)", () => {
  const stg = { type: "view", target: { schema: "gold", name: "stg_songs" }, query: "select 1 as id", tags: ["gold"] };
  const dim = { type: "table", target: { schema: "gold", name: "dim_songs" }, query: "select id from gold.stg_songs", tags: ["gold"], dependencyTargets: [{ schema: "gold", name: "stg_songs" }, { schema: "silver", name: "songs" }] };
  const fct = { type: "incremental", target: { schema: "gold", name: "fct_plays" }, query: "select 1 as id", incrementalQuery: "select 2 as id", tags: ["gold"], dependencyTargets: [{ schema: "gold", name: "dim_songs" }] };
  const setup = { target: { schema: "gold", name: "spectrum_schema" }, queries: ["create external schema if not exists silver from data catalog database 'd' iam_role 'arn:aws:iam::123456789012:role/r'"], tags: ["setup"] };

  test("with no earlier run every action is new, in dependency order with setup first; an incremental table is created", () => {
    const plan = buildPlan("prod", graph([fct, dim, stg], { operations: [setup], declarations: [{ target: { schema: "silver", name: "songs" } }] }), null);
    expect(plan.actions.map((a) => [a.step, a.target, a.kind, a.change])).toEqual([
      [1, "gold.spectrum_schema", "operation", "new"],
      [2, "gold.stg_songs", "view", "new"],
      [3, "gold.dim_songs", "table", "new"],
      [4, "gold.fct_plays", "incremental", "new"],
    ]);
    expect(plan.actions[2].dependencies).toEqual(["gold.stg_songs"]);
    expect(plan.actions[3].write).toBe("create");
    expect(plan.actions[3].statements[1]).toBe('create table "gold"."fct_plays_temp" as select 1 as id');
    expect(plan.comparedWith).toBeNull();
    expect(plan.summary).toEqual({ new: 4, changed: 0, unchanged: 0, removed: 0, statements: 1 + 2 + 4 + 4 });
  });

  test("compared with the last run: changed (and what), unchanged, removed; an existing incremental table is appended to", () => {
    const before = graph([fct, dim, stg, { type: "table", target: { schema: "gold", name: "old_report" }, query: "select 1" }]);
    const after = graph([fct, { ...dim, query: "select id, 1 as x from gold.stg_songs" }, stg, { type: "view", target: { schema: "gold", name: "new_report" }, query: "select 2" }]);
    const plan = buildPlan("prod", after, { savedAt: "2026-11-20T10:00:00.000Z", graph: before });
    const byTarget = Object.fromEntries(plan.actions.map((a) => [a.target, a]));
    expect(byTarget["gold.dim_songs"]).toMatchObject({ change: "changed", changedFields: ["query"] });
    expect(byTarget["gold.stg_songs"].change).toBe("unchanged");
    expect(byTarget["gold.new_report"].change).toBe("new");
    expect(byTarget["gold.fct_plays"]).toMatchObject({ change: "unchanged", write: "incremental" });
    expect(byTarget["gold.fct_plays"].statements).toEqual(['insert into "gold"."fct_plays"\nselect *\nfrom (select 2 as id) as insertions']);
    expect(plan.removed).toEqual(["gold.old_report"]);
    const text = formatPlan(plan);
    expect(text).toContain("compared with the last run saved 2026-11-20T10:00:00.000Z");
    expect(text).toMatch(/^~ +\d+\. table +gold\.dim_songs +changed: query;/m);
    expect(text).toMatch(/^\+ +\d+\. view +gold\.new_report +new;/m);
    expect(text).toMatch(/^- +removed +gold\.old_report/m);
    expect(text).toContain("Nothing was run.");
  });

  test("--tags keeps only tagged actions (as run --tags)", () => {
    const plan = buildPlan("prod", graph([dim, stg], { operations: [setup] }), null, { tags: ["setup"] });
    expect(plan.actions.map((a) => a.target)).toEqual(["gold.spectrum_schema"]);
  });
});

describe("lakehouse plan --env prod (real Dataform compile, no AWS)", () => {
  const CANARY = "canary-plan-pw-8c1d2e";
  const env = loadEnvironment("prod");
  const stateFile = lastCompiledFile(env);
  let backup: string | null = null;
  const bin = fromRoot("bin", "lakehouse.js");
  const plan = (...args: string[]) =>
    spawnSync(process.execPath, [bin, "plan", "--env", "prod", ...args], { encoding: "utf8", env: { ...process.env, REDSHIFT_PASSWORD: CANARY }, timeout: 240_000 });

  beforeAll(() => {
    if (fs.existsSync(stateFile)) {
      backup = fs.readFileSync(stateFile, "utf8");
      fs.rmSync(stateFile);
    }
  });
  afterAll(() => {
    if (backup !== null) fs.writeFileSync(stateFile, backup);
    else fs.rmSync(stateFile, { force: true });
  });

  test("with no saved state: every action new, dependencies before dependents, no secret in the output", () => {
    const result = plan("--json");
    expect(result.stderr).not.toContain(CANARY);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(CANARY);
    const parsed = JSON.parse(result.stdout) as Plan;
    expect(parsed.comparedWith).toBeNull();
    expect(parsed.actions.length).toBeGreaterThan(0);
    expect(parsed.actions.every((a) => a.change === "new")).toBe(true);
    const step = new Map(parsed.actions.map((a) => [a.target, a.step]));
    for (const a of parsed.actions) for (const d of a.dependencies) expect(step.get(d)!, `${a.target} after ${d}`).toBeLessThan(a.step);
    expect(fs.existsSync(stateFile)).toBe(false);
  });

  test("after a saved run: changed and removed actions are shown against .build/prod/last-compiled.json", async () => {
    const compiled = await compileProd(env);
    const tables = compiled.tables ?? [];
    expect(tables.length).toBeGreaterThan(1);
    // The "last run" had a different query for the first table, lacked the second, and had one that is gone now.
    const [first, second, ...rest] = tables;
    const previous: CompiledGraph = {
      ...compiled,
      tables: [{ ...first, query: `${first.query}\n-- older version` }, ...rest, { type: "table", target: { schema: "gold", name: "retired_model" }, query: "select 1" }],
    };
    saveCompiledState(env, previous, new Date("2026-11-20T10:00:00Z"));
    expect(loadCompiledState(env)?.savedAt).toBe("2026-11-20T10:00:00.000Z");

    const result = plan("--json");
    expect(result.status, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as Plan;
    const byTarget = Object.fromEntries(parsed.actions.map((a) => [a.target, a]));
    const name = (t: { target: { schema: string; name: string } }) => `${t.target.schema}.${t.target.name}`;
    expect(byTarget[name(first)]).toMatchObject({ change: "changed", changedFields: ["query"] });
    expect(byTarget[name(second)].change).toBe("new");
    expect(parsed.removed).toEqual(["gold.retired_model"]);
    expect(parsed.summary.changed).toBe(1);
    expect(parsed.summary.new).toBe(1);

    const text = plan("--sql");
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`changed: query`);
    expect(text.stdout).toMatch(/> create external schema if not exists/i);
    expect(text.stdout).toContain("Nothing was run.");
    expect(text.stdout).toMatch(/^uses \(infra outputs → .*prod\.yaml\): workgroup deftunes-wh at \S+, secret deftunes\/redshift\/dataform, Spectrum role arn:aws:iam::\d{12}:role\/deftunes-spectrum, Glue database deftunes_silver$/m);
    expect(text.stdout + text.stderr).not.toContain(CANARY);
  });

  test("plan is for prod only", () => {
    const result = spawnSync(process.execPath, [bin, "plan", "--env", "local"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("plan is for the production path");
  });
});
