// Unit tests of the staging views (npx dataform test): small inline fixtures of the silver tables in,
// the expected rows out. Rows are compared in order, so expected rows follow the views' natural order
// (their window partitions).

const SONGS_OUT = {
  track_id: "varchar", song_id: "varchar", song_title: "varchar", release_name: "varchar", artist_id: "varchar",
  artist_mbid: "varchar", artist_name: "varchar", duration_seconds: "double precision", artist_familiarity: "double precision",
  artist_hotttnesss: "double precision", release_year: "integer", track_7digital_id: "integer", shs_perf_id: "integer",
  shs_work_id: "integer", ingest_on: "date", processed_at: "timestamp",
};

test("stg_catalog__songs keeps the latest landed version of each track and renames")
  .dataset("stg_catalog__songs")
  .input(silver.target("songs"), silver.fixture("songs", [
    { track_id: "TRA", song_id: "SOA", title: "Old title", artist_id: "AR1", artist_name: "Band", year: 1999, ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
    { track_id: "TRA", song_id: "SOA", title: "New title", release: "Album", artist_id: "AR1", artist_mbid: "mb-1", artist_name: "Band", duration: 201.5, artist_familiarity: 0.5, artist_hotttnesss: 0.25, year: 2000, track_7digitalid: 7, shs_perf: -1, shs_work: 0, ingest_on: "2018-11-02", processed_at: "2018-11-03 01:00:00" },
    { track_id: "TRB", song_id: "SOB", title: "Only", artist_id: "AR2", ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
    { track_id: "TRB", song_id: "SOB", title: "Only, reprocessed", artist_id: "AR2", ingest_on: "2018-11-01", processed_at: "2018-11-02 05:00:00" },
    { track_id: "TRC", song_id: "SOC", title: "Year unknown", artist_id: "AR3", year: 0, ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
  ]))
  .expect(fixtures.rows(SONGS_OUT, [
    { track_id: "TRA", song_id: "SOA", song_title: "New title", release_name: "Album", artist_id: "AR1", artist_mbid: "mb-1", artist_name: "Band", duration_seconds: 201.5, artist_familiarity: 0.5, artist_hotttnesss: 0.25, release_year: 2000, track_7digital_id: 7, shs_perf_id: -1, shs_work_id: 0, ingest_on: "2018-11-02", processed_at: "2018-11-03 01:00:00" },
    { track_id: "TRB", song_id: "SOB", song_title: "Only, reprocessed", artist_id: "AR2", ingest_on: "2018-11-01", processed_at: "2018-11-02 05:00:00" },
    // The catalog's year 0 means unknown: null, as the column's description says.
    { track_id: "TRC", song_id: "SOC", song_title: "Year unknown", artist_id: "AR3", ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
  ]));

const USERS_OUT = {
  user_id: "varchar", first_name: "varchar", last_name: "varchar", latitude: "double precision", longitude: "double precision",
  place_name: "varchar", country_code: "varchar", timezone: "varchar", signed_up_at: "timestamp", ingest_on: "date", processed_at: "timestamp",
};

test("stg_api__users keeps the latest version per user per day")
  .dataset("stg_api__users")
  .input(silver.target("users"), silver.fixture("users", [
    { user_id: "u1", user_name: "Ann", user_lastname: "Lee", user_latitude: 48.85, user_longitude: 2.35, user_place: "Paris", user_country_code: "FR", user_timezone: "Europe/Paris", user_since: "2018-11-01 08:00:00", ingest_on: "2018-11-01", source_file: "a", processed_at: "2018-11-02 01:00:00" },
    { user_id: "u1", user_name: "Ann", user_lastname: "Lee", user_place: "Lyon", user_country_code: "FR", user_since: "2018-11-01 08:00:00", ingest_on: "2018-11-01", source_file: "b", processed_at: "2018-11-02 01:00:00" },
    { user_id: "u1", user_name: "Ann", user_lastname: "Lee", user_place: "Nice", user_country_code: "FR", user_since: "2018-11-01 08:00:00", ingest_on: "2018-11-03", source_file: "c", processed_at: "2018-11-04 01:00:00" },
    { user_id: "u2", user_name: "Bo", user_lastname: "Ek", user_place: "Oslo", user_country_code: "NO", user_since: "2018-11-02 09:30:00.123456", ingest_on: "2018-11-02", source_file: "d", processed_at: "2018-11-03 01:00:00" },
  ]))
  .expect(fixtures.rows(USERS_OUT, [
    { user_id: "u1", first_name: "Ann", last_name: "Lee", place_name: "Lyon", country_code: "FR", signed_up_at: "2018-11-01 08:00:00", ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
    { user_id: "u1", first_name: "Ann", last_name: "Lee", place_name: "Nice", country_code: "FR", signed_up_at: "2018-11-01 08:00:00", ingest_on: "2018-11-03", processed_at: "2018-11-04 01:00:00" },
    { user_id: "u2", first_name: "Bo", last_name: "Ek", place_name: "Oslo", country_code: "NO", signed_up_at: "2018-11-02 09:30:00.123456", ingest_on: "2018-11-02", processed_at: "2018-11-03 01:00:00" },
  ]));

const SESSIONS_OUT = {
  session_id: "varchar", user_id: "varchar", session_started_at: "timestamp", user_agent: "varchar", item_count: "integer", ingest_on: "date", processed_at: "timestamp",
};

test("stg_api__sessions keeps one copy of a session sent twice in a day, one row per delivery day")
  .dataset("stg_api__sessions")
  .input(silver.target("sessions"), silver.fixture("sessions", [
    { session_id: "s1", user_id: "u1", session_start_time: "2018-11-01 10:00:00", user_agent: "first copy", item_count: 1, ingest_on: "2018-11-01", source_file: "part-00000", processed_at: "2018-11-02 01:00:00" },
    { session_id: "s1", user_id: "u1", session_start_time: "2018-11-01 10:00:00", user_agent: "second copy", item_count: 2, ingest_on: "2018-11-01", source_file: "part-00001", processed_at: "2018-11-02 01:00:00" },
    { session_id: "s1", user_id: "u1", session_start_time: "2018-11-01 10:00:00", user_agent: "next day", item_count: 2, ingest_on: "2018-11-02", source_file: "part-00000", processed_at: "2018-11-03 01:00:00" },
    { session_id: "s2", user_id: "u2", session_start_time: "2018-11-01 11:00:00", item_count: 3, ingest_on: "2018-11-01", source_file: "part-00000", processed_at: "2018-11-02 01:00:00" },
  ]))
  .expect(fixtures.rows(SESSIONS_OUT, [
    { session_id: "s1", user_id: "u1", session_started_at: "2018-11-01 10:00:00", user_agent: "second copy", item_count: 2, ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
    { session_id: "s1", user_id: "u1", session_started_at: "2018-11-01 10:00:00", user_agent: "next day", item_count: 2, ingest_on: "2018-11-02", processed_at: "2018-11-03 01:00:00" },
    { session_id: "s2", user_id: "u2", session_started_at: "2018-11-01 11:00:00", item_count: 3, ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
  ]));

const ITEMS_OUT = {
  session_id: "varchar", item_number: "integer", user_id: "varchar", session_started_at: "timestamp", track_id: "varchar", song_title: "varchar",
  artist_id: "varchar", artist_name: "varchar", price: "numeric(12,2)", currency: "varchar", liked: "boolean", liked_since: "timestamp",
  ingest_on: "date", processed_at: "timestamp",
};

const item = (copy, n, extra = {}) => ({
  session_id: "s1", user_id: "u1", session_start_time: "2018-11-01 10:00:00", item_number: n, song_id: `TR${n}`, song_name: `Song ${n}`,
  artist_id: "AR1", artist_name: "Band", price: 0.99, currency: "USD", liked: n === 1, liked_since: n === 1 ? "2018-11-01 10:30:00.000001" : null,
  ingest_on: "2018-11-01", source_file: copy, processed_at: "2018-11-02 01:00:00", ...extra,
});

test("stg_api__session_items keeps the items of one copy per session and day, each item once, price as numeric(12,2)")
  .dataset("stg_api__session_items")
  .input(silver.target("session_items"), silver.fixture("session_items", [
    item("part-00000", 1),
    item("part-00000", 2),
    item("part-00000", 3),
    item("part-00001", 1, { price: 1.29 }),
    item("part-00001", 2, { price: 1.99 }),
    item("part-00001", 2, { price: 1.99 }),
  ]))
  .expect(fixtures.rows(ITEMS_OUT, [
    { session_id: "s1", item_number: 1, user_id: "u1", session_started_at: "2018-11-01 10:00:00", track_id: "TR1", song_title: "Song 1", artist_id: "AR1", artist_name: "Band", price: 1.29, currency: "USD", liked: true, liked_since: "2018-11-01 10:30:00.000001", ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
    { session_id: "s1", item_number: 2, user_id: "u1", session_started_at: "2018-11-01 10:00:00", track_id: "TR2", song_title: "Song 2", artist_id: "AR1", artist_name: "Band", price: 1.99, currency: "USD", liked: false, ingest_on: "2018-11-01", processed_at: "2018-11-02 01:00:00" },
  ]));
