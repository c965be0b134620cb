import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { createTableSql } from "../../scripts/mount/ddl.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

// `lakehouse show` on the real project against a real embedded PostgreSQL holding only silver.songs (three
// versions of two tracks): the staging view is not built, show runs its compiled query.
let stack: TestStack;
beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  await withClient(stack.env, "warehouse", async (client) => {
    await client.query("create schema silver");
    await client.query(createTableSql(silverTable("songs"), "silver"));
    await client.query(`insert into silver.songs (track_id, song_id, title, artist_id, year, ingest_on, source_file, processed_at) values
      ('TRA', 'SOA', 'Old title', 'AR1', 1999, '2018-11-01', 'catalog/songs/a', '2018-11-02 01:00:00'),
      ('TRA', 'SOA', 'New title', 'AR1', 2000, '2018-11-02', 'catalog/songs/b', '2018-11-03 01:00:00'),
      ('TRB', 'SOB', 'Only', 'AR2', 0, '2018-11-01', 'catalog/songs/a', '2018-11-02 01:00:00')`);
  });
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

function show(...args: string[]) {
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "show", ...args, "--env", "ci"], { env: stack.cliEnv, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("lakehouse show (real embedded PostgreSQL)", () => {
  it("runs a model's compiled query, unbuilt, with the limit inside the SQL", () => {
    const all = show("stg_catalog__songs", "--json", "--limit", "10");
    expect(all.code, all.stderr).toBe(0);
    const rows = (JSON.parse(all.stdout) as { track_id: string; song_title: string; release_year: number | null }[]).sort((a, b) => a.track_id.localeCompare(b.track_id));
    // the view's logic: the latest version per track, renamed, year 0 → null
    expect(rows.map((r) => [r.track_id, r.song_title, r.release_year])).toEqual([
      ["TRA", "New title", 2000],
      ["TRB", "Only", null],
    ]);
    expect(all.stderr).toMatch(/gold\.stg_catalog__songs: first 10 rows of its compiled query/);

    const one = show("gold.stg_catalog__songs", "--limit", "1", "-q");
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/\| track_id +\| song_id +\| song_title/);
    expect(one.stdout).toMatch(/first 1 row; more not fetched/);
  }, 120_000);

  it("reads a declaration's relation; --built reads the model's, which is not built here", () => {
    const songs = show("source:silver.songs", "--json", "-q");
    expect(songs.code, songs.stderr).toBe(0);
    expect((JSON.parse(songs.stdout) as { title: string }[]).map((r) => r.title).sort()).toEqual(["New title", "Old title", "Only"]);
    const built = show("stg_catalog__songs", "--built", "-q");
    expect(built.code).toBe(1);
    expect(built.stderr).toMatch(/relation "gold\.stg_catalog__songs" does not exist/);
    expect(built.stdout).toBe("");
  }, 120_000);

  it("exits 1 on an unknown or ambiguous model", () => {
    const unknown = show("stg_nope", "-q");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no model or declaration named "stg_nope"/);
    const ambiguous = show("users", "-q");
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/"users" names 2 relations: silver\.users, sparkify\.users/);
  }, 120_000);
});
