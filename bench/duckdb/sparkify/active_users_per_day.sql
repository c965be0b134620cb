-- sparkify.active_users_per_day: definitions/sparkify/reporting/active_users_per_day.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with daily_plays as (

  select
    cast(start_time as date) as activity_date,
    user_id,
    level
  from sparkify.songplays

),

daily as (

  select
    activity_date,
    count(distinct user_id) as active_users,
    count(distinct case when level = 'paid' then user_id end) as paid_users,
    count(*) as plays
  from daily_plays
  group by activity_date

)

select
  activity_date,
  active_users,
  paid_users,
  plays
from daily
