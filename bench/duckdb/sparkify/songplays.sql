-- sparkify.songplays: definitions/sparkify/songplays.sqlx in DuckDB, as a full build (the incremental
-- filter on ingest_on applies only when the table exists).

with new_plays as (

  select
    songplay_id,
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    location,
    user_agent,
    ingest_on,
    source_file,
    line_number
  from sparkify.int_sparkify__songplays

),

latest_copy as (

  select
    songplay_id,
    start_time,
    user_id,
    level,
    song_id,
    artist_id,
    session_id,
    location,
    user_agent,
    ingest_on,
    row_number() over (partition by songplay_id order by ingest_on desc, source_file desc, line_number desc) as copy_rank
  from new_plays

)

select
  songplay_id,
  start_time,
  user_id,
  level,
  song_id,
  artist_id,
  session_id,
  location,
  user_agent,
  ingest_on
from latest_copy
where copy_rank = 1
