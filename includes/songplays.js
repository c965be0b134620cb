// The queries of sparkify.songplays and of the view int_sparkify__songplays (every play with its match).
//
// Full mode: every NextSong event of stg_sparkify__events with the song whose title and artist name equal
// the event's (trimmed, case-insensitive; the closest duration wins, then the lowest song_id), and of each
// event (songplay_id) its latest copy: latest ingest_on, then source_file, then line_number.
//
// Incremental mode: songplays equals the full query on the current inputs, recomputing only the plays
// whose row can differ. What changed since the last run comes from the state songplays keeps
// (includes/incremental_state.js), compared both ways with the current inputs:
//   changed days  silver log days added, re-landed (newer processed_at) or gone;
//   changed keys  (title, artist name) match keys of songs added, changed (duration, ids) or removed.
// A play is recomputed when
//   (day)    a changed day now holds a copy at or after the day songplays holds it from, or songplays
//            holds it from a changed day: its row is the latest copy among the changed days' rows;
//   (rescan) songplays held it from a changed day that no longer has it (and no later changed day does),
//            or a copy of it has a changed match key (a late song, a song gone from a later snapshot):
//            every copy is read again from silver (those scans run only when there is such a play).
// The run materializes the affected plays and their new rows (scratch tables in gold_internal), merges on
// songplay_id, deletes the affected plays without a row any more, and rewrites the state.

const state = require("./incremental_state");

const PLAY_COLUMNS = [
  "event_id", "event_at", "user_id", "level", "session_id", "location", "user_agent", "song_title_key", "artist_name_key", "song_length",
  "ingest_on", "source_file", "line_number",
];

const MATCHED_COLUMNS = [
  "songplay_id", "start_time", "user_id", "level", "song_id", "artist_id", "session_id", "location", "user_agent", "ingest_on", "source_file", "line_number",
];

const SONGPLAY_COLUMNS = ["songplay_id", "start_time", "user_id", "level", "song_id", "artist_id", "session_id", "location", "user_agent", "ingest_on"];

const SONG_STATE_COLUMNS = ["song_id", "artist_id", "duration", "title_key", "artist_name_key"];

const SCRATCH = { affected: "songplays__affected", batch: "songplays__batch" };

function list(columns, alias) {
  return columns.map((c) => (alias ? `${alias}.${c}` : c)).join(",\n    ");
}

/** NextSong rows of the events relation, optionally filtered (`where`: a condition on its columns). */
function plays(events, where = null) {
  return `select
    ${list(PLAY_COLUMNS)}
  from ${events}
  where page = 'NextSong'${where ? `\n    and ${where}` : ""}`;
}

/** The songs a play can match (the match inputs; also the state songplays keeps). */
function matchableSongs(songs) {
  return `select
    ${list(SONG_STATE_COLUMNS)}
  from ${songs}
  where title_key is not null
    and artist_name_key is not null`;
}

/** Each row of `playsRelation` with its best song match (MATCHED_COLUMNS). */
function matched(playsRelation, songs) {
  return `select
    ${list(MATCHED_COLUMNS)}
  from (
    select
      plays.event_id as songplay_id,
      plays.event_at as start_time,
      plays.user_id,
      plays.level,
      songs.song_id,
      songs.artist_id,
      plays.session_id,
      plays.location,
      plays.user_agent,
      plays.ingest_on,
      plays.source_file,
      plays.line_number,
      row_number() over (
        partition by plays.ingest_on, plays.source_file, plays.line_number
        order by
          case when songs.duration is null or plays.song_length is null then 1 else 0 end,
          abs(songs.duration - plays.song_length),
          songs.song_id
      ) as candidate_rank
    from ${playsRelation} as plays
    left join (
      ${matchableSongs(songs)}
    ) as songs
      on songs.title_key = plays.song_title_key
     and songs.artist_name_key = plays.artist_name_key
  ) as candidates
  where candidate_rank = 1`;
}

/** Of each play (songplay_id) among `matchedRelation`, its latest copy (SONGPLAY_COLUMNS). */
function latestCopy(matchedRelation) {
  return `select
    ${list(SONGPLAY_COLUMNS)}
  from (
    select
      ${list(SONGPLAY_COLUMNS)},
      row_number() over (partition by songplay_id order by ingest_on desc, source_file desc, line_number desc) as copy_rank
    from ${matchedRelation}
  ) as copies
  where copy_rank = 1`;
}

function withCtes(ctes, select) {
  return `with ${ctes.join(",\n\n")}\n\n${select}`;
}

function silverDays(silverEvents) {
  return `select ingest_on, max(processed_at) as processed_at
    from ${silverEvents}
   group by ingest_on`;
}

function daysCtes(silverEvents, seenDays) {
  return [
    `silver_days as (

  ${silverDays(silverEvents)}

)`,
    `changed_days as (

  select ingest_on from (
  ${state.changes("silver_days", seenDays, ["ingest_on", "processed_at"])}
  ) as days

)`,
  ];
}

function changeCtes({ silverEvents, songs, seen }) {
  return [
    ...daysCtes(silverEvents, seen.days),
    `changed_keys as (

  select distinct title_key, artist_name_key from (
  ${state.changes(`(${matchableSongs(songs)}) as current_songs`, seen.songs, SONG_STATE_COLUMNS)}
  ) as songs

)`,
  ];
}

function affectedCtes({ events, fact }) {
  return [
    `candidates as (

  ${plays(events, "ingest_on in (select ingest_on from changed_days)")}

)`,
    `candidate_days as (

  select event_id, max(ingest_on) as ingest_on
  from candidates
  group by event_id

)`,
    `held as (

  select songplay_id, ingest_on
  from ${fact}
  where ingest_on in (select ingest_on from changed_days)
     or songplay_id in (select event_id from candidate_days)

)`,
    `rescan_plays as (

  select held.songplay_id
  from held
  left join candidate_days
    on candidate_days.event_id = held.songplay_id
   and candidate_days.ingest_on >= held.ingest_on
  where held.ingest_on in (select ingest_on from changed_days)
    and candidate_days.event_id is null

  union

  select all_plays.event_id as songplay_id
  from (${plays(events, "exists (select 1 from changed_keys)")}) as all_plays
  inner join changed_keys
    on changed_keys.title_key = all_plays.song_title_key
   and changed_keys.artist_name_key = all_plays.artist_name_key

)`,
    `day_plays as (

  select candidate_days.event_id as songplay_id
  from candidate_days
  left join held
    on held.songplay_id = candidate_days.event_id
  where held.songplay_id is null or candidate_days.ingest_on >= held.ingest_on

  union

  select songplay_id
  from held
  where ingest_on in (select ingest_on from changed_days)

)`,
    `affected as (

  select songplay_id, 'rescan' as reason from rescan_plays

  union all

  select songplay_id, 'day' as reason from day_plays
  where songplay_id not in (select songplay_id from rescan_plays)

)`,
  ];
}

function batchCtes({ events, songs, affected }) {
  return [
    `rescanned as (

  ${matched(`(${plays(events, `exists (select 1 from ${affected} where reason = 'rescan')
    and event_id in (select songplay_id from ${affected} where reason = 'rescan')`)})`, songs)}

)`,
    `delivered as (

  ${matched(`(
    select ${list(PLAY_COLUMNS)}
    from candidates
    where event_id in (select songplay_id from ${affected} where reason = 'day')
  )`, songs)}

)`,
    `batch as (

  ${latestCopy(`(
    select ${list(MATCHED_COLUMNS)} from rescanned
    union all
    select ${list(MATCHED_COLUMNS)} from delivered
  ) as matched_copies`)}

)`,
  ];
}

/** The view int_sparkify__songplays: every NextSong row with its match. */
function matchedView({ events, songs }) {
  return matched(`(${plays(events)})`, songs);
}

/** Full mode (fact = null): songplays' query; incremental (fact, seen): the rows the next run merges. */
function query({ events, songs, silverEvents, fact = null, seen = null, orderBy = null }) {
  const order = orderBy ? `\norder by ${orderBy}` : "";
  if (!fact) return `${latestCopy(`(${matched(`(${plays(events)})`, songs)}) as matched_plays`)}${order}`;
  return withCtes(
    [...changeCtes({ silverEvents, songs, seen }), ...affectedCtes({ events, fact }), ...batchCtes({ events, songs, affected: "affected" })],
    `select\n    ${list(SONGPLAY_COLUMNS)}\nfrom batch${order}`,
  );
}

/** The incremental run's steps (see includes/session_items.js for the same shape). */
function incrementalRun({ events, songs, silverEvents, fact, seen }) {
  const affected = state.scratch(SCRATCH.affected);
  const batch = state.scratch(SCRATCH.batch);
  const changes = changeCtes({ silverEvents, songs, seen });
  const affecting = affectedCtes({ events, fact });
  return {
    createState: [state.createSchema(), ...Object.entries(seen).map(([kind, relation]) => state.createIfMissing(relation, `songplays__seen_${kind}`))],
    materialize: [
      state.dropScratch(affected),
      state.createScratch(affected, withCtes([...changes, ...affecting], "select songplay_id, reason from affected")),
      state.dropScratch(batch),
      state.createScratch(batch, withCtes([...changes, affecting[0], ...batchCtes({ events, songs, affected })], `select\n    ${list(SONGPLAY_COLUMNS)}\nfrom batch`)),
    ],
    select: `select\n    ${list(SONGPLAY_COLUMNS)}\nfrom ${batch}`,
    deleteVanished: `delete from ${fact}
 where songplay_id in (select songplay_id from ${affected})
   and songplay_id not in (select songplay_id from ${batch})`,
  };
}

/** Post-operations (create, clear, fill) of the rules' scope: see session_items.saveScope. */
function saveScope({ silverEvents, seen, scope, incremental }) {
  const name = "songplays__scope";
  const rows = incremental
    ? state.scopeOf({
      keys: `select distinct songplay_id as scope_key from ${state.scratch(SCRATCH.batch)}`,
      days: withCtes(daysCtes(silverEvents, seen.days), "select ingest_on from changed_days"),
    })
    : state.scopeAll();
  return [state.createIfMissing(scope, name), state.clear(scope), state.fill(scope, name, rows)];
}

/** Post-operations of both modes: the state of the inputs songplays now reflects. */
function saveState({ songs, silverEvents, seen }) {
  const current = { days: silverDays(silverEvents), songs: matchableSongs(songs) };
  return Object.entries(seen).flatMap(([kind, relation]) => [
    state.clear(relation),
    state.fill(relation, `songplays__seen_${kind}`, current[kind]),
  ]);
}

function seenRefs(ref) {
  return Object.fromEntries(["days", "songs"].map((kind) => [kind, ref(state.target(`songplays__seen_${kind}`))]));
}

module.exports = { query, matchedView, incrementalRun, saveScope, saveState, seenRefs, SONGPLAY_COLUMNS };
