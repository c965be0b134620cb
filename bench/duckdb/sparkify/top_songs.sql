-- sparkify.top_songs: definitions/sparkify/reporting/top_songs.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with song_plays as (

  select
    song_id,
    count(*) as plays,
    count(distinct user_id) as listeners
  from sparkify.songplays
  where song_id is not null
  group by song_id

),

ranked as (

  select
    dense_rank() over (order by song_plays.plays desc) as play_rank,
    song_plays.song_id,
    songs.title,
    songs.artist_id,
    artists.name as artist_name,
    song_plays.plays,
    song_plays.listeners
  from song_plays
  left join sparkify.songs as songs
    on songs.song_id = song_plays.song_id
  left join sparkify.artists as artists
    on artists.artist_id = songs.artist_id

)

select
  play_rank,
  song_id,
  title,
  artist_id,
  artist_name,
  plays,
  listeners
from ranked
