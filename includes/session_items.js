// The query of fct_session_items, shared by the incremental fact and by fct_session_items__pending (the
// rows the next incremental run would merge: a view, so that the incremental path has a unit test;
// Dataform 2.6.7 cannot unit-test incremental tables).
//
// Full mode (fact = null): every session item, the latest delivery of each session.
// Incremental mode (fact = the fact table):
//   changed days   ingest days whose newest silver processed_at is newer than what the fact holds for
//                  that day, or that the fact does not hold at all (a new day, or a re-landed one);
//   new items      staged items of the changed days only, the latest delivery of each session among
//                  them, minus sessions the fact already holds from a later, unchanged delivery day;
//   re-keyed items fact rows of users whose history changed since the last run (silver users rows
//                  processed after the fact's newest watermark), from the day of the change on (all
//                  of them when the user's first day changed), with user_key looked up again, so that
//                  a late user correction gives the same keys as a full refresh.
// The fact merges on session_id (a session's items are replaced together) after its pre-operation
// deleted the rows of the changed days (deleteChangedDays), so items a re-landed day no longer has go.
// Cost follows new data: only the changed days' partitions of silver.session_items are read (plus a
// group-by over ingest_on, processed_at); fact rows are read for later deliveries and touched users.
//
// Known limits (a full refresh, `dataform run --full-refresh`, always gives the exact answer):
// - a re-landed day that no longer holds a session which an earlier, unchanged day also delivered drops
//   that session until a full refresh (the earlier copy is not looked up again: that would scan silver);
// - a user whose rows disappear from a re-landed day (rather than change) is not re-keyed.

const dates = require("./dates");

const ITEM_COLUMNS = ["session_id", "item_number", "user_id", "session_started_at", "track_id", "artist_id", "price", "currency", "liked", "liked_since", "ingest_on"];

const FACT_COLUMNS = [
  "session_item_key", "session_id", "item_number", "user_key", "user_id", "song_key", "track_id", "artist_key", "artist_id",
  "date_key", "session_started_at", "price", "currency", "liked", "liked_since", "ingest_on", "silver_processed_at",
];

function list(columns, alias) {
  return columns.map((c) => (alias ? `${alias}.${c}` : c)).join(",\n    ");
}

function silverDays(silverItems) {
  return `select ingest_on, max(processed_at) as processed_at
    from ${silverItems}
   group by ingest_on`;
}

/** `silverDays`: a relation with ingest_on, processed_at per silver day (a CTE name, or a subquery). */
function changedDays(silverDaysRelation, fact) {
  return `select silver_days.ingest_on
    from ${silverDaysRelation}
    left join (
      select ingest_on, max(silver_processed_at) as processed_at
        from ${fact}
       group by ingest_on
    ) as fact_days
      on fact_days.ingest_on = silver_days.ingest_on
   where fact_days.ingest_on is null or silver_days.processed_at > fact_days.processed_at`;
}

/** Pre-operation of the incremental run: the rows of the changed days go (their new version is merged next). */
function deleteChangedDays({ fact, silverItems }) {
  return `delete from ${fact}
 where ingest_on in (
   ${changedDays(`(${silverDays(silverItems)}) as silver_days`, fact)}
 )`;
}

function userVersionJoin(dimUsers, alias) {
  return `left join ${dimUsers} as user_versions
    on user_versions.user_id = ${alias}.user_id
   and ${alias}.session_started_at >= user_versions.valid_from
   and ${alias}.session_started_at < user_versions.valid_to`;
}

/** `orderBy`: optional order of the result (the __pending view orders its rows; the fact never sorts). */
function query({ stgItems, stgUsers, silverItems, dimSongs, dimArtists, dimUsers, fact = null, orderBy = null }) {
  const order = orderBy ? `\norder by ${orderBy}` : "";
  const incremental = Boolean(fact);
  const ctes = [];
  ctes.push(`silver_days as (

  ${silverDays(silverItems)}

)`);
  if (incremental) {
    ctes.push(`changed_days as (

  ${changedDays("silver_days", fact)}

)`);
  }
  ctes.push(`candidates as (

  select
    ${list(ITEM_COLUMNS)}
  from ${stgItems}${incremental ? "\n  where ingest_on in (select ingest_on from changed_days)" : ""}

)`);
  ctes.push(`latest_deliveries as (

  select
    ${list(ITEM_COLUMNS)},
    dense_rank() over (partition by session_id order by ingest_on desc) as delivery_rank
  from candidates

)`);
  if (incremental) {
    ctes.push(`later_deliveries_held as (

  select
    session_id,
    max(ingest_on) as ingest_on
  from ${fact}
  where ingest_on > (select min(ingest_on) from changed_days)
    and ingest_on not in (select ingest_on from changed_days)
  group by session_id

)`);
  }
  ctes.push(`new_items as (

  select
    ${list(ITEM_COLUMNS, "latest_deliveries")}
  from latest_deliveries${incremental ? `
  left join later_deliveries_held
    on later_deliveries_held.session_id = latest_deliveries.session_id
   and later_deliveries_held.ingest_on > latest_deliveries.ingest_on` : ""}
  where latest_deliveries.delivery_rank = 1${incremental ? "\n    and later_deliveries_held.session_id is null" : ""}

)`);
  ctes.push(`new_rows as (

  select
    md5(new_items.session_id || '|' || cast(new_items.item_number as varchar)) as session_item_key,
    new_items.session_id,
    new_items.item_number,
    user_versions.user_key,
    new_items.user_id,
    songs.song_key,
    new_items.track_id,
    artists.artist_key,
    coalesce(songs.artist_id, new_items.artist_id) as artist_id,
    ${dates.dateKey("new_items.session_started_at")} as date_key,
    new_items.session_started_at,
    new_items.price,
    new_items.currency,
    new_items.liked,
    new_items.liked_since,
    new_items.ingest_on,
    silver_days.processed_at as silver_processed_at
  from new_items
  left join ${dimSongs} as songs
    on songs.track_id = new_items.track_id
  left join ${dimArtists} as artists
    on artists.artist_id = coalesce(songs.artist_id, new_items.artist_id)
  ${userVersionJoin(dimUsers, "new_items")}
  left join silver_days
    on silver_days.ingest_on = new_items.ingest_on

)`);
  if (!incremental) {
    return `with ${ctes.join(",\n\n")}\n\nselect\n    ${list(FACT_COLUMNS)}\nfrom new_rows${order}`;
  }
  ctes.push(`watermark as (

  select max(silver_processed_at) as processed_at
  from ${fact}

)`);
  ctes.push(`changed_users as (

  select
    user_id,
    min(ingest_on) as changed_from
  from ${stgUsers}
  where processed_at > (select processed_at from watermark)
  group by user_id

)`);
  ctes.push(`touched_users as (

  select
    changed_users.user_id,
    case
      when changed_users.changed_from <= min(user_days.ingest_on) then null
      else cast(changed_users.changed_from as timestamp)
    end as rekey_from
  from changed_users
  inner join ${stgUsers} as user_days
    on user_days.user_id = changed_users.user_id
  group by changed_users.user_id, changed_users.changed_from

)`);
  ctes.push(`rekeyed_rows as (

  select
    held.session_item_key,
    held.session_id,
    held.item_number,
    user_versions.user_key,
    held.user_id,
    held.song_key,
    held.track_id,
    held.artist_key,
    held.artist_id,
    held.date_key,
    held.session_started_at,
    held.price,
    held.currency,
    held.liked,
    held.liked_since,
    held.ingest_on,
    held.silver_processed_at
  from ${fact} as held
  inner join touched_users
    on touched_users.user_id = held.user_id
  ${userVersionJoin(dimUsers, "held")}
  where (touched_users.rekey_from is null or held.session_started_at >= touched_users.rekey_from)
    and held.ingest_on not in (select ingest_on from changed_days)
    and held.session_id not in (select session_id from new_items)

)`);
  ctes.push(`merged as (

  select
    ${list(FACT_COLUMNS)}
  from new_rows

  union all

  select
    ${list(FACT_COLUMNS)}
  from rekeyed_rows

)`);
  return `with ${ctes.join(",\n\n")}\n\nselect\n    ${list(FACT_COLUMNS)}\nfrom merged${order}`;
}

module.exports = { query, deleteChangedDays, FACT_COLUMNS };
