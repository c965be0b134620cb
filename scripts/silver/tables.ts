/**
 * The silver tables: one declared schema per entity, the single source of truth for the transform
 * (typing and validation), the Iceberg writer (field ids), `lakehouse mount` (PostgreSQL DDL), the
 * Dataform declarations (column docs) and the graph page.
 *
 * Types are the Iceberg primitive types Redshift Spectrum reads (no time, uuid or fixed); timestamps are
 * microseconds without zone (UTC). Field ids are stable: never renumber a column, only append.
 */
export type SilverType = "boolean" | "int" | "long" | "double" | "string" | "date" | "timestamp";

export interface SilverColumn {
  /** Iceberg field id (stable). */
  id: number;
  name: string;
  type: SilverType;
  required: boolean;
  /** For strings: the longest value accepted (longer goes to quarantine). */
  maxLength?: number;
  doc: string;
}

export interface SilverTable {
  name: string;
  /** The landed `source/entity` it is built from. */
  landed: string;
  doc: string;
  columns: SilverColumn[];
}

/** Columns every silver table ends with. */
const lineage = (first: number): SilverColumn[] => [
  { id: first, name: "ingest_on", type: "date", required: true, doc: "landing partition day (Iceberg identity partition)" },
  { id: first + 1, name: "source_file", type: "string", required: true, doc: "bucket key of the landed file the row came from" },
  { id: first + 2, name: "processed_at", type: "timestamp", required: true, doc: "when the silver transform wrote the row (UTC)" },
];

const TR_ID = 18;
const UUID = 36;

export const SILVER_TABLES: SilverTable[] = [
  {
    name: "songs",
    landed: "catalog/songs",
    doc: "The song catalog (operational PostgreSQL deftunes.songs), one row per track per landing day.",
    columns: [
      { id: 1, name: "track_id", type: "string", required: true, maxLength: TR_ID, doc: "Million Song Dataset track id (TR…)" },
      { id: 2, name: "title", type: "string", required: false, maxLength: 1024, doc: "song title" },
      { id: 3, name: "song_id", type: "string", required: true, maxLength: TR_ID, doc: "song id (SO…)" },
      { id: 4, name: "release", type: "string", required: false, maxLength: 1024, doc: "album or release name" },
      { id: 5, name: "artist_id", type: "string", required: true, maxLength: TR_ID, doc: "artist id (AR…)" },
      { id: 6, name: "artist_mbid", type: "string", required: false, maxLength: 64, doc: "MusicBrainz artist id" },
      { id: 7, name: "artist_name", type: "string", required: false, maxLength: 1024, doc: "artist name as the catalog spells it" },
      { id: 8, name: "duration", type: "double", required: false, doc: "seconds" },
      { id: 9, name: "artist_familiarity", type: "double", required: false, doc: "MSD familiarity score" },
      { id: 10, name: "artist_hotttnesss", type: "double", required: false, doc: "MSD hotttnesss score" },
      { id: 11, name: "year", type: "int", required: false, doc: "release year (null when unknown)" },
      { id: 12, name: "track_7digitalid", type: "int", required: false, doc: "7digital track id" },
      { id: 13, name: "shs_perf", type: "int", required: false, doc: "Second Hand Songs performance id" },
      { id: 14, name: "shs_work", type: "int", required: false, doc: "Second Hand Songs work id" },
      ...lineage(15),
    ],
  },
  {
    name: "users",
    landed: "api/users",
    doc: "Users from the purchase API, one row per user version received (created or changed) per day.",
    columns: [
      { id: 1, name: "user_id", type: "string", required: true, maxLength: UUID, doc: "user uuid" },
      { id: 2, name: "user_name", type: "string", required: false, maxLength: 256, doc: "first name" },
      { id: 3, name: "user_lastname", type: "string", required: true, maxLength: 256, doc: "last name" },
      { id: 4, name: "user_latitude", type: "double", required: false, doc: "user_location[0]" },
      { id: 5, name: "user_longitude", type: "double", required: false, doc: "user_location[1]" },
      { id: 6, name: "user_place", type: "string", required: true, maxLength: 256, doc: "user_location[2]: city" },
      { id: 7, name: "user_country_code", type: "string", required: true, maxLength: 2, doc: "user_location[3]: ISO country code" },
      { id: 8, name: "user_timezone", type: "string", required: false, maxLength: 64, doc: "user_location[4]: IANA time zone" },
      { id: 9, name: "user_since", type: "timestamp", required: true, doc: "when the user signed up (UTC)" },
      ...lineage(10),
    ],
  },
  {
    name: "sessions",
    landed: "api/sessions",
    doc: "Sessions from the purchase API, one row per session received (the API may send a session twice).",
    columns: [
      { id: 1, name: "session_id", type: "string", required: true, maxLength: UUID, doc: "session uuid" },
      { id: 2, name: "user_id", type: "string", required: true, maxLength: UUID, doc: "user uuid" },
      { id: 3, name: "session_start_time", type: "timestamp", required: true, doc: "session start (UTC)" },
      { id: 4, name: "user_agent", type: "string", required: false, maxLength: 1024, doc: "client user agent" },
      { id: 5, name: "item_count", type: "int", required: true, doc: "number of session_items" },
      ...lineage(6),
    ],
  },
  {
    name: "session_items",
    landed: "api/sessions",
    doc: "Session items: sessions exploded to one row per item, with the session's columns.",
    columns: [
      { id: 1, name: "session_id", type: "string", required: true, maxLength: UUID, doc: "session uuid" },
      { id: 2, name: "user_id", type: "string", required: true, maxLength: UUID, doc: "user uuid" },
      { id: 3, name: "session_start_time", type: "timestamp", required: true, doc: "session start (UTC)" },
      { id: 4, name: "user_agent", type: "string", required: false, maxLength: 1024, doc: "client user agent" },
      { id: 5, name: "item_number", type: "int", required: true, doc: "position of the item in the session, from 1" },
      { id: 6, name: "song_id", type: "string", required: true, maxLength: TR_ID, doc: "track id (TR…) of the item" },
      { id: 7, name: "song_name", type: "string", required: false, maxLength: 1024, doc: "song title as the API sent it" },
      { id: 8, name: "artist_id", type: "string", required: false, maxLength: TR_ID, doc: "artist id" },
      { id: 9, name: "artist_name", type: "string", required: false, maxLength: 1024, doc: "artist name as the API sent it" },
      { id: 10, name: "price", type: "double", required: true, doc: "price paid (≥ 0)" },
      { id: 11, name: "currency", type: "string", required: true, maxLength: 3, doc: "ISO currency code" },
      { id: 12, name: "liked", type: "boolean", required: true, doc: "the user liked the song" },
      { id: 13, name: "liked_since", type: "timestamp", required: false, doc: "when the user liked it (UTC), null if not liked" },
      ...lineage(14),
    ],
  },
  {
    name: "sparkify_events",
    landed: "sparkify/events",
    doc: "Sparkify listening events (log lines), one row per event; text repaired of double-encoded UTF-8.",
    columns: [
      { id: 1, name: "artist", type: "string", required: false, maxLength: 1024, doc: "artist name (NextSong events)" },
      { id: 2, name: "auth", type: "string", required: true, maxLength: 32, doc: "Logged In, Logged Out, Guest, Cancelled" },
      { id: 3, name: "first_name", type: "string", required: false, maxLength: 256, doc: "firstName" },
      { id: 4, name: "gender", type: "string", required: false, maxLength: 1, doc: "M or F" },
      { id: 5, name: "item_in_session", type: "int", required: true, doc: "itemInSession" },
      { id: 6, name: "last_name", type: "string", required: false, maxLength: 256, doc: "lastName" },
      { id: 7, name: "length", type: "double", required: false, doc: "song length in seconds" },
      { id: 8, name: "level", type: "string", required: true, maxLength: 8, doc: "free or paid" },
      { id: 9, name: "location", type: "string", required: false, maxLength: 256, doc: "user location" },
      { id: 10, name: "method", type: "string", required: true, maxLength: 8, doc: "HTTP method" },
      { id: 11, name: "page", type: "string", required: true, maxLength: 64, doc: "page; plays are NextSong" },
      { id: 12, name: "registration_at", type: "timestamp", required: false, doc: "registration (from epoch ms, UTC)" },
      { id: 13, name: "session_id", type: "long", required: true, doc: "sessionId" },
      { id: 14, name: "song", type: "string", required: false, maxLength: 1024, doc: "song title (NextSong events)" },
      { id: 15, name: "status", type: "int", required: true, doc: "HTTP status" },
      { id: 16, name: "ts", type: "long", required: true, doc: "event time, epoch milliseconds (as logged)" },
      { id: 17, name: "event_at", type: "timestamp", required: true, doc: "event time (UTC) from ts" },
      { id: 18, name: "user_agent", type: "string", required: false, maxLength: 1024, doc: "userAgent as logged (wrapping quotes kept)" },
      { id: 19, name: "user_id", type: "string", required: false, maxLength: 16, doc: "userId; null for logged-out events (logged as \"\")" },
      { id: 20, name: "line_number", type: "int", required: true, doc: "line of the event in its log file, from 1" },
      ...lineage(21),
    ],
  },
  {
    name: "sparkify_songs",
    landed: "sparkify/songs",
    doc: "Sparkify song metadata (one JSON file per track), text repaired of double-encoded UTF-8.",
    columns: [
      { id: 1, name: "track_id", type: "string", required: true, maxLength: TR_ID, doc: "track id (the file name)" },
      { id: 2, name: "song_id", type: "string", required: true, maxLength: TR_ID, doc: "song id" },
      { id: 3, name: "title", type: "string", required: false, maxLength: 1024, doc: "song title" },
      { id: 4, name: "duration", type: "double", required: false, doc: "seconds" },
      { id: 5, name: "year", type: "int", required: false, doc: "release year; 0 in the files means unknown and is kept as 0 here" },
      { id: 6, name: "artist_id", type: "string", required: true, maxLength: TR_ID, doc: "artist id" },
      { id: 7, name: "artist_name", type: "string", required: false, maxLength: 1024, doc: "artist name (spellings vary per song)" },
      { id: 8, name: "artist_location", type: "string", required: false, maxLength: 1024, doc: "artist location, empty string kept" },
      { id: 9, name: "artist_latitude", type: "double", required: false, doc: "artist latitude" },
      { id: 10, name: "artist_longitude", type: "double", required: false, doc: "artist longitude" },
      { id: 11, name: "num_songs", type: "int", required: false, doc: "num_songs" },
      ...lineage(12),
    ],
  },
];

export function silverTable(name: string): SilverTable {
  const table = SILVER_TABLES.find((t) => t.name === name);
  if (!table) throw new Error(`unknown silver table "${name}"`);
  return table;
}

/** PostgreSQL/Redshift column type of a silver type (mount DDL, Spectrum). */
export const SQL_TYPES: Record<SilverType, string> = {
  boolean: "boolean",
  int: "integer",
  long: "bigint",
  double: "double precision",
  string: "varchar",
  date: "date",
  timestamp: "timestamp",
};
