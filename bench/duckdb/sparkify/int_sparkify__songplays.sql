-- sparkify.int_sparkify__songplays: definitions/sparkify/int_sparkify__songplays.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with plays as (

  select
    event_id,
    event_at,
    user_id,
    level,
    session_id,
    location,
    user_agent,
    song_title_key,
    artist_name_key,
    song_length,
    ingest_on,
    source_file,
    line_number
  from sparkify.stg_sparkify__events
  where page = 'NextSong'

),

songs as (

  select
    song_id,
    artist_id,
    duration,
    title_key,
    artist_name_key
  from sparkify.stg_sparkify__songs
  where title_key is not null
    and artist_name_key is not null

),

candidates as (

  select
    plays.event_id,
    plays.event_at,
    plays.user_id,
    plays.level,
    plays.session_id,
    plays.location,
    plays.user_agent,
    plays.ingest_on,
    plays.source_file,
    plays.line_number,
    songs.song_id,
    songs.artist_id,
    row_number() over (
      partition by plays.ingest_on, plays.source_file, plays.line_number
      order by
        case when songs.duration is null or plays.song_length is null then 1 else 0 end,
        abs(songs.duration - plays.song_length),
        songs.song_id
    ) as candidate_rank
  from plays
  left join songs
    on songs.title_key = plays.song_title_key
    and songs.artist_name_key = plays.artist_name_key

),

best_match as (

  select
    event_id as songplay_id,
    event_at as start_time,
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
  from candidates
  where candidate_rank = 1

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
  ingest_on,
  source_file,
  line_number
from best_match
