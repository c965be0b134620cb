-- sparkify.plays_per_hour: definitions/sparkify/reporting/plays_per_hour.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with hourly as (

  select
    time.hour,
    count(*) as plays,
    count(distinct songplays.user_id) as listeners
  from sparkify.songplays as songplays
  inner join sparkify.time as time
    on time.start_time = songplays.start_time
  group by time.hour

),

shares as (

  select
    hour,
    plays,
    listeners,
    cast(plays as double precision) / sum(plays) over () as share_of_plays
  from hourly

)

select
  hour,
  plays,
  listeners,
  share_of_plays
from shares
