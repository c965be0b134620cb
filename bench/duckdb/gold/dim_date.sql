-- gold.dim_date: definitions/marts/dim_date.sqlx in DuckDB. includes/dates.js spelled out: date + integer and
-- date - date as on PostgreSQL; to_char(…, 'YYYYMMDD') becomes strftime, the digit cross join range(), the
-- English month and day names DuckDB's monthname/dayname, the ISO day of week isodow.

with bounds as (

  select
    cast(min(session_started_at) as date) as first_date,
    cast(max(session_started_at) as date) as last_date
  from gold.stg_api__sessions

),

days as (

  select cast((bounds.first_date) + (offsets.n) as date) as calendar_date
  from bounds
  cross join (select cast(range as integer) as n from range(100000)) as offsets
  where offsets.n <= ((bounds.last_date) - (bounds.first_date))

),

calendar as (

  select
    cast(strftime(calendar_date, '%Y%m%d') as integer) as date_key,
    calendar_date,
    cast(extract(year from calendar_date) as integer) as year,
    cast(extract(quarter from calendar_date) as integer) as quarter,
    cast(extract(month from calendar_date) as integer) as month,
    monthname(calendar_date) as month_name,
    cast(extract(day from calendar_date) as integer) as day_of_month,
    cast(extract(isodow from calendar_date) as integer) as day_of_week,
    dayname(calendar_date) as day_name,
    cast(extract(week from calendar_date) as integer) as iso_week,
    cast(extract(isodow from calendar_date) as integer) >= 6 as is_weekend
  from days

)

select
  date_key,
  calendar_date,
  year,
  quarter,
  month,
  month_name,
  day_of_month,
  day_of_week,
  day_name,
  iso_week,
  is_weekend
from calendar
