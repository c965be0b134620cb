-- gold.dim_users: definitions/marts/dim_users.sqlx in DuckDB, includes/scd2.js versions() spelled out for
-- key user_id; tracked first_name … timezone; carry signed_up_at; observed at the ingest day; the first version
-- from least(sign-up, first ingest day). Verbatim but to_char(valid_from, 'YYYY-MM-DD HH24:MI:SS.US') in the
-- surrogate key, which is strftime(valid_from, '%Y-%m-%d %H:%M:%S.%f') here (the same text, to the microsecond).

with observations as (

  select
    user_id, first_name, last_name, latitude, longitude, place_name, country_code, timezone, signed_up_at,
    cast(ingest_on as timestamp) as observed_at,
    least(signed_up_at, cast(ingest_on as timestamp)) as first_valid_from,
    md5(
      coalesce(cast(first_name as varchar), '<null>') || '|' || coalesce(cast(last_name as varchar), '<null>') || '|' ||
      coalesce(cast(latitude as varchar), '<null>') || '|' || coalesce(cast(longitude as varchar), '<null>') || '|' ||
      coalesce(cast(place_name as varchar), '<null>') || '|' || coalesce(cast(country_code as varchar), '<null>') || '|' ||
      coalesce(cast(timezone as varchar), '<null>')
    ) as tracked_hash
  from gold.stg_api__users

),

changes as (

  select
    user_id, first_name, last_name, latitude, longitude, place_name, country_code, timezone, signed_up_at,
    observed_at, first_valid_from, tracked_hash,
    lag(tracked_hash) over (partition by user_id order by observed_at) as previous_hash,
    row_number() over (partition by user_id order by observed_at) as observation_number
  from observations

),

version_starts as (

  select
    user_id, first_name, last_name, latitude, longitude, place_name, country_code, timezone, signed_up_at,
    case when observation_number = 1 then first_valid_from else observed_at end as valid_from
  from changes
  where previous_hash is null or previous_hash <> tracked_hash

),

ranged as (

  select
    user_id, first_name, last_name, latitude, longitude, place_name, country_code, timezone, signed_up_at, valid_from,
    lead(valid_from) over (partition by user_id order by valid_from) as next_valid_from
  from version_starts

),

versions as (

  select
    md5(
      coalesce(cast(user_id as varchar), '<null>') || '|' ||
      coalesce(cast(strftime(valid_from, '%Y-%m-%d %H:%M:%S.%f') as varchar), '<null>')
    ) as user_key,
    user_id, first_name, last_name, latitude, longitude, place_name, country_code, timezone, signed_up_at,
    valid_from,
    coalesce(next_valid_from, cast('9999-12-31 00:00:00' as timestamp)) as valid_to,
    next_valid_from is null as is_current
  from ranged

)

select
  user_key,
  user_id,
  first_name,
  last_name,
  latitude,
  longitude,
  place_name,
  country_code,
  timezone,
  signed_up_at,
  valid_from,
  valid_to,
  is_current
from versions
