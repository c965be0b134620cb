/**
 * `sparkify/songs` → `silver.sparkify_songs`: one JSON object per file. The track id is the original file
 * name kept in the landing manifest (`…/TRAAAAW128F429D538.json`), or else the landed file's name when it
 * is a track id. Text is repaired of double-encoded UTF-8; numeric artist names and locations (real in the
 * files) are cast to text; `year: 0` is kept as 0 (unknown), "" kept as "".
 */
import { RECORD_FORMAT } from "../../land/records.ts";
import { repairValue } from "../repair.ts";
import { silverTable } from "../tables.ts";
import { asObject, castColumn, checkValue, columnsByName, FieldError, type SilverRow } from "../values.ts";
import type { EntityParser, RecordContext } from "./types.ts";

const c = columnsByName(silverTable("sparkify_songs"));

const TEXT = ["song_id", "title", "artist_id", "artist_name", "artist_location"] as const;
const NUMBERS = ["duration", "year", "artist_latitude", "artist_longitude", "num_songs"] as const;

const TRACK_ID = /^TR[A-Z0-9]{16}$/;

/** `…/TRAAAAW128F429D538.json` → `TRAAAAW128F429D538`, or null when the name is not a track id. */
export function trackIdOf(fileName: string): string | null {
  const base = fileName.split("/").pop()!.replace(/\.json$/i, "");
  return TRACK_ID.test(base) ? base : null;
}

export function parseSparkifySong(raw: unknown, ctx: RecordContext): SilverRow {
  const record = asObject(raw);
  const trackId = (ctx.original ? trackIdOf(ctx.original) : null) ?? trackIdOf(ctx.lineage.source_file);
  if (trackId === null) {
    throw new FieldError("track_id", `no track id: neither the original file name (${ctx.original ?? "not in the manifest"}) nor the landed file name is TR + 16 characters`);
  }
  const row: SilverRow = { track_id: checkValue(c.track_id, trackId, "track_id") };
  for (const name of TEXT) row[name] = castColumn(c[name], repairValue(record[name]));
  for (const name of NUMBERS) row[name] = castColumn(c[name], record[name]);
  const lat = row.artist_latitude as number | null;
  const lon = row.artist_longitude as number | null;
  if (lat !== null && (lat < -90 || lat > 90)) throw new FieldError("artist_latitude", `latitude out of range [-90, 90]: ${lat}`);
  if (lon !== null && (lon < -180 || lon > 180)) throw new FieldError("artist_longitude", `longitude out of range [-180, 180]: ${lon}`);
  if (row.duration !== null && (row.duration as number) < 0) throw new FieldError("duration", `negative duration: ${row.duration}`);
  row.ingest_on = ctx.lineage.ingest_on;
  row.source_file = ctx.lineage.source_file;
  row.processed_at = ctx.lineage.processed_at;
  return row;
}

export const sparkifySongs: EntityParser = {
  entity: "sparkify/songs",
  tables: ["sparkify_songs"],
  format: RECORD_FORMAT["sparkify/songs"],
  parse: (raw, ctx) => ({ sparkify_songs: [parseSparkifySong(raw, ctx)] }),
};
