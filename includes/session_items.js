// The query of fct_session_items, shared by the incremental fact and by fct_session_items__pending (the
// rows the next incremental run would merge: a view, so that the incremental path has a unit test;
// Dataform 2.6.7 cannot unit-test incremental tables).
//
// Full mode (fact = null): every session item, from the latest delivery (ingest day) of each session,
// with the keys of dim_songs (track_id), dim_artists and the dim_users version valid at its start.
//
// Incremental mode: the fact equals the full query on the current inputs, recomputing only the sessions
// whose rows can differ. What changed since the last run comes from the state the fact keeps
// (includes/incremental_state.js), compared both ways with the current inputs:
//   changed days    silver ingest days added, re-landed (newer processed_at) or gone;
//   changed tracks  dim_songs rows (track_id, artist_id) added, changed or removed (late or withdrawn songs);
//   changed artists dim_artists ids added or removed;
//   changed users   dim_users versions added, changed or removed (late corrections, users whose rows went).
// A session is recomputed when
//   (day)     a changed day now holds it at or after the day the fact holds it from, or the fact holds
//             it from a changed day: its items are the latest delivery among the changed days' rows;
//   (rescan)  the fact held it from a changed day that no longer delivers it (and no later changed day
//             does), or one of its items is of a changed track: its items are read again from every
//             silver day (an earlier, unchanged delivery comes back; the API's artist_id is needed
//             again); the silver scan runs only when there is such a session;
//   (rekey)   one of its items is of a changed artist or user: its held rows get their keys looked up
//             again, and the session is merged only when one of them changed.
// The run materializes the affected sessions and their new rows (scratch tables in gold_internal, before
// the merge), merges on session_id, then deletes the affected sessions that have no rows any more and
// rewrites the state. Cost follows new data: the changed days' partitions of silver.session_items (plus a
// group-by over ingest_on, processed_at), the fact rows of the sessions involved, and the dimensions.

const dates = require("./dates");
const state = require("./incremental_state");

const ITEM_COLUMNS = ["session_id", "item_number", "user_id", "session_started_at", "track_id", "artist_id", "price", "currency", "liked", "liked_since", "ingest_on"];

const FACT_COLUMNS = [
  "session_item_key", "session_id", "item_number", "user_key", "user_id", "song_key", "track_id", "artist_key", "artist_id",
  "date_key", "session_started_at", "price", "currency", "liked", "liked_since", "ingest_on", "silver_processed_at",
];

const SCRATCH = { affected: "fct_session_items__affected", batch: "fct_session_items__batch" };

function list(columns, alias) {
  return columns.map((c) => (alias ? `${alias}.${c}` : c)).join(",\n    ");
}

function silverDays(silverItems) {
  return `select ingest_on, max(processed_at) as processed_at
    from ${silverItems}
   group by ingest_on`;
}

/** The latest delivery (ingest day) of each session among `relation`'s items. */
function latestDelivery(relation) {
  return `select
    ${list(ITEM_COLUMNS)}
  from (
    select
      ${list(ITEM_COLUMNS)},
      dense_rank() over (partition by session_id order by ingest_on desc) as delivery_rank
    from ${relation}
  ) as deliveries
  where delivery_rank = 1`;
}

/** The fact's rows of `items` (ITEM_COLUMNS), keyed to the dimensions. */
function keyed(items, dims) {
  return `select
    md5(items.session_id || '|' || cast(items.item_number as varchar)) as session_item_key,
    items.session_id,
    items.item_number,
    user_versions.user_key,
    items.user_id,
    songs.song_key,
    items.track_id,
    artists.artist_key,
    coalesce(songs.artist_id, items.artist_id) as artist_id,
    ${dates.dateKey("items.session_started_at")} as date_key,
    items.session_started_at,
    items.price,
    items.currency,
    items.liked,
    items.liked_since,
    items.ingest_on,
    silver_days.processed_at as silver_processed_at
  from ${items} as items
  left join ${dims.songs} as songs
    on songs.track_id = items.track_id
  left join ${dims.artists} as artists
    on artists.artist_id = coalesce(songs.artist_id, items.artist_id)
  left join ${dims.users} as user_versions
    on user_versions.user_id = items.user_id
   and items.session_started_at >= user_versions.valid_from
   and items.session_started_at < user_versions.valid_to
  left join silver_days
    on silver_days.ingest_on = items.ingest_on`;
}

/** The state the fact keeps (relations of incremental_state's fct_session_items__seen_* tables). */
function changedDaysCte(seenDays) {
  return `changed_days as (

  select ingest_on from (
  ${state.changes("silver_days", seenDays, ["ingest_on", "processed_at"])}
  ) as days

)`;
}

function changeCtes({ dimSongs, dimArtists, dimUsers, seen }) {
  return [
    changedDaysCte(seen.days),
    `changed_tracks as (

  select distinct track_id from (
  ${state.changes(dimSongs, seen.songs, ["track_id", "artist_id"])}
  ) as tracks

)`,
    `changed_artists as (

  ${state.changes(dimArtists, seen.artists, ["artist_id"])}

)`,
    `changed_users as (

  select distinct user_id from (
  ${state.changes(dimUsers, seen.users, ["user_key", "user_id", "valid_from", "valid_to"])}
  ) as versions

)`,
  ];
}

/** CTEs ending in `affected (session_id, reason)`: the sessions the incremental run recomputes, and how. */
function affectedCtes({ stgItems, fact }) {
  return [
    `candidates as (

  select
    ${list(ITEM_COLUMNS)}
  from ${stgItems}
  where ingest_on in (select ingest_on from changed_days)

)`,
    `candidate_days as (

  select session_id, max(ingest_on) as ingest_on
  from candidates
  group by session_id

)`,
    `held as (

  select session_id, max(ingest_on) as ingest_on
  from ${fact}
  where ingest_on in (select ingest_on from changed_days)
     or session_id in (select session_id from candidate_days)
  group by session_id

)`,
    `rescan_sessions as (

  select held.session_id
  from held
  left join candidate_days
    on candidate_days.session_id = held.session_id
   and candidate_days.ingest_on >= held.ingest_on
  where held.ingest_on in (select ingest_on from changed_days)
    and candidate_days.session_id is null

  union

  select session_id
  from ${fact}
  where track_id in (select track_id from changed_tracks)

)`,
    `day_sessions as (

  select candidate_days.session_id
  from candidate_days
  left join held
    on held.session_id = candidate_days.session_id
  where held.session_id is null or candidate_days.ingest_on >= held.ingest_on

  union

  select session_id
  from held
  where ingest_on in (select ingest_on from changed_days)

)`,
    `rekey_sessions as (

  select session_id
  from ${fact}
  where user_id in (select user_id from changed_users)
     or artist_id in (select artist_id from changed_artists)

)`,
    `affected as (

  select session_id, 'rescan' as reason from rescan_sessions

  union all

  select session_id, 'day' as reason from day_sessions
  where session_id not in (select session_id from rescan_sessions)

  union all

  select session_id, 'rekey' as reason from rekey_sessions
  where session_id not in (select session_id from rescan_sessions)
    and session_id not in (select session_id from day_sessions)
  group by session_id

)`,
  ];
}

/**
 * CTEs ending in `batch`: the new rows of the affected sessions. `affected` is a relation with
 * session_id, reason (the CTE, or the run's scratch table).
 */
function batchCtes({ stgItems, fact, affected, dims }) {
  return [
    `rescanned_items as (

  ${latestDelivery(`(
    select ${list(ITEM_COLUMNS)}
    from ${stgItems}
    where session_id in (select session_id from ${affected} where reason = 'rescan')
  ) as rescanned`)}

)`,
    `day_items as (

  ${latestDelivery(`(
    select ${list(ITEM_COLUMNS)}
    from candidates
    where session_id in (select session_id from ${affected} where reason = 'day')
  ) as delivered`)}

)`,
    `rekeyed_items as (

  select
    ${list(ITEM_COLUMNS)}
  from ${fact}
  where session_id in (select session_id from ${affected} where reason = 'rekey')

)`,
    `fresh_items as (

  select ${list(ITEM_COLUMNS)} from rescanned_items
  union all
  select ${list(ITEM_COLUMNS)} from day_items

)`,
    `fresh_rows as (

  ${keyed("fresh_items", dims)}

)`,
    `rekeyed_rows as (

  ${keyed("rekeyed_items", dims)}

)`,
    // a re-keyed session is merged only when a key changed (a new version after the session leaves its key)
    `rekeyed_sessions as (

  select distinct rekeyed_rows.session_id
  from rekeyed_rows
  inner join ${fact} as held
    on held.session_item_key = rekeyed_rows.session_item_key
  where coalesce(rekeyed_rows.user_key, '') <> coalesce(held.user_key, '')
     or coalesce(rekeyed_rows.artist_key, '') <> coalesce(held.artist_key, '')

)`,
    `batch as (

  select ${list(FACT_COLUMNS)} from fresh_rows
  union all
  select ${list(FACT_COLUMNS)} from rekeyed_rows
  where session_id in (select session_id from rekeyed_sessions)

)`,
  ];
}

function withCtes(ctes, select) {
  return `with ${ctes.join(",\n\n")}\n\n${select}`;
}

function silverDaysCte(silverItems) {
  return `silver_days as (

  ${silverDays(silverItems)}

)`;
}

/**
 * Full mode (fact = null): the fact's query. Incremental mode (fact, seen): the rows the next
 * incremental run merges, computed live (the __pending view). `orderBy`: optional order of the result.
 */
function query({ stgItems, silverItems, dimSongs, dimArtists, dimUsers, fact = null, seen = null, orderBy = null }) {
  const order = orderBy ? `\norder by ${orderBy}` : "";
  const dims = { songs: dimSongs, artists: dimArtists, users: dimUsers };
  if (!fact) {
    return withCtes([silverDaysCte(silverItems), `latest_items as (\n\n  ${latestDelivery(stgItems)}\n\n)`], `${keyed("latest_items", dims)}${order}`);
  }
  const ctes = [
    silverDaysCte(silverItems),
    ...changeCtes({ dimSongs, dimArtists, dimUsers, seen }),
    ...affectedCtes({ stgItems, fact }),
    ...batchCtes({ stgItems, fact, affected: "affected", dims }),
  ];
  return withCtes(ctes, `select\n    ${list(FACT_COLUMNS)}\nfrom batch${order}`);
}

/** The incremental run's steps: pre-operations (materialize), main query, post-operations (clean up, state). */
function incrementalRun({ stgItems, silverItems, dimSongs, dimArtists, dimUsers, fact, seen }) {
  const affected = state.scratch(SCRATCH.affected);
  const batch = state.scratch(SCRATCH.batch);
  const dims = { songs: dimSongs, artists: dimArtists, users: dimUsers };
  const changes = [silverDaysCte(silverItems), ...changeCtes({ dimSongs, dimArtists, dimUsers, seen })];
  return {
    createState: [state.createSchema(), ...Object.entries(seen).map(([kind, relation]) => state.createIfMissing(relation, `fct_session_items__seen_${kind}`))],
    materialize: [
      state.dropScratch(affected),
      state.createScratch(affected, withCtes([...changes, ...affectedCtes({ stgItems, fact })], "select session_id, reason from affected")),
      state.dropScratch(batch),
      state.createScratch(batch, withCtes(
        [...changes, ...affectedCtes({ stgItems, fact }).slice(0, 1), ...batchCtes({ stgItems, fact, affected, dims })],
        `select\n    ${list(FACT_COLUMNS)}\nfrom batch`,
      )),
    ],
    select: `select\n    ${list(FACT_COLUMNS)}\nfrom ${batch}`,
    // after the merge: recomputed sessions without new rows are delivered by no ingest day any more
    deleteVanished: `delete from ${fact}
 where session_id in (select session_id from ${affected} where reason <> 'rekey')
   and session_id not in (select session_id from ${batch})`,
  };
}

/**
 * Post-operations (create, clear, fill) of the rules' scope (incremental_state.RULE_SCOPES): the sessions
 * merged and the days read by this run, or everything after a full refresh. Run before saveState (the
 * changed days are those that differ from the state saved by the previous run).
 */
function saveScope({ silverItems, seen, scope, incremental }) {
  const name = "fct_session_items__scope";
  const rows = incremental
    ? state.scopeOf({
      keys: `select distinct session_id as scope_key from ${state.scratch(SCRATCH.batch)}`,
      days: withCtes([silverDaysCte(silverItems), changedDaysCte(seen.days)], "select ingest_on from changed_days"),
    })
    : state.scopeAll();
  return [state.createIfMissing(scope, name), state.clear(scope), state.fill(scope, name, rows)];
}

/** Post-operations of both modes: the state of the inputs the fact now reflects. */
function saveState({ silverItems, dimSongs, dimArtists, dimUsers, seen }) {
  const current = {
    days: silverDays(silverItems),
    songs: `select track_id, artist_id from ${dimSongs}`,
    artists: `select artist_id from ${dimArtists}`,
    users: `select user_key, user_id, valid_from, valid_to from ${dimUsers}`,
  };
  return Object.entries(seen).flatMap(([kind, relation]) => [
    state.clear(relation),
    state.fill(relation, `fct_session_items__seen_${kind}`, current[kind]),
  ]);
}

/** The seen_* relations of the fact's state: `ref` is the sqlx context's ref. */
function seenRefs(ref) {
  return Object.fromEntries(["days", "songs", "artists", "users"].map((kind) => [kind, ref(state.target(`fct_session_items__seen_${kind}`))]));
}

module.exports = { query, incrementalRun, saveScope, saveState, seenRefs, FACT_COLUMNS };
