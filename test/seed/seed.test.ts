import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeError } from "../../scripts/core/errors.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { seedSongs } from "../../scripts/seed/songs.ts";
import { syntheticSong } from "../../scripts/seed/synthetic.ts";
import { songRowFromFile } from "../../scripts/seed/sparkifySongs.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const SONGS = "/work/shared/data/sparkify/song_data";
let stack: TestStack;
let songsDir: string;
const picked: string[] = [];

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  // A copy of some real song files in a nested layout like the original.
  songsDir = path.join(stack.dir, "songs");
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const file of walk(SONGS).sort().slice(0, 40)) {
    const target = path.join(songsDir, path.relative(SONGS, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
    picked.push(file);
  }
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

const count = (sql: string) => withClient(stack.env, "catalog", async (c) => Number((await c.query(sql)).rows[0].n));

describe("lakehouse seed", () => {
  it("loads song files (track id = file name) and synthetic songs, idempotently", async () => {
    const first = await seedSongs(stack.env, { songsPath: songsDir, scale: 500 });
    expect(first).toMatchObject({ files: picked.length, synthetic: 500, rows: picked.length + 500 });
    const second = await seedSongs(stack.env, { songsPath: songsDir, scale: 500 });
    expect(second.rows).toBe(first.rows);
    expect(await count("select count(*) as n from deftunes.songs")).toBe(picked.length + 500);
    // One real file read back independently.
    const file = picked[7];
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    const row = await withClient(stack.env, "catalog", async (c) => (await c.query("select * from deftunes.songs where track_id = $1", [path.basename(file, ".json")])).rows[0]);
    expect(row).toMatchObject({ song_id: doc.song_id, title: doc.title, artist_id: doc.artist_id, artist_name: doc.artist_name, duration: doc.duration, year: doc.year, release: null, shs_work: null });
    // Synthetic songs are the same rows as the pure function gives.
    const syn = await withClient(stack.env, "catalog", async (c) => (await c.query("select * from deftunes.songs where track_id = $1", [syntheticSong(123, 500).track_id])).rows[0]);
    expect(syn).toEqual(syntheticSong(123, 500));
    // Re-seeding without scale removes the synthetic songs (content is replaced, not appended).
    await seedSongs(stack.env, { songsPath: songsDir });
    expect(await count("select count(*) as n from deftunes.songs where track_id like 'TRSYN%'")).toBe(0);
  });

  it("names the file and field of a bad song file and keeps the old content", async () => {
    const before = await count("select count(*) as n from deftunes.songs");
    const bad = path.join(stack.dir, "bad-songs");
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, "TRAAAAA128F0000001.json"), JSON.stringify({ song_id: "SOX", title: "t", duration: "long", year: 1999, artist_id: "AR1", artist_name: "a" }));
    const error = await seedSongs(stack.env, { songsPath: bad }).then(() => null, (e: unknown) => e);
    expect(describeError(error)).toMatch(/^seed: .*TRAAAAA128F0000001\.json field duration: expected number, got "long"/);
    expect(await count("select count(*) as n from deftunes.songs")).toBe(before);
  });

  it("parses a song file purely, nulls for the columns it lacks", () => {
    const row = songRowFromFile("A/B/C/TRABCDE128F0000000.json", '{"song_id":"SO1","title":"x","duration":1.5,"year":0,"artist_id":"AR1","artist_name":null}');
    expect(row).toMatchObject({ track_id: "TRABCDE128F0000000", year: 0, artist_name: null, artist_mbid: null });
    expect(() => songRowFromFile("x/TRABCDE128F0000000.json", "{oops")).toThrow(/invalid JSON/);
    // A real quirk: numeric-looking names arrive as JSON numbers; the catalog column is text.
    const numeric = songRowFromFile("A/B/L/TRABLUU128F1463532.json", fs.readFileSync(`${SONGS}/A/B/L/TRABLUU128F1463532.json`, "utf8"));
    expect(numeric.artist_name).toBe("112");
    expect(() => songRowFromFile("x/TRABCDE128F0000000.json", '{"title":true}')).toThrow(/expected string, got true/);
  });
});
