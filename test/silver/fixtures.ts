/**
 * Landed partitions for silver tests, written with landing's own stager (so layout and manifests are the
 * real ones) from crafted records and copies of the real Sparkify files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fromRoot } from "../../scripts/core/paths.ts";
import type { EntityName } from "../../scripts/land/layout.ts";
import type { Manifest } from "../../scripts/land/manifest.ts";
import { PartitionStager } from "../../scripts/land/stager.ts";
import type { Storage } from "../../scripts/storage/types.ts";

export const SPARKIFY = fromRoot("..", "shared", "data", "sparkify");

export interface FixtureFile {
  body: string | Buffer;
  /** Records in the file; default: non-blank lines (what landing counts for JSON lines). */
  rows?: number;
  original?: string;
}

const FORMAT: Record<EntityName, Manifest["format"]> = {
  "catalog/songs": "jsonl",
  "api/users": "json",
  "api/sessions": "json",
  "sparkify/songs": "json",
  "sparkify/events": "jsonl",
};

export async function land(storage: Storage, entity: EntityName, day: string, files: FixtureFile[]): Promise<Manifest> {
  const ext = entity === "catalog/songs" ? "jsonl" : "json";
  const stager = new PartitionStager(storage, entity, day, ext);
  for (const file of files) await stager.addFile(file.body, { rows: file.rows, original: file.original });
  return stager.publish({
    source: entity.split("/")[0],
    format: FORMAT[entity],
    origin: { kind: "files", root: "test" },
    window: { start_date: day, end_date: day },
    startedAt: new Date(),
  });
}

/** An API response body: a top-level JSON array, pretty-printed like a real server might. */
export function apiBody(records: unknown[]): FixtureFile {
  return { body: JSON.stringify(records, null, 1), rows: records.length };
}

export function sparkifyLog(day: string): string {
  return fs.readFileSync(path.join(SPARKIFY, "log_data", day.slice(0, 4), day.slice(5, 7), `${day}-events.json`), "utf8");
}

/** The first `n` real song files: body and original name (relative to song_data, as landing records it). */
export function sparkifySongFiles(n: number): FixtureFile[] {
  const root = path.join(SPARKIFY, "song_data");
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return walk(root)
    .sort()
    .slice(0, n)
    .map((file) => ({ body: fs.readFileSync(file), original: path.relative(root, file).split(path.sep).join("/") }));
}

export const USER = (i: number, patch: object = {}) => ({
  user_id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  user_name: `Name${i}`,
  user_lastname: `Last${i}`,
  user_location: [48.85 + i / 100, 2.35, "Paris", "FR", "Europe/Paris"],
  user_since: `2018-10-${String((i % 28) + 1).padStart(2, "0")}T08:00:00.123456`,
  ...patch,
});

export const ITEM = (song: string, patch: object = {}) => ({
  song_id: song,
  song_name: `Song ${song}`,
  artist_id: "ARD7TVE1187B99BFB1",
  artist_name: "Casual",
  price: 0.99,
  currency: "USD",
  liked: false,
  liked_since: null,
  ...patch,
});

export const SESSION = (i: number, items: unknown[], patch: object = {}) => ({
  session_id: `10000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  user_id: USER(i % 5).user_id,
  session_start_time: `2018-11-01T${String(i % 24).padStart(2, "0")}:00:00.000001`,
  user_agent: "Mozilla/5.0",
  session_items: items,
  ...patch,
});

export const CATALOG_SONG = (trackId: string, patch: object = {}) => ({
  track_id: trackId,
  title: `Title ${trackId}`,
  song_id: `SO${trackId.slice(2)}`,
  release: null,
  artist_id: "ARD7TVE1187B99BFB1",
  artist_mbid: null,
  artist_name: "Casual",
  duration: 218.93179,
  artist_familiarity: 0.5,
  artist_hotttnesss: 0.4,
  year: 2001,
  track_7digitalid: 1234,
  shs_perf: null,
  shs_work: null,
  ...patch,
});

export const jsonl = (records: unknown[]) => `${records.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n")}\n`;
