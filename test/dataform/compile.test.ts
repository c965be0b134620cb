import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { LakehouseError } from "../../scripts/core/errors.ts";
import { compileProject } from "../../scripts/dataform/compile.ts";
import { scratchProject, writeProjectFiles } from "../../scripts/dataform/scratch.ts";
import { isNoise, noiseFilter } from "../../scripts/dataform/runner.ts";
import { parseRunOutput } from "../../scripts/dataform/results.ts";

let dir: string;
const env = loadEnvironment("local");

/** A minimal Dataform project beside the real one (same node_modules), to break on purpose. */
function project(files: Record<string, string>): string {
  return writeProjectFiles(dir, files, ["definitions"]);
}

beforeAll(() => {
  dir = writeProjectFiles(scratchProject("lakehouse-df-"), {
    "dataform.json": JSON.stringify({ warehouse: "postgres", defaultSchema: "gold", assertionSchema: "gold_assertions" }),
  });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function compileError(projectDir: string): Promise<LakehouseError> {
  try {
    await compileProject(env, { projectDir });
  } catch (error) {
    if (error instanceof LakehouseError) return error;
    throw error;
  }
  throw new Error("expected a compilation error");
}

describe("compile", () => {
  it("compiles a valid project to JSON with its SQL", async () => {
    const graph = await compileProject(env, {
      projectDir: project({ "definitions/ok.sqlx": 'config { type: "table", tags: ["gold"] }\nselect 1 as x\n' }),
    });
    expect(graph.tables?.map((t) => `${t.target.schema}.${t.target.name}`)).toEqual(["gold.ok"]);
    expect(graph.tables?.[0].query).toContain("select 1 as x");
  });

  it("names the SQLX file and the source line of a syntax error", async () => {
    const error = await compileError(
      project({ "definitions/ok.sqlx": 'config { type: "table" }\nselect 1 as x\n', "definitions/broken.sqlx": 'config {\n  type: "table"\n\nselect ${oops(}\n' }),
    );
    expect(error.context.file).toBe("definitions/broken.sqlx");
    expect(error.context.record).toBe(4);
    expect(error.oneLine()).toMatch(/^compile: definitions\/broken\.sqlx:4: /);
  });

  it("names the JS file and line of an error in a definitions script", async () => {
    const error = await compileError(project({ "definitions/gen.js": 'const a = 1;\npublish("x").query("select 1");\nthis is not js;\n' }));
    expect(error.context.file).toBe("definitions/gen.js");
    expect(error.context.record).toBe(3);
  });

  it("leads a bad ref() with the action's error, not its unit test's, and names the ref's line", async () => {
    const error = await compileError(
      project({
        "definitions/a.sqlx": 'config { type: "view" }\n-- a view\nselect *\nfrom ${ref("does_not_exist")}\n',
        "definitions/a_test.js": 'test("a keeps rows").dataset("a").expect("select 1 as x");\n',
      }),
    );
    expect(error.context.file).toBe("definitions/a.sqlx");
    expect(error.context.record).toBe(4);
    expect(error.message).toMatch(/^ref\("does_not_exist"\) names no action of the project \(Missing dependency/);
  });

  it("reports a missing dependency with the file that refers to it", async () => {
    const error = await compileError(project({ "definitions/a.sqlx": 'config { type: "view" }\nselect * from ${ref("does_not_exist")}\n' }));
    expect(error.context.file).toBe("definitions/a.sqlx");
    expect(error.message).toMatch(/does_not_exist/);
  });
});

describe("Dataform output", () => {
  it("drops the pg-pool double-release trace and its stack lines, keeps the rest", () => {
    const keep = noiseFilter();
    const lines = [
      "Error thrown when releasing ended pg.Client Release called on client which has already been released to the pool. Error: Release called on client which has already been released to the pool.",
      "    at throwOnDoubleRelease (/x/node_modules/pg-pool/index.js:27:9)",
      "    at async Runner.executeAction (/x/node_modules/@dataform/cli/bundle.js:22003:9)",
      "Dataset created:  gold.a [table]",
    ];
    expect(lines.filter(keep)).toEqual(["Dataset created:  gold.a [table]"]);
    expect(isNoise('{"level":"INFO","message":"[12:00:53.341 PM]: Configuring logger with level: 2"}')).toBe(true);
  });

  it("reads per-action outcomes and the first error of a failed action", () => {
    const actions = parseRunOutput([
      "\u001b[32mDataset created: \u001b[0m \u001b[36mgold.a\u001b[0m [table]",
      "\u001b[91mDataset creation failed: \u001b[0m \u001b[36mgold.bad\u001b[0m [table]",
      '  > drop table if exists "gold"."bad_temp" cascade',
      '  \u001b[91mpostgres error: Error executing postgres query: column "nope" does not exist\u001b[0m',
      "\u001b[91mAssertion failed: \u001b[0m \u001b[36mgold_assertions.as\u001b[0m",
      "\u001b[32mAssertion passed: \u001b[0m \u001b[36mgold_assertions.ok\u001b[0m",
    ]);
    expect(actions).toEqual({
      "gold.a": { status: "succeeded", kind: "dataset", type: "table" },
      "gold.bad": { status: "failed", kind: "dataset", type: "table", statement: 'drop table if exists "gold"."bad_temp" cascade', message: 'column "nope" does not exist' },
      "gold_assertions.as": { status: "failed", kind: "assertion", type: "assertion" },
      "gold_assertions.ok": { status: "succeeded", kind: "assertion", type: "assertion" },
    });
  });

  it("reads Dataform's skipped and disabled lines, and the first sign of a lost connection", async () => {
    const { OutcomeParser } = await import("../../scripts/dataform/results.ts");
    const seen: string[] = [];
    const parser = new OutcomeParser((name, o) => seen.push(`${name}:${o.status}`));
    for (const line of [
      "\u001b[33mSkipping dataset creation: \u001b[0m \u001b[36mgold.dim_songs\u001b[0m [table]",
      "\u001b[93mAssertion execution disabled: \u001b[0m \u001b[36mgold_assertions.w\u001b[0m [disabled]",
      "Skipping assertion execution:  gold_assertions.x",
      "Dataset creation failed:  gold.c [view]",
      "  postgres error: Error executing postgres query: terminating connection due to administrator command",
      "Error: pg.Client client error terminating connection due to unexpected postmaster exit",
    ])
      parser.feed(line);
    parser.flush();
    expect(parser.outcomes["gold.dim_songs"]).toMatchObject({ status: "skipped", type: "table" });
    expect(parser.outcomes["gold_assertions.w"]).toMatchObject({ status: "disabled" });
    expect(parser.outcomes["gold_assertions.x"]).toMatchObject({ status: "skipped" });
    // A failure is reported once its error line is read.
    expect(seen).toEqual(["gold.dim_songs:skipped", "gold_assertions.w:disabled", "gold_assertions.x:skipped", "gold.c:failed"]);
    expect(parser.outcomes["gold.c"].message).toBe("terminating connection due to administrator command");
    expect(parser.connectionLost).toBe("terminating connection due to administrator command");
  });
});

describe("dataform test output", () => {
  it("counts unit tests whose names have spaces and colons", async () => {
    const { parseTestOutput } = await import("../../scripts/cli/commands/test.ts");
    const result = parseTestOutput([
      "Running 3 unit tests...",
      "stg_api__users keeps the latest version per user per day: \u001b[32mpassed\u001b[0m",
      "sales_per_country sums price per month: by country: \u001b[91mfailed\u001b[0m",
      "dim_date: \u001b[32mpassed\u001b[0m",
    ]);
    expect(result.passed).toEqual(["stg_api__users keeps the latest version per user per day", "dim_date"]);
    expect(result.failed).toEqual(["sales_per_country sums price per month: by country"]);
  });
});

describe("deadlock victims", () => {
  it("are the actions whose only error is a PostgreSQL deadlock", async () => {
    const { deadlockVictims } = await import("../../scripts/cli/commands/run.ts");
    const actions = parseRunOutput([
      "Dataset creation failed:  sparkify.songs [table]",
      "  postgres error: Error executing postgres query: deadlock detected",
      "Dataset creation failed:  gold.bad [table]",
      '  postgres error: Error executing postgres query: column "nope" does not exist',
      "Dataset created:  gold.ok [table]",
    ]);
    expect(deadlockVictims(actions)).toEqual(["sparkify.songs"]);
  });
});
