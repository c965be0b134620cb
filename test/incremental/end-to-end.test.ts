/**
 * Issue 15's scenario through the real stages (`lakehouse seed → land → silver → mount → run`, the CLI
 * against a throwaway stack with the purchase API simulator): ten days of every source, the Sparkify song
 * files being half of the sample's; then a grown song set and a re-landed log day with events removed,
 * changed and added; then the smaller song set again. After each incremental run (which must pass its
 * rules), the incremental models equal what a --full-refresh builds from the same silver (before the fix,
 * the grown set left old plays unmatched and the smaller one failed songplays' relationships on plays
 * matched to songs that were gone).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { connect } from "../../scripts/stack/db.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { SPARKIFY, walk } from "../land/fixtures.ts";
import { apiService } from "../../scripts/api/service.ts";

const FIRST_DAY = "2018-11-01";
const LAST_DAY = "2018-11-10";
const RELANDED_DAY = "2018-11-05";
const COMPARED = ["sparkify.songplays", "gold.fct_session_items"];

let stack: TestStack;
let client: pg.Client;
let dataDir: string;
const allSongs = walk(path.join(SPARKIFY, "song_data")).filter((f) => f.endsWith(".json")).sort();

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), ...args, "--env", "ci"], { env: stack.cliEnv, encoding: "utf8", timeout: 600_000 });
  if (result.status !== 0) throw new Error(`lakehouse ${args.join(" ")} exited ${result.status}:\n${result.stderr.split("\n").slice(-25).join("\n")}`);
  return result;
}

/** The song files of the test's Sparkify folder: every second one of the sample, or all of them. */
function useSongs(which: "half" | "all") {
  fs.rmSync(path.join(dataDir, "song_data"), { recursive: true, force: true });
  for (const [i, file] of allSongs.entries()) {
    if (which === "half" && i % 2 === 1) continue;
    const to = path.join(dataDir, path.relative(SPARKIFY, file));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(file, to);
  }
}

/** Re-lands a day whose log lost its first 20 events, has 10 others changed (level flipped) and one added. */
function editLogDay(day: string) {
  const file = path.join(dataDir, "log_data", day.slice(0, 4), day.slice(5, 7), `${day}-events.json`);
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
  const kept = lines.slice(20).map((line, i) => {
    if (i >= 10) return line;
    const event = JSON.parse(line) as Record<string, unknown>;
    return JSON.stringify({ ...event, level: event.level === "paid" ? "free" : "paid" });
  });
  const added = { ...(JSON.parse(lines[lines.length - 1]) as Record<string, unknown>) };
  added.itemInSession = Number(added.itemInSession) + 100;
  added.ts = Number(added.ts) + 1;
  fs.writeFileSync(file, `${[...kept, JSON.stringify(added)].join("\n")}\n`);
}

/** Lands the window (all sources, or only Sparkify's), commits silver, mounts, runs every model and rule. */
function pipeline(startDate: string, sources: "all" | "sparkify") {
  lakehouse("land", ...(sources === "sparkify" ? ["--source", "sparkify"] : []), "--start-date", startDate, "--end-date", LAST_DAY, "--sparkify-path", dataDir);
  lakehouse("silver");
  lakehouse("mount");
  lakehouse("run");
}

/** The incremental models as they are now, copied aside (schema kept). */
async function keep() {
  await client.query(`drop schema if exists kept cascade`);
  await client.query(`create schema kept`);
  for (const table of COMPARED) await client.query(`create table kept.${table.replace(".", "__")} as select * from ${table}`);
}

/** Rows that differ between each model and its kept copy, both ways. */
async function differences(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of COMPARED) {
    const kept = `kept.${table.replace(".", "__")}`;
    const { rows } = await client.query(
      `select count(*)::int as n from ((select * from ${table} except all select * from ${kept}) union all (select * from ${kept} except all select * from ${table})) as d`,
    );
    out[table] = rows[0].n as number;
  }
  return out;
}

const NO_DIFFERENCE = Object.fromEntries(COMPARED.map((t) => [t, 0]));

async function matched(): Promise<number> {
  return (await client.query(`select count(song_id)::int as n from sparkify.songplays`)).rows[0].n as number;
}

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  dataDir = path.join(stack.dir, "sparkify");
  fs.cpSync(path.join(SPARKIFY, "log_data"), path.join(dataDir, "log_data"), { recursive: true });
  useSongs("half");
  await apiService.start(stack.env);
  lakehouse("seed", "--songs-path", path.join(SPARKIFY, "song_data"));
  client = await connect(stack.env, "warehouse");
}, 300_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await stack?.stop();
});

describe("a grown song set and a re-landed day after a first run give the same songplays as a fresh run", () => {
  it("incremental runs through land, silver and mount equal a full refresh", async () => {
    pipeline(FIRST_DAY, "all");
    const firstMatched = await matched();

    useSongs("all");
    editLogDay(RELANDED_DAY);
    pipeline(RELANDED_DAY, "sparkify");
    await keep();
    const grownMatched = await matched();
    expect(grownMatched).toBeGreaterThan(firstMatched);
    lakehouse("run", "--full-refresh");
    expect(await differences()).toEqual(NO_DIFFERENCE);

    // the smaller song set again: plays matched to songs that are gone are matched again or unmatched
    useSongs("half");
    pipeline(LAST_DAY, "sparkify");
    await keep();
    expect(await matched()).toBeLessThan(grownMatched);
    lakehouse("run", "--full-refresh");
    expect(await differences()).toEqual(NO_DIFFERENCE);
  }, 1_800_000);
});
