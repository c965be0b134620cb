/**
 * `lakehouse build` semantics (issue 18.1) and `retry` (18.4) on a small scratch project against a real
 * embedded PostgreSQL: an error-level assertion failing on a model skips that model's dependents (skipped, with
 * the assertion as the reason), a warn-level one never skips, each assertion is evaluated once, unit tests run
 * and are recorded; the retry of the latest invocation reruns exactly what failed or was skipped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLatest } from "../../scripts/dataform/artifacts.ts";
import { planBuild, runBuild } from "../../scripts/dataform/build.ts";
import { compileProject } from "../../scripts/dataform/compile.ts";
import { writeCredentials } from "../../scripts/dataform/credentials.ts";
import { scratchProject, writeProjectFiles } from "../../scripts/dataform/scratch.ts";
import { retryTargets } from "../../scripts/cli/commands/retry.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

let stack: TestStack;
let project: string;
const A_BAD = 'config { type: "table" }\nselect null::int as x\n';
const A_GOOD = 'config { type: "table" }\nselect 1 as x\n';

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  writeCredentials(stack.env);
  project = writeProjectFiles(scratchProject("lakehouse-build-"), {
    "dataform.json": JSON.stringify({ warehouse: "postgres", defaultSchema: "bt", assertionSchema: "bt_assertions" }),
    "definitions/a.sqlx": A_BAD,
    "definitions/b.sqlx": 'config { type: "view" }\nselect x from ${ref("a")}\n',
    "definitions/c.sqlx": 'config { type: "table" }\nselect x from ${ref("b")}\n',
    "definitions/d.sqlx": 'config { type: "table" }\nselect 2 as y\n',
    "definitions/e.sqlx": 'config { type: "view" }\nselect y from ${ref("d")}\n',
    "definitions/rules.js": [
      'assert("a_not_null").query((ctx) => `select * from ${ctx.ref("a")} where x is null`);',
      'assert("d_warn").query((ctx) => `select * from ${ctx.ref("d")} where y = 2`).disabled();',
      'assert("d_ok").query((ctx) => `select * from ${ctx.ref("d")} where y is null`);',
      'test("d is two").dataset("d").expect("select 2 as y");',
      "",
    ].join("\n"),
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
}, 60_000);

async function build(select?: string[]) {
  const out = new PassThrough();
  let text = "";
  out.on("data", (c: Buffer) => (text += c.toString()));
  const result = await runBuild(stack.env, { command: "build", args: [], selection: select ? { select } : {}, projectDir: project, out });
  return { ...result, text };
}

describe("lakehouse build", () => {
  it("plans waves: a model with error-level rules finishes its rules before its dependents start", async () => {
    const plan = planBuild(await compileProject(stack.env, { projectDir: project }), {});
    const waveOf = (n: string) => plan.waves.findIndex((w) => w.includes(n));
    expect(waveOf("bt.b")).toBeGreaterThan(waveOf("bt.a"));
    // b has no rules: c may run in the same Dataform run as b.
    expect(waveOf("bt.c")).toBe(waveOf("bt.b"));
    expect(plan.assertions.find((a) => a.name === "bt_assertions.d_warn")?.severity).toBe("warn");
  }, 60_000);

  it("skips the dependents of a model whose error-level rule fails; warnings never skip", async () => {
    const { invocation, failed, text } = await build();
    const a = invocation.actions;
    expect(a["bt.a"].status).toBe("succeeded");
    expect(a["bt_assertions.a_not_null"]).toMatchObject({ status: "failed", failing_rows: 1 });
    expect(a["bt.b"]).toMatchObject({ status: "skipped", skipped_because: "bt_assertions.a_not_null" });
    expect(a["bt.c"]).toMatchObject({ status: "skipped", skipped_because: "bt_assertions.a_not_null" });
    expect(a["bt_assertions.d_warn"]).toMatchObject({ status: "succeeded", failing_rows: 1 });
    expect(a["bt_assertions.d_warn"].message).toMatch(/^warning: /);
    expect(a["bt.e"].status).toBe("succeeded");
    expect(a["bt_assertions.d_ok"].status).toBe("succeeded");
    expect(a["d is two"]).toMatchObject({ status: "succeeded", type: "test" });
    expect(failed).toEqual(["bt_assertions.a_not_null"]);
    // b and c were never built; e was.
    const present = await withClient(stack.env, "warehouse", async (c) => (await c.query("select table_name from information_schema.tables where table_schema = 'bt' order by 1")).rows.map((r) => r.table_name));
    expect(present).toEqual(["a", "d", "e"]);
    expect(text).toMatch(/^– bt\.b \[view\] skipped \(upstream bt_assertions\.a_not_null failed\)$/m);
    expect(text).toMatch(/^✔ bt\.d \[table\] · 1 rule passed, 1 warned/m);
    expect(text).toMatch(/^build: \d+ succeeded, 1 failed, 2 skipped, 0 disabled/m);
    // One evaluation per rule: Dataform never ran the assertions (no assertion views were created).
    const views = await withClient(stack.env, "warehouse", async (c) => (await c.query("select count(*)::int as n from information_schema.tables where table_schema = 'bt_assertions'")).rows[0].n);
    expect(views).toBe(0);
  }, 180_000);

  it("retry reruns exactly what failed or was skipped in the latest invocation", async () => {
    const latest = readLatest(stack.env)!;
    const targets = retryTargets(latest);
    expect(targets.sort()).toEqual(["bt.b", "bt.c", "bt_assertions.a_not_null"]);
    fs.writeFileSync(path.join(project, "definitions", "a.sqlx"), A_GOOD);
    // The fix is in a's data: rebuild a (what a user would select), then retry the rest.
    const { invocation } = await build([...targets, "bt.a"]);
    expect(Object.keys(invocation.actions).sort()).toEqual(["bt.a", "bt.b", "bt.c", "bt_assertions.a_not_null"]);
    expect(Object.values(invocation.actions).every((o) => o.status === "succeeded")).toBe(true);
    expect(readLatest(stack.env)!.invocation_id).toBe(invocation.invocation_id);
  }, 180_000);
});
