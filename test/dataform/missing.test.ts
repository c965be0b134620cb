/**
 * The warehouse is never left short of a model (issue 16.2): a typo in a copy of dim_artists (a scratch copy of
 * the project, definitions/ untouched), then `run --tags gold`: every model of the project still exists
 * afterwards, or the invocation reports it as failed with the reason; models dropped by a cascade whose
 * inputs are intact are rebuilt. Then `lakehouse status` lists a model missing from the warehouse and exits 1.
 * Real embedded PostgreSQL, real Dataform.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { writeCredentials } from "../../scripts/dataform/credentials.ts";
import { runInvocation } from "../../scripts/dataform/invoke.ts";
import { existingRelations, projectModels } from "../../scripts/dataform/missing.ts";
import { scratchProject } from "../../scripts/dataform/scratch.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { services } from "../../scripts/stack/services.ts";
import { emptySilver } from "../cli/warehouse.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

let stack: TestStack;
let project: string;
const quiet = new PassThrough().resume();

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  writeCredentials(stack.env);
  await emptySilver(stack.env);
  project = scratchProject("lakehouse-missing-");
  for (const part of ["dataform.json", "definitions", "includes"]) fs.cpSync(fromRoot(part), path.join(project, part), { recursive: true });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
}, 60_000);

describe("a failed model never leaves the warehouse short", () => {
  it("rebuilds or reports every model missing after a run in which dim_artists fails", async () => {
    const base = { command: "run", args: [], out: quiet, projectDir: project };
    await runInvocation(stack.env, { ...base, selection: {}, fullRefresh: true });
    const file = path.join(project, "definitions", "marts", "dim_artists.sqlx");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("\n    artist_id,\n", "\n    artst_id,\n"));
    const lines: string[] = [];
    const out = new PassThrough();
    out.on("data", (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean)));
    const { invocation, graph, failed } = await runInvocation(stack.env, { ...base, out, selection: { tags: ["gold"] } });
    expect(invocation.actions["gold.dim_artists"]).toMatchObject({ status: "failed" });
    // The error names the SQLX file and the line of the typo (not Dataform's cleanup drop).
    const typoLine = fs.readFileSync(file, "utf8").split("\n").indexOf("    artst_id,") + 1;
    expect(typoLine).toBeGreaterThan(0);
    expect(invocation.actions["gold.dim_artists"].message).toBe(`definitions/marts/dim_artists.sqlx:${typoLine}: column "artst_id" does not exist`);
    expect(lines).toContain(`✘ gold.dim_artists [table] failed: definitions/marts/dim_artists.sqlx:${typoLine}: column "artst_id" does not exist`);
    expect(failed).toContain("gold.dim_artists");
    // Every dependent of dim_artists is reported: skipped with the cause, or failed / rebuilt when it went missing.
    expect(invocation.actions["gold.dim_songs"]).toMatchObject({ status: "skipped", skipped_because: "gold.dim_artists" });
    const present = await withClient(stack.env, "warehouse", (c) => existingRelations(c, ["gold", "gold_internal", "sparkify"]));
    for (const model of projectModels(graph)) {
      if (present.has(model.name)) continue;
      expect(invocation.actions[model.name], `${model.name} is missing and not reported`).toMatchObject({ status: "failed" });
      expect(invocation.actions[model.name].message).toMatch(/^missing from the warehouse: /);
      expect(lines.some((l) => l.startsWith(`missing after the run: ${model.name}: `))).toBe(true);
    }
    const rebuilt = Object.entries(invocation.actions).filter(([, a]) => /^rebuilt after the run/.test(a.message ?? ""));
    for (const [name] of rebuilt) expect(present.has(name)).toBe(true);
  }, 300_000);

  it("`lakehouse status` lists a project model missing from the warehouse and exits 1", async () => {
    // The whole stack runs (status exits 3 otherwise): the API simulator beside the PostgreSQL already up.
    for (const service of await services()) if (service.name !== "postgres") await service.start(stack.env);
    await withClient(stack.env, "warehouse", (c) => c.query("drop view if exists gold.sales_per_country cascade"));
    const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "status", "--env", "ci", "--json"], { env: stack.cliEnv, encoding: "utf8" });
    expect(result.status).toBe(1);
    const status = JSON.parse(result.stdout) as { gold: Record<string, { rows?: number; missing?: boolean }> };
    expect(Object.keys(status)).toEqual(["stack", "landing", "silver", "gold"]);
    expect(status.gold["gold.sales_per_country"]).toMatchObject({ missing: true });
    expect(status.gold["gold.dim_date"].rows).toBeTypeOf("number");
    const text = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "status", "--env", "ci"], { env: stack.cliEnv, encoding: "utf8" });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/gold\.sales_per_country +MISSING/);
    // status reads the latest invocation only: the run of the test above, with its failure.
    expect(text.stdout).toMatch(/^last invocation: run \S+ failed — \d+ succeeded, [1-9]\d* failed, \d+ skipped, \d+ disabled$/m);
  }, 120_000);
});
