-- gold.stg_api__users: definitions/staging/stg_api__users.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with received as (

  select
    user_id,
    user_name,
    user_lastname,
    user_latitude,
    user_longitude,
    user_place,
    user_country_code,
    user_timezone,
    user_since,
    ingest_on,
    processed_at,
    row_number() over (
      partition by user_id, ingest_on
      order by processed_at desc, source_file desc
    ) as version_rank
  from silver.users

),

latest_per_day as (

  select
    cast(user_id as varchar(36)) as user_id,
    cast(user_name as varchar(256)) as first_name,
    cast(user_lastname as varchar(256)) as last_name,
    cast(user_latitude as double precision) as latitude,
    cast(user_longitude as double precision) as longitude,
    cast(user_place as varchar(256)) as place_name,
    cast(user_country_code as varchar(2)) as country_code,
    cast(user_timezone as varchar(64)) as timezone,
    cast(user_since as timestamp) as signed_up_at,
    cast(ingest_on as date) as ingest_on,
    cast(processed_at as timestamp) as processed_at
  from received
  where version_rank = 1

)

select
  user_id,
  first_name,
  last_name,
  latitude,
  longitude,
  place_name,
  country_code,
  timezone,
  signed_up_at,
  ingest_on,
  processed_at
from latest_per_day
