import * as fs from "node:fs";
import * as path from "node:path";
import type { Track } from "../../scripts/api/generate.ts";

const SONGS = "/work/shared/data/sparkify/song_data";

/** Tracks read independently from the real Sparkify song files (track id = file name). */
export function sampleTracks(limit = 200): Track[] {
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return walk(SONGS)
    .sort()
    .slice(0, limit)
    .map((file) => {
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      return { track_id: path.basename(file, ".json"), title: doc.title, artist_id: doc.artist_id, artist_name: doc.artist_name };
    });
}
