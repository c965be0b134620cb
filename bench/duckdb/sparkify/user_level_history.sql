-- sparkify.user_level_history: definitions/sparkify/user_level_history.sqlx in DuckDB, includes/scd2.js
-- versions() spelled out for key user_id, tracked level, observed (and first valid) at event_at. Verbatim but
-- to_char(valid_from, 'YYYY-MM-DD HH24:MI:SS.US') in the surrogate key, strftime(…, '%Y-%m-%d %H:%M:%S.%f') here.

with level_observations as (

  select user_id, level, event_at
  from (
    select
      user_id,
      level,
      event_at,
      row_number() over (
        partition by user_id, event_at
        order by session_id desc, item_in_session desc, ingest_on desc, line_number desc
      ) as instant_rank
    from sparkify.stg_sparkify__events
    where user_id is not null
      and level is not null
  ) as ranked_events
  where instant_rank = 1

),

observations as (

  select
    user_id, level,
    event_at as observed_at,
    event_at as first_valid_from,
    md5(coalesce(cast(level as varchar), '<null>')) as tracked_hash
  from level_observations

),

changes as (

  select
    user_id, level, observed_at, first_valid_from, tracked_hash,
    lag(tracked_hash) over (partition by user_id order by observed_at) as previous_hash,
    row_number() over (partition by user_id order by observed_at) as observation_number
  from observations

),

version_starts as (

  select
    user_id, level,
    case when observation_number = 1 then first_valid_from else observed_at end as valid_from
  from changes
  where previous_hash is null or previous_hash <> tracked_hash

),

ranged as (

  select
    user_id, level, valid_from,
    lead(valid_from) over (partition by user_id order by valid_from) as next_valid_from
  from version_starts

)

select
  md5(
    coalesce(cast(user_id as varchar), '<null>') || '|' ||
    coalesce(cast(strftime(valid_from, '%Y-%m-%d %H:%M:%S.%f') as varchar), '<null>')
  ) as user_level_key,
  user_id,
  level,
  valid_from,
  coalesce(next_valid_from, cast('9999-12-31 00:00:00' as timestamp)) as valid_to,
  next_valid_from is null as is_current
from ranged
