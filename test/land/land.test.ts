import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catalogTracks } from "../../scripts/api/catalog.ts";
import { generatorConfig, startApiServer, type RunningApiServer } from "../../scripts/api/server.ts";
import { describeError } from "../../scripts/core/errors.ts";
import { landSources } from "../../scripts/land/index.ts";
import { ENTITIES } from "../../scripts/land/layout.ts";
import { withoutTimings } from "../../scripts/land/manifest.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { landingStatus } from "../../scripts/land/status.ts";
import { seedSongs } from "../../scripts/seed/songs.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { copySparkify, countLines } from "./fixtures.ts";

const DAYS = ["2018-11-05", "2018-11-06", "2018-11-07"];
let stack: TestStack;
let api: RunningApiServer;
let sparkify: ReturnType<typeof copySparkify>;
let sparkifyDir: string;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  sparkifyDir = path.join(stack.dir, "sparkify");
  sparkify = copySparkify(sparkifyDir, 30, [...DAYS, "2018-11-08"]);
  // Any slice must work: one more song file, pretty-printed over several lines (still one record).
  const pretty = path.join(sparkifyDir, "song_data", "Z", "TRZZZZZ128F0000001.json");
  fs.mkdirSync(path.dirname(pretty), { recursive: true });
  fs.writeFileSync(pretty, JSON.stringify({ artist_id: "ARZZZ", artist_name: "Pretty", duration: 200.5, num_songs: 1, song_id: "SOZZZ", title: "Printed", year: 2001 }, null, 2));
  stack.env.sources = { ...stack.env.sources, songs_path: path.join(sparkifyDir, "song_data"), sparkify_path: sparkifyDir, start_date: DAYS[0], end_date: DAYS[2] };
  stack.env.api = { ...stack.env.api, users_per_day: 6, sessions_per_day: 10 };
  await seedSongs(stack.env, { scale: 250 });
  api = await startApiServer({ port: 0, generator: generatorConfig(stack.env), tracks: catalogTracks(stack.env), faults: { duplicate: { rate: 0.2, paths: ["/sessions"] } } });
}, 60_000);
afterAll(async () => {
  await api?.close();
  await stack?.stop();
});

const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("lakehouse land", () => {
  it("lands all three sources; a re-land gives the same manifests (but timings) and no new rows", async () => {
    const storage = openStorage(stack.env);
    const first = await landSources(stack.env, { apiBaseUrl: api.url, catalogPartRows: 100 });
    const status = await landingStatus(stack.env);
    expect(Object.keys(status).sort()).toEqual([...ENTITIES].sort());

    // Catalog: 31 files + 250 synthetic rows, in 3 part files of ≤ 100 rows, read back independently.
    const catalogRows = await withClient(stack.env, "catalog", async (c) => Number((await c.query("select count(*) as n from deftunes.songs")).rows[0].n));
    expect(catalogRows).toBe(281);
    const [songsPartition] = await listPartitions(storage, "catalog/songs");
    expect(songsPartition.ingestOn).toBe(DAYS[2]);
    expect(songsPartition.manifest.files.map((f) => f.rows)).toEqual([100, 100, 81]);
    const landedIds: string[] = [];
    for (const file of songsPartition.manifest.files) {
      const body = await storage.get(file.key);
      expect(sha(body)).toBe(file.sha256);
      expect(body.length).toBe(file.bytes);
      for (const line of body.toString("utf8").trimEnd().split("\n")) {
        const row = JSON.parse(line);
        expect(Object.keys(row)).toHaveLength(14);
        landedIds.push(row.track_id);
      }
    }
    expect(landedIds).toEqual([...landedIds].sort());
    expect(new Set(landedIds).size).toBe(catalogRows);

    // API: one partition per day and entity, the body exactly as the server sends it (duplicates kept).
    const sessions = await listPartitions(storage, "api/sessions");
    expect(sessions.map((p) => p.ingestOn)).toEqual(DAYS);
    let duplicated = 0;
    for (const p of sessions) {
      const url = `${api.url}/sessions?start_date=${p.ingestOn}&end_date=${p.ingestOn}`;
      const served = Buffer.from(await (await fetch(url)).arrayBuffer());
      const landed = await storage.get(p.manifest.files[0].key);
      expect(landed.equals(served)).toBe(true);
      const records = JSON.parse(landed.toString()) as { session_id: string }[];
      expect(p.manifest.rows).toBe(records.length);
      duplicated += records.length - new Set(records.map((r) => r.session_id)).size;
      expect(p.manifest.origin).toEqual({ kind: "http", url });
    }
    expect(duplicated).toBeGreaterThan(0);
    expect(status["api/users"].partitions).toBe(3);

    // Sparkify: files byte for byte; events only for days inside the window (11-08 is outside).
    const events = await listPartitions(storage, "sparkify/events");
    expect(events.map((p) => p.ingestOn)).toEqual(DAYS);
    for (const [i, p] of events.entries()) {
      const original = fs.readFileSync(sparkify.logFiles[i]);
      expect((await storage.get(p.manifest.files[0].key)).equals(original)).toBe(true);
      expect(p.manifest.rows).toBe(countLines(original.toString()));
    }
    const [songFiles] = await listPartitions(storage, "sparkify/songs");
    expect(songFiles.manifest.files).toHaveLength(31);
    expect(songFiles.manifest.rows).toBe(31);
    for (const file of songFiles.manifest.files) {
      const original = fs.readFileSync(path.join(sparkifyDir, "song_data", file.original!));
      expect((await storage.get(file.key)).equals(original)).toBe(true);
    }

    // Re-land: same manifests except timings, same objects, same counts.
    const keysBefore = (await storage.list("landing/")).map((o) => o.key);
    const second = await landSources(stack.env, { apiBaseUrl: api.url, catalogPartRows: 100 });
    expect(second.entities.map((e) => e.manifests.map(withoutTimings))).toEqual(first.entities.map((e) => e.manifests.map(withoutTimings)));
    expect((await storage.list("landing/")).map((o) => o.key)).toEqual(keysBefore);
    expect(await landingStatus(stack.env)).toEqual(status);
    expect(await storage.list("_staging/")).toEqual([]);
  }, 60_000);

  it("refuses a crafted date that would escape the bucket, writing nothing", async () => {
    const bucket = stack.env.resolvePath((stack.env.storage as { root: string }).root);
    const before = fs.readdirSync(bucket).sort();
    for (const crafted of ["2018-11-01/../../../etc", "../2018-11-01", "2018-02-30"]) {
      const error = await landSources(stack.env, { sources: ["api"], apiBaseUrl: api.url, startDate: DAYS[0], endDate: crafted }).then(() => null, (e: unknown) => e);
      expect(describeError(error)).toMatch(/refused date .*escape the bucket/);
    }
    expect(fs.readdirSync(bucket).sort()).toEqual(before);
    expect(fs.existsSync(path.join(stack.dir, "etc"))).toBe(false);
  });

  it("says to seed first when the catalog table does not exist", async () => {
    const env = { ...stack.env, catalog_db: { ...stack.env.catalog_db, schema: "nothing_here" } };
    const error = await landSources(env, { sources: ["catalog"] }).then(() => null, (e: unknown) => e);
    expect(describeError(error)).toMatch(/the catalog table nothing_here\.songs does not exist in catalog at 127\.0\.0\.1:\d+/);
    expect((error as { hint?: string }).hint).toMatch(/lakehouse seed/);
  });

  it("fails with the database address when the catalog is unreachable", async () => {
    const env = { ...stack.env, warehouse: { ...stack.env.warehouse, port: 9 } };
    await expect(landSources(env, { sources: ["catalog"] })).rejects.toThrow(/127\.0\.0\.1:9/);
  });
});
