import { describe, expect, it } from "vitest";
import { PARSERS } from "../../scripts/silver/entities/index.ts";
import { parseApiSession } from "../../scripts/silver/entities/api-sessions.ts";
import { trackIdOf } from "../../scripts/silver/entities/sparkify-songs.ts";
import { quarantineLine } from "../../scripts/silver/quarantine.ts";
import { transformRecord, type FileContext } from "../../scripts/silver/transform.ts";
import { SILVER_TABLES, silverTable } from "../../scripts/silver/tables.ts";
import { formatTimestamp, parseDate, type SilverRow } from "../../scripts/silver/values.ts";
import type { EntityName } from "../../scripts/land/layout.ts";

const lineage = { ingest_on: parseDate("2018-11-01"), source_file: "landing/x/y/ingest_on=2018-11-01/part-00000.json", processed_at: 1_700_000_000_000_000n };
const file = (key = lineage.source_file, original?: string): FileContext => ({ key, original, lineage: { ...lineage, source_file: key } });

/** Runs one record through its entity: the rows per table, or "field: reason" of its quarantine entry. */
function run(entity: EntityName, record: unknown, opts: { line?: number; original?: string; key?: string } = {}) {
  const text = typeof record === "string" ? record : JSON.stringify(record);
  const result = transformRecord(PARSERS[entity], { text, record: 1, line: opts.line }, file(opts.key, opts.original));
  return result;
}
function rowsOf(entity: EntityName, record: unknown, opts = {}): Record<string, SilverRow[]> {
  const result = run(entity, record, opts);
  if (!result.ok) throw new Error(`quarantined: ${result.entry.field}: ${result.entry.reason}`);
  return result.rows;
}
function rejected(entity: EntityName, record: unknown, opts = {}): string {
  const result = run(entity, record, opts);
  if (result.ok) throw new Error("expected quarantine");
  return `${result.entry.field}: ${result.entry.reason}`;
}

/** Every row has exactly the table's columns, with values of the declared types. */
function expectTyped(tableName: string, row: SilverRow) {
  const table = silverTable(tableName);
  expect(Object.keys(row).sort()).toEqual(table.columns.map((c) => c.name).sort());
  for (const column of table.columns) {
    const value = row[column.name];
    if (value === null) {
      expect(column.required, `${tableName}.${column.name} is required`).toBe(false);
      continue;
    }
    const expected = { string: "string", int: "number", double: "number", date: "number", boolean: "boolean", long: "bigint", timestamp: "bigint" }[column.type];
    expect(typeof value, `${tableName}.${column.name}`).toBe(expected);
    if (column.type === "int" || column.type === "date") expect(Number.isInteger(value)).toBe(true);
  }
}

const CATALOG_SONG = {
  track_id: "TRAAAAW128F429D538", title: " I Didn't Mean To ", song_id: "SOMZWCG12A8C13C480", release: null, artist_id: "ARD7TVE1187B99BFB1",
  artist_mbid: null, artist_name: "Casual", duration: 218.93179, artist_familiarity: null, artist_hotttnesss: null, year: 0,
  track_7digitalid: null, shs_perf: null, shs_work: null,
};

describe("catalog/songs", () => {
  it("types the 14 columns and adds lineage", () => {
    const [row] = rowsOf("catalog/songs", CATALOG_SONG).songs;
    expectTyped("songs", row);
    expect(row).toMatchObject({ track_id: "TRAAAAW128F429D538", title: "I Didn't Mean To", duration: 218.93179, year: 0, release: null, ingest_on: 17836 });
  });
  it("quarantines bad records with the field and reason", () => {
    expect(rejected("catalog/songs", { ...CATALOG_SONG, track_id: null })).toBe("track_id: required field is null");
    expect(rejected("catalog/songs", { ...CATALOG_SONG, song_id: undefined })).toBe("song_id: required field is missing");
    expect(rejected("catalog/songs", { ...CATALOG_SONG, track_id: "TR".padEnd(19, "X") })).toBe("track_id: string longer than 18 characters (19)");
    expect(rejected("catalog/songs", { ...CATALOG_SONG, year: "nineteen" })).toBe('year: not a number: "nineteen"');
    expect(rejected("catalog/songs", { ...CATALOG_SONG, duration: { s: 1 } })).toBe("duration: wrong type: expected a number, got object");
    expect(rejected("catalog/songs", "[1, 2")).toMatch(/^\(record\): invalid JSON/);
    expect(rejected("catalog/songs", [1, 2])).toBe("(record): wrong type: expected a JSON object, got array");
  });
});

const USER = {
  user_id: "a3141825-3a8c-4968-a3af-5362011ef7d5", user_name: "Elizabeth", user_lastname: "Carey",
  user_location: ["46.32313", "-0.45877", "Niort", "FR", "Europe/Paris"], user_since: "2020-12-22T11:06:25.123456",
};

describe("api/users", () => {
  it("splits the location array and parses user_since as UTC microseconds", () => {
    const [row] = rowsOf("api/users", USER).users;
    expectTyped("users", row);
    expect(row).toMatchObject({ user_latitude: 46.32313, user_longitude: -0.45877, user_place: "Niort", user_country_code: "FR", user_timezone: "Europe/Paris" });
    expect(formatTimestamp(row.user_since as bigint)).toBe("2020-12-22T11:06:25.123456Z");
  });
  it("quarantines bad users with the field and reason", () => {
    expect(rejected("api/users", { ...USER, user_location: "Niort" })).toMatch(/^user_location: wrong type: expected an array/);
    expect(rejected("api/users", { ...USER, user_location: undefined })).toBe("user_location: required field is missing");
    expect(rejected("api/users", { ...USER, user_location: [1, 2, "Niort"] })).toMatch(/^user_location: expected 5 elements/);
    expect(rejected("api/users", { ...USER, user_location: [91, 0, "Niort", "FR", "Europe/Paris"] })).toMatch(/^user_location\[0\]: latitude out of range/);
    expect(rejected("api/users", { ...USER, user_location: [1, 0, "Niort", "FRA", "Europe/Paris"] })).toBe("user_location[3]: string longer than 2 characters (3)");
    expect(rejected("api/users", { ...USER, user_location: [1, 0, "", "FR", "Europe/Paris"] })).toBe("user_location[2]: required field is empty");
    expect(rejected("api/users", { ...USER, user_since: "22/12/2020" })).toBe('user_since: unparsable timestamp: "22/12/2020"');
    expect(rejected("api/users", { ...USER, user_lastname: { x: 1 } })).toBe("user_lastname: wrong type: expected a string, got object");
    expect(rejected("api/users", { ...USER, user_id: "x".repeat(37) })).toBe("user_id: string longer than 36 characters (37)");
  });
});

const ITEM = { song_id: "TRAAAAW128F429D538", song_name: "I Didn't Mean To", artist_id: "ARD7TVE1187B99BFB1", artist_name: "Casual", price: 0.99, currency: "USD", liked: true, liked_since: "2018-11-02T08:00:00.000001" };
const SESSION = { session_id: "0f0b7a9c-8a44-4c6f-9c53-0c1f1b1b1b1b", user_id: USER.user_id, session_start_time: "2018-11-01T10:00:00.500000", user_agent: "Mozilla/5.0", session_items: [ITEM, { ...ITEM, song_id: "TRAAABD128F429CF47", liked: false, liked_since: null, price: "1.29" }] };

describe("api/sessions", () => {
  it("gives one sessions row and one session_items row per item, item_number from 1", () => {
    const rows = rowsOf("api/sessions", SESSION);
    expect(rows.sessions).toHaveLength(1);
    expectTyped("sessions", rows.sessions[0]);
    expect(rows.sessions[0].item_count).toBe(2);
    expect(rows.session_items).toHaveLength(2);
    rows.session_items.forEach((row) => expectTyped("session_items", row));
    expect(rows.session_items.map((r) => [r.item_number, r.song_id, r.price, r.liked, r.liked_since === null])).toEqual([
      [1, "TRAAAAW128F429D538", 0.99, true, false],
      [2, "TRAAABD128F429CF47", 1.29, false, true],
    ]);
    expect(rows.session_items[1]).toMatchObject({ session_id: SESSION.session_id, user_id: SESSION.user_id, session_start_time: rows.sessions[0].session_start_time });
  });
  it("a session without items is valid (item_count 0)", () => {
    const { session, items } = parseApiSession({ ...SESSION, session_items: [] }, { lineage, record: 1 });
    expect(session.item_count).toBe(0);
    expect(items).toEqual([]);
  });
  it("a bad item quarantines the whole session, naming the item's field", () => {
    const items = (patch: object) => ({ ...SESSION, session_items: [ITEM, ITEM, { ...ITEM, ...patch }] });
    expect(rejected("api/sessions", items({ price: -1 }))).toBe("session_items[2].price: negative price: -1");
    expect(rejected("api/sessions", items({ price: "free" }))).toBe('session_items[2].price: not a number: "free"');
    expect(rejected("api/sessions", items({ liked: "maybe" }))).toBe('session_items[2].liked: not a boolean: "maybe"');
    expect(rejected("api/sessions", items({ song_id: undefined }))).toBe("session_items[2].song_id: required field is missing");
    expect(rejected("api/sessions", items({ currency: "EURO" }))).toBe("session_items[2].currency: string longer than 3 characters (4)");
    expect(rejected("api/sessions", items({ liked_since: "2018-13-01T00:00:00" }))).toMatch(/^session_items\[2\]\.liked_since: unparsable timestamp/);
    expect(rejected("api/sessions", { ...SESSION, session_items: [ITEM, "x"] })).toBe("session_items[1]: wrong type: expected a JSON object, got string");
  });
  it("quarantines bad sessions with the field and reason", () => {
    expect(rejected("api/sessions", { ...SESSION, session_start_time: "2018-11-01T25:00:00" })).toMatch(/^session_start_time: unparsable timestamp/);
    expect(rejected("api/sessions", { ...SESSION, user_id: null })).toBe("user_id: required field is null");
    expect(rejected("api/sessions", { ...SESSION, session_items: {} })).toBe("session_items: wrong type: expected an array, got object");
    expect(rejected("api/sessions", { ...SESSION, session_items: undefined })).toBe("session_items: required field is missing");
  });
});

const EVENT = {
  artist: "Des'ree", auth: "Logged In", firstName: "Kaylee", gender: "F", itemInSession: 1, lastName: "Summers", length: 246.30812, level: "free",
  location: "Phoenix-Mesa-Scottsdale, AZ", method: "PUT", page: "NextSong", registration: 1540344794796.0, sessionId: 139, song: "You Gotta Be",
  status: 200, ts: 1541106106796, userAgent: '"Mozilla/5.0 (Windows NT 6.1; WOW64)"', userId: "8",
};

describe("sparkify/events", () => {
  it("maps camelCase to the snake_case columns, ts to event_at, registration to registration_at", () => {
    const [row] = rowsOf("sparkify/events", EVENT, { line: 3 }).sparkify_events;
    expectTyped("sparkify_events", row);
    expect(row).toMatchObject({ first_name: "Kaylee", item_in_session: 1, session_id: 139n, ts: 1541106106796n, user_id: "8", line_number: 3, user_agent: '"Mozilla/5.0 (Windows NT 6.1; WOW64)"' });
    expect(formatTimestamp(row.event_at as bigint)).toBe("2018-11-01T21:01:46.796000Z");
    expect(formatTimestamp(row.registration_at as bigint)).toBe("2018-10-24T01:33:14.796000Z");
  });
  it("userId '' is null; logged-out events have no registration", () => {
    const [row] = rowsOf("sparkify/events", { ...EVENT, auth: "Logged Out", userId: "", registration: null, firstName: null }, { line: 1 }).sparkify_events;
    expect(row.user_id).toBeNull();
    expect(row.registration_at).toBeNull();
    expect(row.first_name).toBeNull();
  });
  it("repairs double-encoded UTF-8 in text", () => {
    const [row] = rowsOf("sparkify/events", { ...EVENT, artist: "Calle 13 Featuring Caf\u00c3\u0083\u00c2\u00a9 Tacuba" }, { line: 1 }).sparkify_events;
    expect(row.artist).toBe("Calle 13 Featuring Café Tacuba");
  });
  it("quarantines bad events with the field and reason", () => {
    expect(rejected("sparkify/events", { ...EVENT, ts: "soon" }, { line: 1 })).toMatch(/^ts: unparsable timestamp/);
    expect(rejected("sparkify/events", { ...EVENT, ts: -5 }, { line: 1 })).toMatch(/^ts: unparsable timestamp: epoch milliseconds out of range/);
    expect(rejected("sparkify/events", { ...EVENT, ts: undefined }, { line: 1 })).toBe("ts: required field is missing");
    expect(rejected("sparkify/events", { ...EVENT, sessionId: 1.5 }, { line: 1 })).toBe("sessionId: not an integer: 1.5");
    expect(rejected("sparkify/events", { ...EVENT, gender: "FM" }, { line: 1 })).toBe("gender: string longer than 1 characters (2)");
    expect(rejected("sparkify/events", { ...EVENT, page: "" }, { line: 1 })).toBe("page: required field is empty");
    expect(rejected("sparkify/events", { ...EVENT, registration: "later" }, { line: 1 })).toMatch(/^registration: unparsable timestamp/);
    expect(rejected("sparkify/events", '{"artist":', { line: 1 })).toMatch(/^\(record\): invalid JSON/);
  });
});

const SONG = { artist_id: "ARIXSZZ1187B98D1F9", artist_latitude: null, artist_location: "", artist_longitude: null, artist_name: 112, duration: 259.02975, num_songs: 1, song_id: "SOIJETD12A6D4F6D2B", title: "Unbelievable", year: 2003 };

describe("sparkify/songs", () => {
  it("takes track_id from the original file name, casts numeric names, keeps year 0 and empty strings", () => {
    const [row] = rowsOf("sparkify/songs", { ...SONG, year: 0 }, { original: "song_data/A/A/A/TRAAAAW128F429D538.json", key: "landing/sparkify/songs/ingest_on=2018-11-01/part-00000.json" }).sparkify_songs;
    expectTyped("sparkify_songs", row);
    expect(row).toMatchObject({ track_id: "TRAAAAW128F429D538", artist_name: "112", artist_location: "", year: 0, artist_latitude: null });
  });
  it("falls back to the landed file name; quarantines when neither is a track id", () => {
    const [row] = rowsOf("sparkify/songs", SONG, { key: "landing/sparkify/songs/ingest_on=2018-11-01/TRAAABD128F429CF47.json" }).sparkify_songs;
    expect(row.track_id).toBe("TRAAABD128F429CF47");
    expect(rejected("sparkify/songs", SONG, { key: "landing/sparkify/songs/ingest_on=2018-11-01/part-00000.json" })).toMatch(/^track_id: no track id/);
    expect(trackIdOf("a/b/TRAAAAW128F429D538.json")).toBe("TRAAAAW128F429D538");
  });
  it("quarantines bad songs with the field and reason", () => {
    const opts = { original: "song_data/A/A/A/TRAAAAW128F429D538.json" };
    expect(rejected("sparkify/songs", { ...SONG, song_id: null }, opts)).toBe("song_id: required field is null");
    expect(rejected("sparkify/songs", { ...SONG, artist_latitude: 123 }, opts)).toMatch(/^artist_latitude: latitude out of range/);
    expect(rejected("sparkify/songs", { ...SONG, duration: -1 }, opts)).toBe("duration: negative duration: -1");
    expect(rejected("sparkify/songs", { ...SONG, title: "x".repeat(1025) }, opts)).toBe("title: string longer than 1024 characters (1025)");
  });
});

describe("quarantine lines", () => {
  it("name entity, partition, file, record, line, field, reason and keep the raw record", () => {
    const result = transformRecord(PARSERS["sparkify/events"], { text: JSON.stringify({ ...EVENT, ts: "soon" }), record: 7, line: 9 }, file("landing/sparkify/events/ingest_on=2018-11-01/part-00000.jsonl"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const line = JSON.parse(quarantineLine("sparkify/events", "2018-11-01", result.entry));
    expect(line).toMatchObject({ entity: "sparkify/events", ingest_on: "2018-11-01", file: "landing/sparkify/events/ingest_on=2018-11-01/part-00000.jsonl", record: 7, line: 9, field: "ts" });
    expect(line.raw).toEqual({ ...EVENT, ts: "soon" });
    const bad = transformRecord(PARSERS["sparkify/events"], { text: "{oops", record: 2, line: 2 }, file());
    if (bad.ok) throw new Error("expected quarantine");
    expect(JSON.parse(quarantineLine("sparkify/events", "2018-11-01", bad.entry))).toMatchObject({ field: "(record)", raw_text: "{oops" });
  });
  it("a record that is not valid UTF-8 is quarantined, not silently altered", () => {
    const result = transformRecord(PARSERS["sparkify/events"], { text: '{"artist":"\uFFFD"}', record: 3, line: 3, invalidUtf8: true }, file());
    if (result.ok) throw new Error("expected quarantine");
    expect(result.entry).toMatchObject({ field: "(record)", line: 3, reason: expect.stringMatching(/^invalid UTF-8/) });
  });
  it("a multi-line raw record stays on one line", () => {
    const text = JSON.stringify({ ...USER, user_since: "x" }, null, 2);
    const result = transformRecord(PARSERS["api/users"], { text, record: 1 }, file());
    if (result.ok) throw new Error("expected quarantine");
    const out = quarantineLine("api/users", "2018-11-01", result.entry);
    expect(out.split("\n")).toHaveLength(2);
    expect(JSON.parse(out).raw).toEqual({ ...USER, user_since: "x" });
  });
});

it("every silver table is fed by exactly one parser", () => {
  const fed = Object.values(PARSERS).flatMap((p) => p.tables);
  expect(fed.sort()).toEqual(SILVER_TABLES.map((t) => t.name).sort());
  for (const parser of Object.values(PARSERS)) for (const t of parser.tables) expect(silverTable(t).landed).toBe(parser.entity);
});
