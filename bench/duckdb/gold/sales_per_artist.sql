-- gold.sales_per_artist: definitions/reporting/sales_per_artist.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with items as (

  select
    cast(extract(year from session_started_at) as integer) as year,
    artist_key,
    artist_id,
    price
  from gold.fct_session_items

),

named as (

  select
    items.year,
    items.artist_id,
    coalesce(artists.artist_name, '(unknown artist)') as artist,
    items.price
  from items
  left join gold.dim_artists as artists
    on artists.artist_key = items.artist_key

),

totals as (

  select
    year,
    artist_id,
    artist,
    cast(sum(price) as numeric(12, 2)) as total
  from named
  group by year, artist_id, artist

)

select
  year,
  artist_id,
  artist,
  total
from totals
order by year, artist, artist_id
