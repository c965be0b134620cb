-- gold.fct_session_items: definitions/marts/fct_session_items.sqlx in DuckDB, the full build of includes/session_items.js
-- query() (fact = null: every session item, the latest delivery of each session). Verbatim but the date key:
-- to_char(…, 'YYYYMMDD') becomes strftime(…, '%Y%m%d').

with silver_days as (

  select ingest_on, max(processed_at) as processed_at
    from silver.session_items
   group by ingest_on

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
  where latest_deliveries.delivery_rank = 1

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
from new_rows
