-- sparkify.stg_sparkify__songs: definitions/sparkify/stg_sparkify__songs.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.
-- lower() here lowers every letter, as Redshift's does; the local PostgreSQL (locale C) lowers only ASCII letters.

with source as (

  select
    track_id,
    song_id,
    title,
    duration,
    year,
    artist_id,
    artist_name,
    artist_location,
    artist_latitude,
    artist_longitude,
    ingest_on
  from silver.sparkify_songs

),

ranked as (

  select
    song_id,
    track_id,
    nullif(trim(title), '') as title,
    artist_id,
    nullif(trim(artist_name), '') as artist_name,
    nullif(trim(artist_location), '') as artist_location,
    artist_latitude,
    artist_longitude,
    duration,
    nullif(year, 0) as year,
    ingest_on,
    row_number() over (partition by song_id order by ingest_on desc, track_id) as copy_rank
  from source

)

select
  song_id,
  track_id,
  title,
  artist_id,
  artist_name,
  artist_location,
  artist_latitude,
  artist_longitude,
  duration,
  year,
  lower(title) as title_key,
  lower(artist_name) as artist_name_key,
  ingest_on
from ranked
where copy_rank = 1
