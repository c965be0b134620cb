-- gold.monthly_active_users: definitions/reporting/monthly_active_users.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with items as (

  select
    cast(date_trunc('month', session_started_at) as date) as month_start_date,
    user_id,
    session_id
  from gold.fct_session_items

),

monthly as (

  select
    month_start_date,
    cast(count(distinct user_id) as integer) as active_users,
    cast(count(distinct session_id) as integer) as sessions
  from items
  group by month_start_date

)

select
  cast(extract(year from month_start_date) as integer) as year,
  cast(extract(month from month_start_date) as integer) as month,
  month_start_date,
  active_users,
  sessions
from monthly
order by month_start_date
