-- gold.stg_api__sessions: definitions/staging/stg_api__sessions.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with received as (

  select
    session_id,
    user_id,
    session_start_time,
    user_agent,
    item_count,
    ingest_on,
    processed_at,
    row_number() over (
      partition by session_id, ingest_on
      order by source_file desc, processed_at desc
    ) as copy_rank
  from silver.sessions

),

one_copy_per_day as (

  select
    cast(session_id as varchar(36)) as session_id,
    cast(user_id as varchar(36)) as user_id,
    cast(session_start_time as timestamp) as session_started_at,
    cast(user_agent as varchar(1024)) as user_agent,
    cast(item_count as integer) as item_count,
    cast(ingest_on as date) as ingest_on,
    cast(processed_at as timestamp) as processed_at
  from received
  where copy_rank = 1

)

select
  session_id,
  user_id,
  session_started_at,
  user_agent,
  item_count,
  ingest_on,
  processed_at
from one_copy_per_day
