import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { newInvocation, readLatest, runsDir, saveInvocation, type ActionOutcome } from "../../scripts/dataform/artifacts.ts";
import { failedUpstream, toOutcome } from "../../scripts/dataform/invoke.ts";
import { outcomeLine, summaryLines, useColor } from "../../scripts/dataform/progress.ts";
import { parseRunOutput } from "../../scripts/dataform/results.ts";
import type { SelectableAction } from "../../scripts/dataform/select.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-outcomes-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { ...loadEnvironment("ci"), stackDir: dir };

const action = (name: string, type: string, dependencies: string[] = []): SelectableAction => ({ name, type, schema: name.split(".")[0], tags: [], dependencies });
const GRAPH = new Map(
  [
    action("gold.stg", "view"),
    action("gold.dim_artists", "table", ["gold.stg"]),
    action("gold.dim_songs", "table", ["gold.dim_artists", "gold.stg"]),
    action("gold.fct", "incremental", ["gold.dim_songs"]),
    action("gold_assertions.fct__unique", "assertion", ["gold.fct"]),
    action("gold_assertions.fct__warn", "assertion", ["gold.fct"]),
  ].map((a) => [a.name, a]),
);

describe("every action's outcome", () => {
  const parsed = parseRunOutput([
    "Dataset created:  gold.stg [view]",
    "Dataset creation failed:  gold.dim_artists [table]",
    '  > drop table if exists "gold"."dim_artists_temp" cascade',
    '  postgres error: Error executing postgres query: column "artst_id" does not exist',
    "Skipping dataset creation:  gold.dim_songs [table]",
    "Skipping dataset creation:  gold.fct [incremental]",
    "Skipping assertion execution:  gold_assertions.fct__unique",
    "Assertion execution disabled:  gold_assertions.fct__warn [disabled]",
  ]);
  const actions: Record<string, ActionOutcome> = {};
  for (const [name, o] of Object.entries(parsed)) actions[name] = toOutcome(name, o, GRAPH, actions);

  it("records skipped actions with the failed upstream that caused them", () => {
    expect(actions["gold.dim_songs"]).toEqual({ status: "skipped", type: "table", skipped_because: "gold.dim_artists" });
    expect(actions["gold.fct"]).toEqual({ status: "skipped", type: "incremental", skipped_because: "gold.dim_artists" });
    expect(actions["gold_assertions.fct__unique"].skipped_because).toBe("gold.dim_artists");
    expect(actions["gold_assertions.fct__warn"].status).toBe("disabled");
    expect(failedUpstream("gold.stg", GRAPH, actions)).toBeUndefined();
  });

  it("counts all four outcomes in the summary and says what the disabled rules are", () => {
    const [summary, warn] = summaryLines("run", actions, 1234);
    expect(summary).toBe("run: 1 succeeded, 1 failed, 3 skipped, 1 disabled (1.2 s); failed: gold.dim_artists");
    expect(warn).toBe("  1 warn-level rule checked by lakehouse test");
  });

  it("prints one line per model, the failure with its message, no passing or disabled assertion unless verbose", () => {
    expect(outcomeLine("gold.stg", actions["gold.stg"])).toBe("✔ gold.stg [view]");
    expect(outcomeLine("gold.dim_artists", actions["gold.dim_artists"])).toBe('✘ gold.dim_artists [table] failed: column "artst_id" does not exist');
    expect(outcomeLine("gold.dim_songs", actions["gold.dim_songs"])).toBe("– gold.dim_songs [table] skipped (upstream gold.dim_artists failed)");
    expect(outcomeLine("gold_assertions.fct__warn", actions["gold_assertions.fct__warn"])).toBeUndefined();
    expect(outcomeLine("gold_assertions.fct__warn", actions["gold_assertions.fct__warn"], { verbose: true })).toContain("warn-level rule (checked by lakehouse test)");
    expect(outcomeLine("gold_assertions.ok", { status: "succeeded", type: "assertion" })).toBeUndefined();
  });

  it("colours only a terminal, or when FORCE_COLOR says so; NO_COLOR wins over a terminal", () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true }) as NodeJS.WritableStream;
    const pipe = new PassThrough() as NodeJS.WritableStream;
    expect(useColor(pipe, {})).toBe(false);
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(outcomeLine("gold.stg", actions["gold.stg"], { colour: true })).toContain("\u001b[32m");
  });

  it("keeps one file per invocation and latest.json = the newest only (no merge)", () => {
    const first = newInvocation(env, "run", ["--select=tag:gold"]);
    first.actions = { ...actions };
    saveInvocation(env, first);
    const second = newInvocation(env, "retry", []);
    second.actions = { "gold.dim_artists": { status: "succeeded", type: "table" } };
    saveInvocation(env, second);
    const latest = readLatest(env)!;
    expect(latest.invocation_id).toBe(second.invocation_id);
    expect(Object.keys(latest.actions)).toEqual(["gold.dim_artists"]);
    const files = fs.readdirSync(runsDir(env)).filter((f) => f !== "latest.json");
    expect(files.sort()).toEqual([`${first.invocation_id}.json`, `${second.invocation_id}.json`].sort());
    expect(JSON.parse(fs.readFileSync(path.join(runsDir(env), `${first.invocation_id}.json`), "utf8")).actions["gold.fct"].skipped_because).toBe("gold.dim_artists");
  });
});

describe("a failed model's line", () => {
  it("maps the compiled query's line to the SQLX file's line by its text, also across a replaced ref()", async () => {
    const { sourceLine } = await import("../../scripts/dataform/failure.ts");
    const source = 'config { type: "table" }\n\n-- comment\nselect\n  a,\n  nope\nfrom ${ref("x")} as x\n';
    const query = 'select\n  a,\n  nope\nfrom "gold"."x" as x';
    expect(sourceLine(source, query, 3)).toBe(6);
    expect(sourceLine(source, query, 4)).toBe(7);
    expect(sourceLine(source, query, 9)).toBeUndefined();
  });
});
