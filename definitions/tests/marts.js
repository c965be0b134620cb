// Unit tests of the dimensions (npx dataform test), from small inline fixtures of the staging views.

const STG_SONGS = {
  track_id: "varchar", song_id: "varchar", song_title: "varchar", release_name: "varchar", artist_id: "varchar",
  artist_mbid: "varchar", artist_name: "varchar", duration_seconds: "double precision", artist_familiarity: "double precision",
  artist_hotttnesss: "double precision", release_year: "integer", track_7digital_id: "integer", shs_perf_id: "integer",
  shs_work_id: "integer", ingest_on: "date", processed_at: "timestamp",
};

const STG_USERS = {
  user_id: "varchar", first_name: "varchar", last_name: "varchar", latitude: "double precision", longitude: "double precision",
  place_name: "varchar", country_code: "varchar", timezone: "varchar", signed_up_at: "timestamp", ingest_on: "date", processed_at: "timestamp",
};

const STG_SESSIONS = {
  session_id: "varchar", user_id: "varchar", session_started_at: "timestamp", user_agent: "varchar", item_count: "integer", ingest_on: "date", processed_at: "timestamp",
};

const md5 = (text) => fixtures.sql(`md5('${text}')`);

test("dim_songs has one row per track with surrogate keys to itself and its artist")
  .dataset("dim_songs")
  .input("stg_catalog__songs", fixtures.rows(STG_SONGS, [
    { track_id: "TR1", song_id: "SO1", song_title: "One", release_name: "First", artist_id: "AR1", duration_seconds: 180.5, release_year: 2001 },
    { track_id: "TR2", song_id: "SO1", song_title: "One (live)", artist_id: "AR1" },
  ]))
  .expect(fixtures.rows(
    { song_key: "varchar", track_id: "varchar", song_id: "varchar", song_title: "varchar", release_name: "varchar", artist_key: "varchar", artist_id: "varchar", duration_seconds: "double precision", release_year: "integer" },
    [
      { song_key: md5("TR1"), track_id: "TR1", song_id: "SO1", song_title: "One", release_name: "First", artist_key: md5("AR1"), artist_id: "AR1", duration_seconds: 180.5, release_year: 2001 },
      { song_key: md5("TR2"), track_id: "TR2", song_id: "SO1", song_title: "One (live)", artist_key: md5("AR1"), artist_id: "AR1" },
    ],
  ));

test("dim_artists picks one canonical name per artist: the most frequent spelling, ties alphabetically")
  .dataset("dim_artists")
  .input("stg_catalog__songs", fixtures.rows(STG_SONGS, [
    { track_id: "TR1", artist_id: "AR1", artist_name: "The Band", artist_mbid: "mb-1" },
    { track_id: "TR2", artist_id: "AR1", artist_name: "Band, The" },
    { track_id: "TR3", artist_id: "AR1", artist_name: "The Band", artist_mbid: "mb-1" },
    { track_id: "TR4", artist_id: "AR2", artist_name: "Zed" },
    { track_id: "TR5", artist_id: "AR2", artist_name: "Abe" },
    { track_id: "TR6", artist_id: "AR3" },
  ]))
  .expect(fixtures.rows(
    { artist_key: "varchar", artist_id: "varchar", artist_name: "varchar", artist_mbid: "varchar", name_variants: "integer", track_count: "integer" },
    [
      { artist_key: md5("AR1"), artist_id: "AR1", artist_name: "The Band", artist_mbid: "mb-1", name_variants: 2, track_count: 3 },
      { artist_key: md5("AR2"), artist_id: "AR2", artist_name: "Abe", name_variants: 2, track_count: 2 },
      { artist_key: md5("AR3"), artist_id: "AR3", name_variants: 0, track_count: 1 },
    ],
  ));

const DIM_USERS = {
  user_key: "varchar", user_id: "varchar", first_name: "varchar", last_name: "varchar", latitude: "double precision", longitude: "double precision",
  place_name: "varchar", country_code: "varchar", timezone: "varchar", signed_up_at: "timestamp", valid_from: "timestamp", valid_to: "timestamp", is_current: "boolean",
};

const user = (id, day, place, extra = {}) => ({
  user_id: id, first_name: "Ann", last_name: "Lee", place_name: place, country_code: place === "Oslo" ? "NO" : "FR", timezone: "Europe/Paris",
  signed_up_at: "2018-11-01 08:00:00", ingest_on: day, processed_at: `${day} 23:00:00`, ...extra,
});

const version = (id, place, from, to, extra = {}) => ({
  user_key: md5(`${id}|${from}.000000`), user_id: id, first_name: "Ann", last_name: "Lee", place_name: place, country_code: place === "Oslo" ? "NO" : "FR",
  timezone: "Europe/Paris", signed_up_at: "2018-11-01 08:00:00", valid_from: from, valid_to: to || "9999-12-31 00:00:00", is_current: !to, ...extra,
});

test("dim_users (SCD2) opens a version per change over three ingest days, collapses unchanged days, never overlaps")
  .dataset("dim_users")
  .input("stg_api__users", fixtures.rows(STG_USERS, [
    // u1: Paris on day 1, unchanged on day 2, moves to Lyon on day 3, back to Paris on day 4.
    user("u1", "2018-11-01", "Paris"),
    user("u1", "2018-11-02", "Paris"),
    user("u1", "2018-11-03", "Lyon"),
    user("u1", "2018-11-04", "Paris"),
    // u2: signed up before the first day it was received: the first version starts at the sign-up.
    user("u2", "2018-11-02", "Oslo", { signed_up_at: "2018-10-30 10:00:00" }),
    // u3: null time zone on both days is no change.
    user("u3", "2018-11-01", "Nice", { timezone: null }),
    user("u3", "2018-11-02", "Nice", { timezone: null }),
  ]))
  .expect(fixtures.rows(DIM_USERS, [
    version("u1", "Paris", "2018-11-01 00:00:00", "2018-11-03 00:00:00"),
    version("u1", "Lyon", "2018-11-03 00:00:00", "2018-11-04 00:00:00"),
    version("u1", "Paris", "2018-11-04 00:00:00"),
    version("u2", "Oslo", "2018-10-30 10:00:00", null, { signed_up_at: "2018-10-30 10:00:00" }),
    version("u3", "Nice", "2018-11-01 00:00:00", null, { timezone: null }),
  ]));

test("dim_users (SCD2) rewrites history after a late correction of an earlier day")
  .dataset("dim_users")
  .input("stg_api__users", fixtures.rows(STG_USERS, [
    // Day 2 was re-landed: the user did not move to Lyon on day 2 after all (staging keeps the corrected row).
    user("u1", "2018-11-01", "Paris"),
    user("u1", "2018-11-02", "Paris", { processed_at: "2018-11-05 09:00:00" }),
    user("u1", "2018-11-03", "Lyon"),
  ]))
  .expect(fixtures.rows(DIM_USERS, [
    version("u1", "Paris", "2018-11-01 00:00:00", "2018-11-03 00:00:00"),
    version("u1", "Lyon", "2018-11-03 00:00:00"),
  ]));

test("dim_date has every day from the first to the last session day")
  .dataset("dim_date")
  .input("stg_api__sessions", fixtures.rows(STG_SESSIONS, [
    { session_id: "s1", user_id: "u1", session_started_at: "2018-11-03 23:59:59.999999" },
    { session_id: "s2", user_id: "u1", session_started_at: "2018-11-05 00:00:00" },
  ]))
  .expect(fixtures.rows(
    { date_key: "integer", calendar_date: "date", year: "integer", quarter: "integer", month: "integer", month_name: "varchar", day_of_month: "integer", day_of_week: "integer", day_name: "varchar", iso_week: "integer", is_weekend: "boolean" },
    [
      { date_key: 20181103, calendar_date: "2018-11-03", year: 2018, quarter: 4, month: 11, month_name: "November", day_of_month: 3, day_of_week: 6, day_name: "Saturday", iso_week: 44, is_weekend: true },
      { date_key: 20181104, calendar_date: "2018-11-04", year: 2018, quarter: 4, month: 11, month_name: "November", day_of_month: 4, day_of_week: 7, day_name: "Sunday", iso_week: 44, is_weekend: true },
      { date_key: 20181105, calendar_date: "2018-11-05", year: 2018, quarter: 4, month: 11, month_name: "November", day_of_month: 5, day_of_week: 1, day_name: "Monday", iso_week: 45, is_weekend: false },
    ],
  ));
