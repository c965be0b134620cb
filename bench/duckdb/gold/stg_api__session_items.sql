-- gold.stg_api__session_items: definitions/staging/stg_api__session_items.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with received as (

  select
    session_id,
    user_id,
    session_start_time,
    item_number,
    song_id,
    song_name,
    artist_id,
    artist_name,
    price,
    currency,
    liked,
    liked_since,
    ingest_on,
    source_file,
    processed_at,
    dense_rank() over (
      partition by session_id, ingest_on
      order by source_file desc
    ) as copy_rank
  from silver.session_items

),

items_of_one_copy as (

  select
    session_id,
    user_id,
    session_start_time,
    item_number,
    song_id,
    song_name,
    artist_id,
    artist_name,
    price,
    currency,
    liked,
    liked_since,
    ingest_on,
    processed_at,
    row_number() over (
      partition by session_id, ingest_on, item_number
      order by processed_at desc
    ) as item_rank
  from received
  where copy_rank = 1

),

typed as (

  select
    cast(session_id as varchar(36)) as session_id,
    cast(item_number as integer) as item_number,
    cast(user_id as varchar(36)) as user_id,
    cast(session_start_time as timestamp) as session_started_at,
    cast(song_id as varchar(18)) as track_id,
    cast(song_name as varchar(1024)) as song_title,
    cast(artist_id as varchar(18)) as artist_id,
    cast(artist_name as varchar(1024)) as artist_name,
    cast(price as numeric(12, 2)) as price,
    cast(currency as varchar(3)) as currency,
    cast(liked as boolean) as liked,
    cast(liked_since as timestamp) as liked_since,
    cast(ingest_on as date) as ingest_on,
    cast(processed_at as timestamp) as processed_at
  from items_of_one_copy
  where item_rank = 1

)

select
  session_id,
  item_number,
  user_id,
  session_started_at,
  track_id,
  song_title,
  artist_id,
  artist_name,
  price,
  currency,
  liked,
  liked_since,
  ingest_on,
  processed_at
from typed
