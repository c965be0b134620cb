import { LakehouseError } from "../core/errors.ts";
import type { SongRow } from "./schema.ts";

const TRACK_FILE = /(?:^|\/)(TR[A-Z0-9]{16})\.json$/;

/** The track id a Sparkify song file is named for (`…/TRABGCE128F422E38E.json`), or null. */
export function trackIdOf(relative: string): string | null {
  return TRACK_FILE.exec(relative)?.[1] ?? null;
}

function field(doc: Record<string, unknown>, name: string, type: "string" | "number" | "integer", file: string): string | number | null {
  const value = doc[name];
  if (value === null || value === undefined) return null;
  // Real song files hold numeric-looking names as JSON numbers (`"artist_name": 112`): the column is text.
  if (type === "string" && typeof value === "number" && Number.isFinite(value)) return String(value);
  const ok = type === "string" ? typeof value === "string" : typeof value === "number" && Number.isFinite(value) && (type === "number" || Number.isInteger(value));
  if (!ok) throw new LakehouseError("seed", `expected ${type}, got ${JSON.stringify(value)}`, { file, field: name });
  return value as string | number;
}

/** A catalog row from one Sparkify song file: the file's values, the columns it lacks null. Pure. */
export function songRowFromFile(relative: string, text: string, file = relative): SongRow {
  const trackId = trackIdOf(relative);
  if (!trackId) throw new LakehouseError("seed", "file name is not a track id (TR + 16 characters).json", { file });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new LakehouseError("seed", `invalid JSON: ${(error as Error).message}`, { file });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new LakehouseError("seed", "expected one JSON object", { file });
  const d = doc as Record<string, unknown>;
  return {
    track_id: trackId,
    title: field(d, "title", "string", file),
    song_id: field(d, "song_id", "string", file),
    release: null,
    artist_id: field(d, "artist_id", "string", file),
    artist_mbid: null,
    artist_name: field(d, "artist_name", "string", file),
    duration: field(d, "duration", "number", file),
    artist_familiarity: null,
    artist_hotttnesss: null,
    year: field(d, "year", "integer", file),
    track_7digitalid: null,
    shs_perf: null,
    shs_work: null,
  };
}
