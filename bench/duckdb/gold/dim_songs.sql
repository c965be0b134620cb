-- gold.dim_songs: definitions/marts/dim_songs.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with songs as (

  select
    track_id,
    song_id,
    song_title,
    release_name,
    artist_id,
    duration_seconds,
    release_year
  from gold.stg_catalog__songs

),

keyed as (

  select
    md5(track_id) as song_key,
    track_id,
    song_id,
    song_title,
    release_name,
    md5(artist_id) as artist_key,
    artist_id,
    duration_seconds,
    release_year
  from songs

)

select
  song_key,
  track_id,
  song_id,
  song_title,
  release_name,
  artist_key,
  artist_id,
  duration_seconds,
  release_year
from keyed
