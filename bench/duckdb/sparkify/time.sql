-- sparkify.time: definitions/sparkify/time.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with play_times as (

  select distinct start_time
  from sparkify.songplays

),

parts as (

  select
    start_time,
    cast(extract(hour from start_time) as integer) as hour,
    cast(extract(day from start_time) as integer) as day,
    cast(extract(week from start_time) as integer) as week,
    cast(extract(month from start_time) as integer) as month,
    cast(extract(year from start_time) as integer) as year,
    cast(extract(dow from start_time) as integer) as weekday
  from play_times

)

select
  start_time,
  hour,
  day,
  week,
  month,
  year,
  weekday
from parts
