-- sparkify.songs: definitions/sparkify/songs.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with songs as (

  select
    song_id,
    title,
    artist_id,
    year,
    duration
  from sparkify.stg_sparkify__songs

)

select
  song_id,
  title,
  artist_id,
  year,
  duration
from songs
