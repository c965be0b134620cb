-- gold.sales_per_country: definitions/reporting/sales_per_country.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with items as (

  select
    cast(extract(month from session_started_at) as integer) as month,
    cast(extract(year from session_started_at) as integer) as year,
    user_key,
    user_id,
    price
  from gold.fct_session_items

),

located as (

  select
    items.month,
    items.year,
    coalesce(user_versions.country_code, 'unknown') as country,
    items.price
  from items
  left join gold.dim_users as user_versions
    on user_versions.user_key = items.user_key
   and user_versions.user_id = items.user_id

),

totals as (

  select
    month,
    year,
    country,
    cast(sum(price) as numeric(12, 2)) as total
  from located
  group by year, month, country

)

select
  month,
  year,
  country,
  total
from totals
order by year, month, country
