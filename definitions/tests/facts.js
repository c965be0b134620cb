// Unit tests of fct_session_items. Dataform 2.6.7 cannot unit-test an incremental table, so the tests run
// on fct_session_items__pending, the view built from the same query (includes/session_items.js):
// with an empty fact it is the full-refresh query; with rows in the fact it is the incremental batch.

const STG_ITEMS = {
  session_id: "varchar", item_number: "integer", user_id: "varchar", session_started_at: "timestamp", track_id: "varchar", song_title: "varchar",
  artist_id: "varchar", artist_name: "varchar", price: "numeric(12,2)", currency: "varchar", liked: "boolean", liked_since: "timestamp",
  ingest_on: "date", processed_at: "timestamp",
};
const DIM_SONGS = { song_key: "varchar", track_id: "varchar", song_id: "varchar", song_title: "varchar", release_name: "varchar", artist_key: "varchar", artist_id: "varchar", duration_seconds: "double precision", release_year: "integer" };
const DIM_ARTISTS = { artist_key: "varchar", artist_id: "varchar", artist_name: "varchar", artist_mbid: "varchar", name_variants: "integer", track_count: "integer" };
const DIM_USERS = {
  user_key: "varchar", user_id: "varchar", first_name: "varchar", last_name: "varchar", latitude: "double precision", longitude: "double precision",
  place_name: "varchar", country_code: "varchar", timezone: "varchar", signed_up_at: "timestamp", valid_from: "timestamp", valid_to: "timestamp", is_current: "boolean",
};
const FACT = {
  session_item_key: "varchar", session_id: "varchar", item_number: "integer", user_key: "varchar", user_id: "varchar", song_key: "varchar", track_id: "varchar",
  artist_key: "varchar", artist_id: "varchar", date_key: "integer", session_started_at: "timestamp", price: "numeric(12,2)", currency: "varchar",
  liked: "boolean", liked_since: "timestamp", ingest_on: "date", silver_processed_at: "timestamp",
};

const SEEN_DAYS = { ingest_on: "date", processed_at: "timestamp" };
const SEEN_SONGS = { track_id: "varchar", artist_id: "varchar" };
const SEEN_ARTISTS = { artist_id: "varchar" };
const SEEN_USERS = { user_key: "varchar", user_id: "varchar", valid_from: "timestamp", valid_to: "timestamp" };
const seenInput = (kind) => incremental_state.target(`fct_session_items__seen_${kind}`);

/** The state the fact kept on its last run (includes/incremental_state.js): days loaded, dimension rows joined. */
function withState(test, { days = [], songs = [], artists = [], users = [] } = {}) {
  return test
    .input(seenInput("days"), fixtures.rows(SEEN_DAYS, days.map(([ingest_on, processed_at]) => ({ ingest_on, processed_at }))))
    .input(seenInput("songs"), fixtures.rows(SEEN_SONGS, songs))
    .input(seenInput("artists"), fixtures.rows(SEEN_ARTISTS, artists))
    .input(seenInput("users"), fixtures.rows(SEEN_USERS, users));
}

const md5 = (text) => fixtures.sql(`md5('${text}')`);
const END = "9999-12-31 00:00:00";

const songs = fixtures.rows(DIM_SONGS, [
  { song_key: "song-TR1", track_id: "TR1", artist_key: "artist-AR1", artist_id: "AR1" },
  { song_key: "song-TR2", track_id: "TR2", artist_key: "artist-AR2", artist_id: "AR2" },
]);
const artists = fixtures.rows(DIM_ARTISTS, [
  { artist_key: "artist-AR1", artist_id: "AR1", artist_name: "One" },
  { artist_key: "artist-AR2", artist_id: "AR2", artist_name: "Two" },
]);

// Silver days: what silver.session_items holds per ingest day (only ingest_on and processed_at are read).
const silverDays = (days) => silver.fixture("session_items", days.map(([day, processedAt]) => ({ session_id: "x", user_id: "x", session_start_time: `${day} 00:00:00`, item_number: 1, song_id: "TR1", price: 1, currency: "USD", liked: false, ingest_on: day, processed_at: processedAt })));

const stgItem = (session, n, user, startedAt, track, day, extra = {}) => ({
  session_id: session, item_number: n, user_id: user, session_started_at: startedAt, track_id: track, artist_id: track === "TRX" ? "ARX" : `AR${track.slice(2)}`,
  price: 0.99, currency: "USD", liked: false, ingest_on: day, processed_at: `${day} 23:00:00`, ...extra,
});

const factRow = (session, n, user, userKey, startedAt, track, day, processedAt, extra = {}) => ({
  session_item_key: md5(`${session}|${n}`), session_id: session, item_number: n, user_key: userKey, user_id: user,
  song_key: track === "TRX" ? null : `song-${track}`, track_id: track, artist_key: track === "TRX" ? null : `artist-AR${track.slice(2)}`,
  artist_id: track === "TRX" ? "ARX" : `AR${track.slice(2)}`, date_key: Number(startedAt.slice(0, 10).replace(/-/g, "")), session_started_at: startedAt,
  price: 0.99, currency: "USD", liked: false, ingest_on: day, silver_processed_at: processedAt, ...extra,
});

const SONG_STATE = [{ track_id: "TR1", artist_id: "AR1" }, { track_id: "TR2", artist_id: "AR2" }];
const ARTIST_STATE = [{ artist_id: "AR1" }, { artist_id: "AR2" }];

withState(test("fct_session_items first run (no state, empty fact): latest delivery of each session, keys to songs, artists and the user version valid at session start")
  .dataset("fct_session_items__pending")
  .input("stg_api__session_items", fixtures.rows(STG_ITEMS, [
    stgItem("s1", 1, "u1", "2018-11-01 10:00:00", "TR1", "2018-11-01", { liked: true, liked_since: "2018-11-01 10:05:00.000001" }),
    stgItem("s1", 2, "u1", "2018-11-01 10:00:00", "TR2", "2018-11-01"),
    stgItem("s1", 1, "u1", "2018-11-01 10:00:00", "TR1", "2018-11-02", { price: 1.29 }),
    stgItem("s2", 1, "u1", "2018-11-01 13:00:00", "TRX", "2018-11-01"),
    stgItem("s3", 1, "u9", "2018-11-02 09:00:00", "TR2", "2018-11-02"),
  ]))
  .input(silver.target("session_items"), silverDays([["2018-11-01", "2018-11-02 01:00:00"], ["2018-11-02", "2018-11-03 01:00:00"]]))
  .input("dim_songs", songs)
  .input("dim_artists", artists)
  .input("dim_users", fixtures.rows(DIM_USERS, [
    { user_key: "u1-v1", user_id: "u1", valid_from: "2018-11-01 00:00:00", valid_to: "2018-11-01 12:00:00", is_current: false },
    { user_key: "u1-v2", user_id: "u1", valid_from: "2018-11-01 12:00:00", valid_to: END, is_current: true },
  ]))
  .input("fct_session_items", fixtures.rows(FACT, [])))
  .expect(fixtures.rows(FACT, [
    // s1 came again on day 2 with one item: that delivery replaces day 1's two items.
    factRow("s1", 1, "u1", "u1-v1", "2018-11-01 10:00:00", "TR1", "2018-11-02", "2018-11-03 01:00:00", { price: 1.29 }),
    // unknown track: no song or artist key, artist as the API sent it; session after noon: version 2.
    factRow("s2", 1, "u1", "u1-v2", "2018-11-01 13:00:00", "TRX", "2018-11-01", "2018-11-02 01:00:00"),
    // user without a version: no user key (the relationships assertion reports it).
    factRow("s3", 1, "u9", null, "2018-11-02 09:00:00", "TR2", "2018-11-02", "2018-11-03 01:00:00"),
  ]));

withState(test("fct_session_items incremental: only new days, minus sessions held from a later day, plus re-keyed rows of a corrected user")
  .dataset("fct_session_items__pending")
  .input("stg_api__session_items", fixtures.rows(STG_ITEMS, [
    // day 1: already in the fact, silver unchanged.
    stgItem("s1", 1, "u1", "2018-11-01 10:00:00", "TR1", "2018-11-01"),
    stgItem("s5", 1, "u5", "2018-11-01 15:00:00", "TR2", "2018-11-01"),
    // day 2: new. s1 again (one item), s4 new, s6 also delivered on day 3, which the fact holds.
    stgItem("s1", 1, "u1", "2018-11-01 10:00:00", "TR2", "2018-11-02"),
    stgItem("s4", 1, "u1", "2018-11-02 08:00:00", "TR1", "2018-11-02"),
    stgItem("s6", 1, "u1", "2018-11-02 22:00:00", "TR1", "2018-11-02"),
    // day 3: already in the fact.
    stgItem("s6", 1, "u1", "2018-11-02 22:00:00", "TR1", "2018-11-03"),
  ]))
  .input(silver.target("session_items"), silverDays([["2018-11-01", "2018-11-02 01:00:00"], ["2018-11-02", "2018-11-03 01:00:00"], ["2018-11-03", "2018-11-04 01:00:00"]]))
  .input("dim_songs", songs)
  .input("dim_artists", artists)
  .input("dim_users", fixtures.rows(DIM_USERS, [
    { user_key: "u1-v1", user_id: "u1", valid_from: "2018-11-01 00:00:00", valid_to: END, is_current: true },
    // u5: a late correction of day 1 opened a second version
    { user_key: "u5-v1", user_id: "u5", valid_from: "2018-10-31 00:00:00", valid_to: "2018-11-01 00:00:00", is_current: false },
    { user_key: "u5-v2", user_id: "u5", valid_from: "2018-11-01 00:00:00", valid_to: END, is_current: true },
  ]))
  .input("fct_session_items", fixtures.rows(FACT, [
    factRow("s1", 1, "u1", "u1-v1", "2018-11-01 10:00:00", "TR1", "2018-11-01", "2018-11-02 01:00:00"),
    factRow("s5", 1, "u5", "u5-v1", "2018-11-01 15:00:00", "TR2", "2018-11-01", "2018-11-02 01:00:00"),
    factRow("s6", 1, "u1", "u1-v1", "2018-11-02 22:00:00", "TR1", "2018-11-03", "2018-11-04 01:00:00"),
  ])), {
  days: [["2018-11-01", "2018-11-02 01:00:00"], ["2018-11-03", "2018-11-04 01:00:00"]],
  songs: SONG_STATE,
  artists: ARTIST_STATE,
  users: [
    { user_key: "u1-v1", user_id: "u1", valid_from: "2018-11-01 00:00:00", valid_to: END },
    { user_key: "u5-v1", user_id: "u5", valid_from: "2018-10-31 00:00:00", valid_to: END },
  ],
})
  .expect(fixtures.rows(FACT, [
    factRow("s1", 1, "u1", "u1-v1", "2018-11-01 10:00:00", "TR2", "2018-11-02", "2018-11-03 01:00:00"),
    factRow("s4", 1, "u1", "u1-v1", "2018-11-02 08:00:00", "TR1", "2018-11-02", "2018-11-03 01:00:00"),
    // s5 is re-keyed to the corrected history (the version from Nov 1), everything else as held.
    factRow("s5", 1, "u5", "u5-v2", "2018-11-01 15:00:00", "TR2", "2018-11-01", "2018-11-02 01:00:00"),
  ]));

withState(test("fct_session_items incremental: a re-landed day is selected again in full")
  .dataset("fct_session_items__pending")
  .input("stg_api__session_items", fixtures.rows(STG_ITEMS, [
    stgItem("s1", 1, "u1", "2018-11-01 10:00:00", "TR1", "2018-11-01", { processed_at: "2018-11-06 00:00:00" }),
    stgItem("s2", 1, "u1", "2018-11-02 10:00:00", "TR1", "2018-11-02"),
  ]))
  // day 1 processed again on Nov 6 (re-landed); the fact holds day 1 as processed on Nov 2.
  .input(silver.target("session_items"), silverDays([["2018-11-01", "2018-11-06 00:00:00"], ["2018-11-02", "2018-11-03 01:00:00"]]))
  .input("dim_songs", songs)
  .input("dim_artists", artists)
  .input("dim_users", fixtures.rows(DIM_USERS, [{ user_key: "u1-v1", user_id: "u1", valid_from: "2018-11-01 00:00:00", valid_to: END, is_current: true }]))
  .input("fct_session_items", fixtures.rows(FACT, [
    factRow("s1", 1, "u1", "u1-v1", "2018-11-01 10:00:00", "TR1", "2018-11-01", "2018-11-02 01:00:00"),
    factRow("s1", 2, "u1", "u1-v1", "2018-11-01 10:00:00", "TR2", "2018-11-01", "2018-11-02 01:00:00"),
    factRow("s2", 1, "u1", "u1-v1", "2018-11-02 10:00:00", "TR1", "2018-11-02", "2018-11-03 01:00:00"),
  ])), {
  days: [["2018-11-01", "2018-11-02 01:00:00"], ["2018-11-02", "2018-11-03 01:00:00"]],
  songs: SONG_STATE,
  artists: ARTIST_STATE,
  users: [{ user_key: "u1-v1", user_id: "u1", valid_from: "2018-11-01 00:00:00", valid_to: END }],
})
  .expect(fixtures.rows(FACT, [
    factRow("s1", 1, "u1", "u1-v1", "2018-11-01 10:00:00", "TR1", "2018-11-01", "2018-11-06 00:00:00"),
  ]));

withState(test("fct_session_items incremental: a re-landed day that lost a session brings back its earlier delivery; a late song keys items already loaded")
  .dataset("fct_session_items__pending")
  .input("stg_api__session_items", fixtures.rows(STG_ITEMS, [
    // s1 was delivered on days 1 and 2; day 2 was re-landed without it: day 1's copy is the latest again.
    stgItem("s1", 1, "u1", "2018-11-01 10:00:00", "TR1", "2018-11-01", { price: 0.5 }),
    stgItem("s2", 1, "u1", "2018-11-02 10:00:00", "TR1", "2018-11-02", { processed_at: "2018-11-06 00:00:00" }),
    // s3 (day 1, unchanged) is of TR2, which reached the catalog after it was loaded.
    stgItem("s3", 1, "u1", "2018-11-01 11:00:00", "TR2", "2018-11-01", { artist_id: "AR9" }),
  ]))
  .input(silver.target("session_items"), silverDays([["2018-11-01", "2018-11-02 01:00:00"], ["2018-11-02", "2018-11-06 00:00:00"]]))
  .input("dim_songs", songs)
  .input("dim_artists", artists)
  .input("dim_users", fixtures.rows(DIM_USERS, [{ user_key: "u1-v1", user_id: "u1", valid_from: "2018-11-01 00:00:00", valid_to: END, is_current: true }]))
  .input("fct_session_items", fixtures.rows(FACT, [
    factRow("s1", 1, "u1", "u1-v1", "2018-11-01 10:00:00", "TR1", "2018-11-02", "2018-11-03 01:00:00"),
    factRow("s2", 1, "u1", "u1-v1", "2018-11-02 10:00:00", "TR1", "2018-11-02", "2018-11-03 01:00:00"),
    factRow("s3", 1, "u1", "u1-v1", "2018-11-01 11:00:00", "TR2", "2018-11-01", "2018-11-02 01:00:00", { song_key: null, artist_key: null, artist_id: "AR9" }),
  ])), {
  days: [["2018-11-01", "2018-11-02 01:00:00"], ["2018-11-02", "2018-11-03 01:00:00"]],
  songs: [{ track_id: "TR1", artist_id: "AR1" }],
  artists: ARTIST_STATE,
  users: [{ user_key: "u1-v1", user_id: "u1", valid_from: "2018-11-01 00:00:00", valid_to: END }],
})
  .expect(fixtures.rows(FACT, [
    factRow("s1", 1, "u1", "u1-v1", "2018-11-01 10:00:00", "TR1", "2018-11-01", "2018-11-02 01:00:00", { price: 0.5 }),
    factRow("s2", 1, "u1", "u1-v1", "2018-11-02 10:00:00", "TR1", "2018-11-02", "2018-11-06 00:00:00"),
    factRow("s3", 1, "u1", "u1-v1", "2018-11-01 11:00:00", "TR2", "2018-11-01", "2018-11-02 01:00:00"),
  ]));
