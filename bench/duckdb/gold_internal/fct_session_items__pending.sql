-- gold_internal.fct_session_items__pending: definitions/marts/fct_session_items__pending.sqlx in DuckDB, the
-- incremental mode of includes/session_items.js query() against gold.fct_session_items (what the next incremental
-- run would merge: changed ingest days and re-keyed rows of users whose history changed). Verbatim but the date
-- key: to_char(…, 'YYYYMMDD') becomes strftime(…, '%Y%m%d').

with silver_days as (

  select ingest_on, max(processed_at) as processed_at
    from silver.session_items
   group by ingest_on

),

changed_days as (

  select silver_days.ingest_on
    from silver_days
    left join (
      select ingest_on, max(silver_processed_at) as processed_at
        from gold.fct_session_items
       group by ingest_on
    ) as fact_days
      on fact_days.ingest_on = silver_days.ingest_on
   where fact_days.ingest_on is null or silver_days.processed_at > fact_days.processed_at

),

candidates as (

  select
    session_id,
    item_number,
    user_id,
    session_started_at,
    track_id,
    artist_id,
    price,
    currency,
    liked,
    liked_since,
    ingest_on
  from gold.stg_api__session_items
  where ingest_on in (select ingest_on from changed_days)

),

latest_deliveries as (

  select
    session_id,
    item_number,
    user_id,
    session_started_at,
    track_id,
    artist_id,
    price,
    currency,
    liked,
    liked_since,
    ingest_on,
    dense_rank() over (partition by session_id order by ingest_on desc) as delivery_rank
  from candidates

),

later_deliveries_held as (

  select
    session_id,
    max(ingest_on) as ingest_on
  from gold.fct_session_items
  where ingest_on > (select min(ingest_on) from changed_days)
    and ingest_on not in (select ingest_on from changed_days)
  group by session_id

),

new_items as (

  select
    latest_deliveries.session_id,
    latest_deliveries.item_number,
    latest_deliveries.user_id,
    latest_deliveries.session_started_at,
    latest_deliveries.track_id,
    latest_deliveries.artist_id,
    latest_deliveries.price,
    latest_deliveries.currency,
    latest_deliveries.liked,
    latest_deliveries.liked_since,
    latest_deliveries.ingest_on
  from latest_deliveries
  left join later_deliveries_held
    on later_deliveries_held.session_id = latest_deliveries.session_id
   and later_deliveries_held.ingest_on > latest_deliveries.ingest_on
  where latest_deliveries.delivery_rank = 1
    and later_deliveries_held.session_id is null

),

new_rows as (

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
    cast(strftime(new_items.session_started_at, '%Y%m%d') as integer) as date_key,
    new_items.session_started_at,
    new_items.price,
    new_items.currency,
    new_items.liked,
    new_items.liked_since,
    new_items.ingest_on,
    silver_days.processed_at as silver_processed_at
  from new_items
  left join gold.dim_songs as songs
    on songs.track_id = new_items.track_id
  left join gold.dim_artists as artists
    on artists.artist_id = coalesce(songs.artist_id, new_items.artist_id)
  left join gold.dim_users as user_versions
    on user_versions.user_id = new_items.user_id
   and new_items.session_started_at >= user_versions.valid_from
   and new_items.session_started_at < user_versions.valid_to
  left join silver_days
    on silver_days.ingest_on = new_items.ingest_on

),

watermark as (

  select max(silver_processed_at) as processed_at
  from gold.fct_session_items

),

changed_users as (

  select
    user_id,
    min(ingest_on) as changed_from
  from gold.stg_api__users
  where processed_at > (select processed_at from watermark)
  group by user_id

),

touched_users as (

  select
    changed_users.user_id,
    case
      when changed_users.changed_from <= min(user_days.ingest_on) then null
      else cast(changed_users.changed_from as timestamp)
    end as rekey_from
  from changed_users
  inner join gold.stg_api__users as user_days
    on user_days.user_id = changed_users.user_id
  group by changed_users.user_id, changed_users.changed_from

),

rekeyed_rows as (

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
  from gold.fct_session_items as held
  inner join touched_users
    on touched_users.user_id = held.user_id
  left join gold.dim_users as user_versions
    on user_versions.user_id = held.user_id
   and held.session_started_at >= user_versions.valid_from
   and held.session_started_at < user_versions.valid_to
  where (touched_users.rekey_from is null or held.session_started_at >= touched_users.rekey_from)
    and held.ingest_on not in (select ingest_on from changed_days)
    and held.session_id not in (select session_id from new_items)

),

merged as (

  select
    session_item_key,
    session_id,
    item_number,
    user_key,
    user_id,
    song_key,
    track_id,
    artist_key,
    artist_id,
    date_key,
    session_started_at,
    price,
    currency,
    liked,
    liked_since,
    ingest_on,
    silver_processed_at
  from new_rows

  union all

  select
    session_item_key,
    session_id,
    item_number,
    user_key,
    user_id,
    song_key,
    track_id,
    artist_key,
    artist_id,
    date_key,
    session_started_at,
    price,
    currency,
    liked,
    liked_since,
    ingest_on,
    silver_processed_at
  from rekeyed_rows

)

select
    session_item_key,
    session_id,
    item_number,
    user_key,
    user_id,
    song_key,
    track_id,
    artist_key,
    artist_id,
    date_key,
    session_started_at,
    price,
    currency,
    liked,
    liked_since,
    ingest_on,
    silver_processed_at
from merged
order by session_id, item_number
