// Dataform unit tests of the Sparkify star schema (run with `dataform test` / `lakehouse test`).
// Each test feeds a model small typed fixtures in place of its refs and compares its rows, in order,
// with the expected rows. Dataform compares row by row, so each test either expects one row or relies
// on the order the model's last window sort gives (stated next to it). songplays itself is incremental,
// which Dataform cannot unit-test: its logic lives in the view int_sparkify__songplays, tested here.

const { rows } = fixtures;

const EVENT_TYPES = {
  event_id: "varchar(32)",
  session_id: "bigint",
  item_in_session: "integer",
  ts: "bigint",
  event_at: "timestamp",
  user_id: "varchar(16)",
  first_name: "varchar(256)",
  last_name: "varchar(256)",
  gender: "varchar(1)",
  level: "varchar(8)",
  location: "varchar(256)",
  user_agent: "varchar(1024)",
  auth: "varchar(32)",
  page: "varchar(64)",
  song_title: "varchar(1024)",
  artist_name: "varchar(1024)",
  song_length: "double precision",
  song_title_key: "varchar(1024)",
  artist_name_key: "varchar(1024)",
  ingest_on: "date",
  source_file: "varchar(1024)",
  line_number: "integer",
};

const SONG_TYPES = {
  song_id: "varchar(18)",
  track_id: "varchar(18)",
  title: "varchar(1024)",
  artist_id: "varchar(18)",
  artist_name: "varchar(1024)",
  artist_location: "varchar(1024)",
  artist_latitude: "double precision",
  artist_longitude: "double precision",
  duration: "double precision",
  year: "integer",
  title_key: "varchar(1024)",
  artist_name_key: "varchar(1024)",
  ingest_on: "date",
};

const SONGPLAY_TYPES = {
  songplay_id: "varchar(32)",
  start_time: "timestamp",
  user_id: "varchar(16)",
  level: "varchar(8)",
  song_id: "varchar(18)",
  artist_id: "varchar(18)",
  session_id: "bigint",
  location: "varchar(256)",
  user_agent: "varchar(1024)",
  ingest_on: "date",
};

/** A stg_sparkify__events row: a NextSong play of user 8 unless overridden. */
function event(overrides) {
  return {
    event_id: "e",
    session_id: 139,
    item_in_session: 1,
    ts: 1541106106796,
    event_at: "2018-11-01 21:01:46.796",
    user_id: "8",
    first_name: "Kaylee",
    last_name: "Summers",
    gender: "F",
    level: "free",
    location: "Phoenix-Mesa-Scottsdale, AZ",
    user_agent: "Mozilla/5.0",
    auth: "Logged In",
    page: "NextSong",
    song_title: null,
    artist_name: null,
    song_length: null,
    song_title_key: null,
    artist_name_key: null,
    ingest_on: "2018-11-01",
    source_file: "landing/sparkify/events/ingest_on=2018-11-01/part-00000.json",
    line_number: 1,
    ...overrides,
  };
}

/** A stg_sparkify__songs row. */
function song(overrides) {
  return {
    song_id: "SO0",
    track_id: "TR0",
    title: null,
    artist_id: "AR0",
    artist_name: null,
    artist_location: null,
    artist_latitude: null,
    artist_longitude: null,
    duration: null,
    year: null,
    title_key: null,
    artist_name_key: null,
    ingest_on: "2018-11-01",
    ...overrides,
  };
}

const SPARKIFY = (name) => ({ schema: "sparkify", name });

// --- stg_sparkify__events: typing, quotes, empty user ids, match keys --------------------------------
// A view without joins or windows: rows come out in input order.

test("sparkify_stg_events_cleans_log_lines")
  .dataset(SPARKIFY("stg_sparkify__events"))
  .input(
    silver.target("sparkify_events"),
    silver.fixture("sparkify_events", [
      {
        artist: "  Beyoncé ",
        auth: "Logged In",
        first_name: "Kaylee",
        gender: "F",
        item_in_session: 1,
        last_name: "Summers",
        length: 246.30812,
        level: "free",
        location: "Phoenix-Mesa-Scottsdale, AZ",
        method: "PUT",
        page: "NextSong",
        session_id: 139,
        song: "Halo ",
        status: 200,
        ts: 1541106106796,
        event_at: "2018-11-01 21:01:46.796",
        user_agent: '"Mozilla/5.0 (Windows NT 6.1)"',
        user_id: "8",
        line_number: 3,
      },
      {
        auth: "Logged Out",
        item_in_session: 0,
        level: "free",
        method: "GET",
        page: "Home",
        session_id: 140,
        status: 200,
        ts: 1541106352796,
        event_at: "2018-11-01 21:05:52.796",
        user_agent: "Mozilla/5.0 (no quotes)",
        user_id: "",
        line_number: 4,
      },
    ]),
  )
  .expect(
    rows(EVENT_TYPES, [
      event({
        event_id: "00431e1a8552be93e09bc733998d57b5", // md5('139|1|1541106106796')
        user_agent: "Mozilla/5.0 (Windows NT 6.1)",
        song_title: "Halo",
        artist_name: "Beyoncé",
        song_length: 246.30812,
        song_title_key: "halo",
        artist_name_key: "beyoncé",
        source_file: "landing/sparkify/events/ingest_on=2018-11-01/part-00000",
        line_number: 3,
      }),
      event({
        event_id: "34e0645688742b04dc6308d7e8e15215", // md5('140|0|1541106352796')
        session_id: 140,
        item_in_session: 0,
        ts: 1541106352796,
        event_at: "2018-11-01 21:05:52.796",
        user_id: null,
        first_name: null,
        last_name: null,
        gender: null,
        location: null,
        user_agent: "Mozilla/5.0 (no quotes)",
        auth: "Logged Out",
        page: "Home",
        source_file: "landing/sparkify/events/ingest_on=2018-11-01/part-00000",
        line_number: 4,
      }),
    ]),
  );

// --- stg_sparkify__songs: one row per song_id, empty strings and year 0 to null ------------------------
// Rows come out sorted by song_id (the dedupe window's sort).

test("sparkify_stg_songs_dedupes_and_nulls_unknowns")
  .dataset(SPARKIFY("stg_sparkify__songs"))
  .input(
    silver.target("sparkify_songs"),
    silver.fixture("sparkify_songs", [
      { track_id: "TRA", song_id: "SO1", title: "Old", artist_id: "AR1", artist_name: "Coldplay", duration: 266, year: 2000, ingest_on: "2018-11-01" },
      { track_id: "TRA", song_id: "SO1", title: "New ", artist_id: "AR1", artist_name: " Coldplay", artist_location: "", duration: 267, year: 0, ingest_on: "2018-11-02" },
      { track_id: "TRC", song_id: "SO2", title: "Second copy", artist_id: "AR2", artist_name: "Björk", artist_location: " Reykjavik ", artist_latitude: 64.1, artist_longitude: -21.9, duration: 100, year: 1997 },
      { track_id: "TRB", song_id: "SO2", title: "First copy", artist_id: "AR2", artist_name: "Björk", duration: 100, year: 1997 },
    ]),
  )
  .expect(
    rows(SONG_TYPES, [
      song({ song_id: "SO1", track_id: "TRA", title: "New", artist_id: "AR1", artist_name: "Coldplay", duration: 267, year: null, title_key: "new", artist_name_key: "coldplay", ingest_on: "2018-11-02" }),
      song({ song_id: "SO2", track_id: "TRB", title: "First copy", artist_id: "AR2", artist_name: "Björk", duration: 100, year: 1997, title_key: "first copy", artist_name_key: "björk" }),
    ]),
  );

// --- int_sparkify__songplays: NextSong only, matching on title + artist, closest duration ---------------
// Rows come out sorted by (ingest_on, source_file, line_number) (the match window's sort).

const FILE = "landing/sparkify/events/ingest_on=2018-11-01/part-00000.json";
test("sparkify_songplays_match_closest_duration")
  .dataset(SPARKIFY("int_sparkify__songplays"))
  .input(
    "stg_sparkify__events",
    rows(EVENT_TYPES, [
      // two candidates: 267 s is closer to 266 s than 300 s
      event({ event_id: "p1", line_number: 1, song_title_key: "yellow", artist_name_key: "coldplay", song_length: 266 }),
      // not in the song metadata: no song, no artist
      event({ event_id: "p2", line_number: 2, song_title_key: "unknown", artist_name_key: "coldplay", song_length: 200 }),
      // not a play
      event({ event_id: "h3", line_number: 3, page: "Home" }),
      // a tie on duration (199 s and 201 s for 200 s): the lowest song_id wins
      event({ event_id: "p4", line_number: 4, song_title_key: "tie", artist_name_key: "band", song_length: 200 }),
      // no length: any candidate matches; the lowest song_id wins
      event({ event_id: "p5", line_number: 5, song_title_key: "yellow", artist_name_key: "coldplay", song_length: null, user_id: "9", level: "paid" }),
    ]),
  )
  .input(
    "stg_sparkify__songs",
    rows(SONG_TYPES, [
      song({ song_id: "SO1", artist_id: "AR1", duration: 300, title_key: "yellow", artist_name_key: "coldplay" }),
      song({ song_id: "SO2", artist_id: "AR1", duration: 267, title_key: "yellow", artist_name_key: "coldplay" }),
      song({ song_id: "SO3", artist_id: "AR3", duration: 201, title_key: "tie", artist_name_key: "band" }),
      song({ song_id: "SO4", artist_id: "AR4", duration: 199, title_key: "tie", artist_name_key: "band" }),
      song({ song_id: "SO5", artist_id: "AR5", duration: 266, title_key: "yellow", artist_name_key: "someone else" }),
    ]),
  )
  .expect(
    rows({ ...SONGPLAY_TYPES, source_file: "varchar(1024)", line_number: "integer" }, [
      { songplay_id: "p1", song_id: "SO2", artist_id: "AR1", line_number: 1 },
      { songplay_id: "p2", song_id: null, artist_id: null, line_number: 2 },
      { songplay_id: "p4", song_id: "SO3", artist_id: "AR3", line_number: 4 },
      { songplay_id: "p5", song_id: "SO1", artist_id: "AR1", line_number: 5, user_id: "9", level: "paid" },
    ].map((r) => ({
      start_time: "2018-11-01 21:01:46.796",
      user_id: "8",
      level: "free",
      session_id: 139,
      location: "Phoenix-Mesa-Scottsdale, AZ",
      user_agent: "Mozilla/5.0",
      ingest_on: "2018-11-01",
      source_file: FILE,
      ...r,
    }))),
  );

// --- users: one row per user, latest level -------------------------------------------------------------
// Rows come out sorted by user_id (the recency window's sort; '10' < '8' as text).

test("sparkify_users_latest_level")
  .dataset(SPARKIFY("users"))
  .input(
    "stg_sparkify__events",
    rows(EVENT_TYPES, [
      event({ user_id: "8", level: "free", ts: 1000, session_id: 1, item_in_session: 0, page: "Home" }),
      event({ user_id: "8", level: "free", ts: 2000, session_id: 1, item_in_session: 1, page: "Submit Upgrade" }),
      event({ user_id: "8", level: "paid", ts: 2000, session_id: 1, item_in_session: 2 }),
      event({ user_id: "8", level: "free", ts: 1500, session_id: 1, item_in_session: 3, last_name: "Older" }),
      event({ user_id: null, level: "free", ts: 9000, session_id: 2, item_in_session: 0, auth: "Logged Out", page: "Home" }),
      event({ user_id: "10", level: "free", ts: 500, session_id: 3, item_in_session: 0, first_name: "Sylvie", last_name: "Cruz" }),
    ]),
  )
  .expect(
    rows({ user_id: "varchar(16)", first_name: "varchar(256)", last_name: "varchar(256)", gender: "varchar(1)", level: "varchar(8)" }, [
      { user_id: "10", first_name: "Sylvie", last_name: "Cruz", gender: "F", level: "free" },
      { user_id: "8", first_name: "Kaylee", last_name: "Summers", gender: "F", level: "paid" },
    ]),
  );

// --- user_level_history: SCD2 of the level (includes/scd2.js) ----------------------------------------------
// Rows come out sorted by (user_id, valid_from) (the helper's last window sort).

test("sparkify_user_level_history_versions")
  .dataset(SPARKIFY("user_level_history"))
  .input(
    "stg_sparkify__events",
    rows(EVENT_TYPES, [
      event({ user_id: "8", level: "free", event_at: "2018-11-01 21:00:00", session_id: 1, item_in_session: 0 }),
      event({ user_id: "8", level: "free", event_at: "2018-11-01 21:05:00", session_id: 1, item_in_session: 1 }),
      // two events at the same instant: the later one in the session (paid) counts
      event({ user_id: "8", level: "free", event_at: "2018-11-01 21:10:00", session_id: 1, item_in_session: 2, page: "Submit Upgrade" }),
      event({ user_id: "8", level: "paid", event_at: "2018-11-01 21:10:00", session_id: 1, item_in_session: 3 }),
      event({ user_id: "8", level: "free", event_at: "2018-11-02 08:00:00", session_id: 2, item_in_session: 0 }),
      event({ user_id: null, level: "paid", event_at: "2018-11-02 09:00:00", session_id: 3, item_in_session: 0, auth: "Logged Out" }),
    ]),
  )
  .expect(
    rows({ user_level_key: "varchar(32)", user_id: "varchar(16)", level: "varchar(8)", valid_from: "timestamp", valid_to: "timestamp", is_current: "boolean" }, [
      // user_level_key = md5('8|' || valid_from to the microsecond)
      { user_level_key: "be2912d8feb5a3521b8133a9ee002799", user_id: "8", level: "free", valid_from: "2018-11-01 21:00:00", valid_to: "2018-11-01 21:10:00", is_current: false },
      { user_level_key: "1303a2d7f5ec659bfd3d2d643f805f8f", user_id: "8", level: "paid", valid_from: "2018-11-01 21:10:00", valid_to: "2018-11-02 08:00:00", is_current: false },
      { user_level_key: "658e209e60ce18e0164722d39c786dc6", user_id: "8", level: "free", valid_from: "2018-11-02 08:00:00", valid_to: "9999-12-31 00:00:00", is_current: true },
    ]),
  );

// --- artists: one row per artist_id, canonical name --------------------------------------------------------

const ARTIST_TYPES = { artist_id: "varchar(18)", name: "varchar(1024)", location: "varchar(1024)", latitude: "double precision", longitude: "double precision" };

test("sparkify_artists_most_frequent_spelling")
  .dataset(SPARKIFY("artists"))
  .input(
    "stg_sparkify__songs",
    rows(SONG_TYPES, [
      song({ song_id: "SO1", artist_id: "AR1", artist_name: "Megadeth", artist_location: "Los Angeles, California, United States" }),
      song({ song_id: "SO2", artist_id: "AR1", artist_name: "Megadeth", artist_location: "Los Angeles, CA", artist_latitude: 34.05349, artist_longitude: -118.24532 }),
      song({ song_id: "SO3", artist_id: "AR1", artist_name: "Megadeth!", artist_location: null }),
    ]),
  )
  .expect(rows(ARTIST_TYPES, [{ artist_id: "AR1", name: "Megadeth", location: "Los Angeles, CA", latitude: 34.05349, longitude: -118.24532 }]));

test("sparkify_artists_tied_spellings_shortest_then_code_point_order")
  .dataset(SPARKIFY("artists"))
  .input(
    "stg_sparkify__songs",
    rows(SONG_TYPES, [
      song({ song_id: "SO1", artist_id: "AR2", artist_name: "De-Phazz" }),
      song({ song_id: "SO2", artist_id: "AR2", artist_name: "De Phazz" }),
      song({ song_id: "SO3", artist_id: "AR2", artist_name: "The De Phazz" }),
    ]),
  )
  .expect(rows(ARTIST_TYPES, [{ artist_id: "AR2", name: "De Phazz", location: null, latitude: null, longitude: null }]));

// --- time: one row per start_time ------------------------------------------------------------------------

test("sparkify_time_parts")
  .dataset(SPARKIFY("time"))
  .input(
    SPARKIFY("songplays"),
    rows(SONGPLAY_TYPES, [
      // Sunday 4 November 2018: ISO week 44, weekday 0; two plays at the same instant give one row
      { songplay_id: "p1", start_time: "2018-11-04 13:05:09.796", user_id: "8", level: "free", session_id: 1 },
      { songplay_id: "p2", start_time: "2018-11-04 13:05:09.796", user_id: "9", level: "paid", session_id: 2 },
    ]),
  )
  .expect(
    rows({ start_time: "timestamp", hour: "integer", day: "integer", week: "integer", month: "integer", year: "integer", weekday: "integer" }, [
      { start_time: "2018-11-04 13:05:09.796", hour: 13, day: 4, week: 44, month: 11, year: 2018, weekday: 0 },
    ]),
  );

// --- reporting ---------------------------------------------------------------------------------------------

test("sparkify_active_users_per_day")
  .dataset(SPARKIFY("active_users_per_day"))
  .input(
    SPARKIFY("songplays"),
    rows(SONGPLAY_TYPES, [
      { songplay_id: "p1", start_time: "2018-11-04 00:00:00", user_id: "8", level: "free", session_id: 1 },
      { songplay_id: "p2", start_time: "2018-11-04 23:59:59.999", user_id: "8", level: "free", session_id: 1 },
      { songplay_id: "p3", start_time: "2018-11-04 10:00:00", user_id: "9", level: "paid", session_id: 2 },
    ]),
  )
  .expect(
    rows({ activity_date: "date", active_users: "bigint", paid_users: "bigint", plays: "bigint" }, [
      { activity_date: "2018-11-04", active_users: 2, paid_users: 1, plays: 3 },
    ]),
  );

test("sparkify_top_songs_counts_matched_plays")
  .dataset(SPARKIFY("top_songs"))
  .input(
    SPARKIFY("songplays"),
    rows(SONGPLAY_TYPES, [
      { songplay_id: "p1", start_time: "2018-11-04 00:00:00", user_id: "8", level: "free", song_id: "SO1", artist_id: "AR1", session_id: 1 },
      { songplay_id: "p2", start_time: "2018-11-04 01:00:00", user_id: "8", level: "free", song_id: "SO1", artist_id: "AR1", session_id: 1 },
      { songplay_id: "p3", start_time: "2018-11-04 02:00:00", user_id: "9", level: "paid", song_id: "SO1", artist_id: "AR1", session_id: 2 },
      { songplay_id: "p4", start_time: "2018-11-04 03:00:00", user_id: "9", level: "paid", song_id: null, artist_id: null, session_id: 2 },
    ]),
  )
  .input(SPARKIFY("songs"), rows({ song_id: "varchar(18)", title: "varchar(1024)", artist_id: "varchar(18)", year: "integer", duration: "double precision" }, [{ song_id: "SO1", title: "Yellow", artist_id: "AR1", year: 2000, duration: 266 }]))
  .input(SPARKIFY("artists"), rows(ARTIST_TYPES, [{ artist_id: "AR1", name: "Coldplay" }]))
  .expect(
    rows({ play_rank: "bigint", song_id: "varchar(18)", title: "varchar(1024)", artist_id: "varchar(18)", artist_name: "varchar(1024)", plays: "bigint", listeners: "bigint" }, [
      { play_rank: 1, song_id: "SO1", title: "Yellow", artist_id: "AR1", artist_name: "Coldplay", plays: 3, listeners: 2 },
    ]),
  );
