/** `deftunes.songs`: the operational catalog's 14 columns, in order, with their PostgreSQL types. */
export const SONG_COLUMNS = [
  ["track_id", "text primary key"],
  ["title", "text"],
  ["song_id", "text"],
  ["release", "text"],
  ["artist_id", "text"],
  ["artist_mbid", "text"],
  ["artist_name", "text"],
  ["duration", "double precision"],
  ["artist_familiarity", "double precision"],
  ["artist_hotttnesss", "double precision"],
  ["year", "integer"],
  ["track_7digitalid", "integer"],
  ["shs_perf", "integer"],
  ["shs_work", "integer"],
] as const;

export type SongColumn = (typeof SONG_COLUMNS)[number][0];
export type SongRow = Record<SongColumn, string | number | null>;

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function createSongsSql(schema: string): string[] {
  return [
    `create schema if not exists ${quoteIdent(schema)}`,
    `create table if not exists ${quoteIdent(schema)}.songs (\n  ${SONG_COLUMNS.map(([n, t]) => `${n} ${t}`).join(",\n  ")}\n)`,
  ];
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;

/** One row in COPY text format (tab-separated, `\N` for null, backslash escapes). */
export function copyLine(row: SongRow): string {
  return `${SONG_COLUMNS.map(([name]) => {
    const value = row[name];
    if (value === null || value === undefined) return "\\N";
    const text = String(value);
    return NEEDS_ESCAPE.test(text) ? text.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : text;
  }).join("\t")}\n`;
}
