// Unit tests of the reporting views (npx dataform test), from small fact and dimension fixtures.

const FACT = {
  session_item_key: "varchar", session_id: "varchar", item_number: "integer", user_key: "varchar", user_id: "varchar", song_key: "varchar", track_id: "varchar",
  artist_key: "varchar", artist_id: "varchar", date_key: "integer", session_started_at: "timestamp", price: "numeric(12,2)", currency: "varchar",
  liked: "boolean", liked_since: "timestamp", ingest_on: "date", silver_processed_at: "timestamp",
};
const DIM_ARTISTS = { artist_key: "varchar", artist_id: "varchar", artist_name: "varchar", artist_mbid: "varchar", name_variants: "integer", track_count: "integer" };
const DIM_USERS = {
  user_key: "varchar", user_id: "varchar", first_name: "varchar", last_name: "varchar", latitude: "double precision", longitude: "double precision",
  place_name: "varchar", country_code: "varchar", timezone: "varchar", signed_up_at: "timestamp", valid_from: "timestamp", valid_to: "timestamp", is_current: "boolean",
};

const sale = (session, n, user, userKey, artist, startedAt, price) => ({
  session_item_key: `${session}-${n}`, session_id: session, item_number: n, user_id: user, user_key: userKey,
  artist_key: artist ? `key-${artist}` : null, artist_id: artist || "ARX", session_started_at: startedAt, price,
});

const sales = fixtures.rows(FACT, [
  sale("s1", 1, "u1", "u1-v1", "AR1", "2018-11-01 10:00:00", 0.99),
  sale("s1", 2, "u1", "u1-v1", "AR1", "2018-11-01 10:00:00", 1.01),
  sale("s2", 1, "u1", "u1-v2", "AR2", "2018-12-31 23:59:59.999999", 1.5),
  sale("s3", 1, "u2", "u2-v1", "AR1", "2019-01-01 00:00:00", 0.1),
  sale("s4", 1, "u3", null, null, "2019-01-02 00:00:00", 0.25),
]);

test("sales_per_artist sums price per year and artist, with the canonical name")
  .dataset("sales_per_artist")
  .input("fct_session_items", sales)
  .input("dim_artists", fixtures.rows(DIM_ARTISTS, [
    { artist_key: "key-AR1", artist_id: "AR1", artist_name: "One" },
    { artist_key: "key-AR2", artist_id: "AR2", artist_name: "Two" },
  ]))
  .expect(fixtures.rows({ year: "integer", artist_id: "varchar", artist: "varchar", total: "numeric(12,2)" }, [
    { year: 2018, artist_id: "AR1", artist: "One", total: 2.0 },
    { year: 2018, artist_id: "AR2", artist: "Two", total: 1.5 },
    { year: 2019, artist_id: "ARX", artist: "(unknown artist)", total: 0.25 },
    { year: 2019, artist_id: "AR1", artist: "One", total: 0.1 },
  ]));

test("sales_per_country sums price per month by the country of the user version valid at the session")
  .dataset("sales_per_country")
  .input("fct_session_items", sales)
  .input("dim_users", fixtures.rows(DIM_USERS, [
    { user_key: "u1-v1", user_id: "u1", country_code: "FR" },
    { user_key: "u1-v2", user_id: "u1", country_code: "NO" },
    { user_key: "u2-v1", user_id: "u2", country_code: "FR" },
  ]))
  .expect(fixtures.rows({ month: "integer", year: "integer", country: "varchar", total: "numeric(12,2)" }, [
    { month: 11, year: 2018, country: "FR", total: 2.0 },
    { month: 12, year: 2018, country: "NO", total: 1.5 },
    { month: 1, year: 2019, country: "FR", total: 0.1 },
    { month: 1, year: 2019, country: "unknown", total: 0.25 },
  ]));

test("monthly_active_users counts distinct users and sessions per month")
  .dataset("monthly_active_users")
  .input("fct_session_items", sales)
  .expect(fixtures.rows({ year: "integer", month: "integer", month_start_date: "date", active_users: "integer", sessions: "integer" }, [
    { year: 2018, month: 11, month_start_date: "2018-11-01", active_users: 1, sessions: 1 },
    { year: 2018, month: 12, month_start_date: "2018-12-01", active_users: 1, sessions: 1 },
    { year: 2019, month: 1, month_start_date: "2019-01-01", active_users: 2, sessions: 2 },
  ]));
