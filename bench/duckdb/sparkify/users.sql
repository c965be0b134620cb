-- sparkify.users: definitions/sparkify/users.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with user_events as (

  select
    user_id,
    first_name,
    last_name,
    gender,
    level,
    ts,
    session_id,
    item_in_session,
    ingest_on,
    line_number
  from sparkify.stg_sparkify__events
  where user_id is not null

),

latest_event as (

  select
    user_id,
    first_name,
    last_name,
    gender,
    level,
    row_number() over (
      partition by user_id
      order by ts desc, session_id desc, item_in_session desc, ingest_on desc, line_number desc
    ) as recency_rank
  from user_events

)

select
  user_id,
  first_name,
  last_name,
  gender,
  level
from latest_event
where recency_rank = 1
