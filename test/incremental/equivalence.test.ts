/**
 * Property: whatever order data arrives in, the warehouse after a sequence of incremental runs equals a
 * full refresh on the same silver, row for row (issue 15). fast-check generates histories of landings
 * (test/incremental/model.ts: new days, re-landed earlier days with rows added, changed and removed,
 * catalog and Sparkify songs that arrive late or disappear, user corrections of past days, the same
 * session or event on two days, empty days), mounts them into the silver tables of a throwaway PostgreSQL,
 * runs the models with the pinned Dataform CLI after each step (the first run of a history builds from
 * scratch, the others are incremental), then a --full-refresh into schemas with the suffix `full`, and
 * compares every model with `except all` both ways. A failure prints the shrunk history and the rows
 * that differ.
 *
 * Dataform runs on a scratch copy of the project without the YAML rules and unit tests (the same model
 * files; only fewer actions to compile), with only the tables (the views are created once).
 * INCREMENTAL_PROPERTY_RUNS sets the number of histories (default 20, plus the scenarios of issue 15);
 * INCREMENTAL_PROPERTY_PROJECT checks another copy of the project (e.g. one with a planted bug, to watch the
 * property fail and shrink); INCREMENTAL_PROPERTY_SCENARIOS=0 leaves out the hand-written histories;
 * INCREMENTAL_PROPERTY_PROGRESS=1 prints a line per history.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goldStack, type GoldStack } from "../gold/harness.ts";
import { dataform } from "../../scripts/dataform/runner.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { scratchProject } from "../../scripts/dataform/scratch.ts";
import { SCENARIOS, Silver, TABLES, describeHistory, history, type Step } from "./model.ts";

const RUNS = Number(process.env.INCREMENTAL_PROPERTY_RUNS ?? 20);

const VIEWS = ["stg_catalog__songs", "stg_api__users", "stg_api__session_items", "stg_sparkify__events", "stg_sparkify__songs"];
/** The tables the incremental models read and the models themselves, in no particular order (Dataform orders them). */
const TABLE_ACTIONS = ["dim_artists", "dim_songs", "dim_users", "fct_session_items", "artists", "songs", "users", "user_level_history", "songplays", "time"];
/** Compared after each history: the incremental models, and the tables built from them. */
const COMPARED = ["gold.fct_session_items", "gold.dim_songs", "gold.dim_artists", "gold.dim_users", "sparkify.songplays", "sparkify.time", "sparkify.songs", "sparkify.users"];

let g: GoldStack;
let project: string;

/** The project's models without its YAML rules, unit tests and reporting (fewer actions to compile per run). */
function modelsOnlyProject(root = process.env.INCREMENTAL_PROPERTY_PROJECT ?? fromRoot()): string {
  const dir = scratchProject("lakehouse-incremental-");
  fs.cpSync(path.join(root, "dataform.json"), path.join(dir, "dataform.json"));
  fs.cpSync(path.join(root, "includes"), path.join(dir, "includes"), { recursive: true });
  const skip = new Set(["assertions", "tests", "reporting"].map((d) => path.join("definitions", d)).concat(path.join("definitions", "sparkify", "tests"), path.join("definitions", "sparkify", "reporting")));
  fs.cpSync(path.join(root, "definitions"), path.join(dir, "definitions"), {
    recursive: true,
    filter: (source) => !skip.has(path.relative(root, source)),
  });
  return dir;
}

async function run(actions: string[], options: { full?: boolean } = {}): Promise<void> {
  const args = ["run", ...actions.flatMap((a) => ["--actions", a]), "--timeout", "120s"];
  if (options.full) args.push("--full-refresh", "--schema-suffix", "full");
  const result = await dataform(g.env, args, { withCredentials: true, projectDir: project });
  if (result.code !== 0) throw new Error(`dataform run${options.full ? " --full-refresh" : ""} failed (${result.code}):\n${result.lines.filter((l) => /fail|error/i.test(l)).slice(0, 20).join("\n")}`);
}

async function mount(silver: Silver, tables: Iterable<string>): Promise<void> {
  await g.load(Object.fromEntries([...tables].map((t) => [t, silver.rows(t as (typeof TABLES)[number])])));
}

/** Rows in one relation and not the other (`except all`, so duplicates count), from both sides. */
async function differences(table: string): Promise<{ incrementalOnly: unknown[]; fullOnly: unknown[] }> {
  const [schema, name] = table.split(".");
  const full = `${schema}_full.${name}`;
  const incrementalOnly = await g.rows(`select * from ${table} except all select * from ${full}`);
  const fullOnly = await g.rows(`select * from ${full} except all select * from ${table}`);
  return { incrementalOnly, fullOnly };
}

/** A fresh start: empty silver, no incremental tables and no state (the views stay). */
async function reset(): Promise<void> {
  await g.load(Object.fromEntries(TABLES.map((t) => [t, []])));
  await g.client.query(`drop table if exists gold.fct_session_items, sparkify.songplays cascade`);
  await g.client.query(`drop schema if exists gold_internal cascade`);
}

beforeAll(async () => {
  g = await goldStack();
  project = modelsOnlyProject();
  // the views of both schemas, once (mounting truncates silver tables, so views stay)
  await run([...VIEWS, ...TABLE_ACTIONS]);
  await run([...VIEWS, ...TABLE_ACTIONS], { full: true });
}, 300_000);

afterAll(async () => {
  await g?.close();
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

let histories = 0;
let incrementalRuns = 0;
/** What the histories exercised (summed over them): a property that held on empty tables proves nothing. */
const seen = { items: 0, keyedItems: 0, plays: 0, matchedPlays: 0 };

async function checkHistory(steps: Step[]): Promise<void> {
  await reset();
  const silver = new Silver();
  for (const [i, step] of steps.entries()) {
    await mount(silver, silver.apply(step));
    await run(TABLE_ACTIONS);
    if (i > 0) incrementalRuns += 1;
  }
  await run(TABLE_ACTIONS, { full: true });
  const failures: string[] = [];
  for (const table of COMPARED) {
    const diff = await differences(table);
    if (diff.incrementalOnly.length || diff.fullOnly.length) {
      failures.push(`${table}: incremental only ${JSON.stringify(diff.incrementalOnly)}; full refresh only ${JSON.stringify(diff.fullOnly)}`);
    }
  }
  histories += 1;
  if (process.env.INCREMENTAL_PROPERTY_PROGRESS) console.log(`history ${histories}: ${steps.length} runs, ${steps.flat().length} landings`);
  const [counts] = await g.rows<{ items: number; keyed: number; plays: number; matched: number }>(
    `select (select count(*)::int from gold.fct_session_items) as items,
            (select count(song_key)::int from gold.fct_session_items) as keyed,
            (select count(*)::int from sparkify.songplays) as plays,
            (select count(song_id)::int from sparkify.songplays) as matched`,
  );
  seen.items += counts.items;
  seen.keyedItems += counts.keyed;
  seen.plays += counts.plays;
  seen.matchedPlays += counts.matched;
  if (failures.length) throw new Error(`incremental ≠ full refresh after\n${describeHistory(steps)}\n${failures.join("\n")}`);
}

describe("incremental runs equal a full refresh (property)", () => {
  it(`holds on ${RUNS} random histories of landings`, async () => {
    const started = performance.now();
    await fc.assert(fc.asyncProperty(history, checkHistory), {
      numRuns: RUNS,
      examples: process.env.INCREMENTAL_PROPERTY_SCENARIOS === "0" ? [] : SCENARIOS.map((scenario) => [scenario]),
      // the (shrunk) counterexample as landings per run and the rows that differ, then fast-check's seed and path to replay it
      reporter: (details) => {
        if (!details.failed) return;
        const [steps] = details.counterexample ?? [[]];
        const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        throw new Error(
          `property failed (shrunk ${details.numShrinks} times; replay with seed ${details.seed}, path "${details.counterexamplePath}"):\n` +
            `${cause.includes("incremental ≠ full refresh") ? cause : `${describeHistory(steps)}\n${cause}`}`,
        );
      },
    });
    console.log(`incremental property: ${histories} histories, ${incrementalRuns} incremental runs, ${((performance.now() - started) / 1000).toFixed(0)} s; rows compared: ${JSON.stringify(seen)}`);
    expect(histories).toBeGreaterThanOrEqual(RUNS);
    expect(incrementalRuns).toBeGreaterThanOrEqual(RUNS);
    expect(seen.keyedItems).toBeGreaterThan(0);
    expect(seen.items).toBeGreaterThan(seen.keyedItems);
    expect(seen.matchedPlays).toBeGreaterThan(0);
    expect(seen.plays).toBeGreaterThan(seen.matchedPlays);
  }, 3_600_000);
});
