-- sparkify.free_vs_paid_plays: definitions/sparkify/reporting/free_vs_paid_plays.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with by_level as (

  select
    level,
    count(*) as plays,
    count(distinct user_id) as listeners
  from sparkify.songplays
  group by level

),

shares as (

  select
    level,
    plays,
    listeners,
    cast(plays as double precision) / sum(plays) over () as share_of_plays
  from by_level

)

select
  level,
  plays,
  listeners,
  share_of_plays
from shares
