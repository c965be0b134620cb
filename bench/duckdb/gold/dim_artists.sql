-- gold.dim_artists: definitions/marts/dim_artists.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with tracks as (

  select
    artist_id,
    artist_name,
    artist_mbid
  from gold.stg_catalog__songs

),

name_counts as (

  select
    artist_id,
    artist_name,
    count(*) as tracks_with_name
  from tracks
  where artist_name is not null
  group by artist_id, artist_name

),

canonical_names as (

  select
    artist_id,
    artist_name,
    row_number() over (partition by artist_id order by tracks_with_name desc, artist_name asc) as name_rank,
    count(*) over (partition by artist_id) as name_variants
  from name_counts

),

mbid_counts as (

  select
    artist_id,
    artist_mbid,
    row_number() over (partition by artist_id order by count(*) desc, artist_mbid asc) as mbid_rank
  from tracks
  where artist_mbid is not null
  group by artist_id, artist_mbid

),

artists as (

  select
    artist_id,
    count(*) as track_count
  from tracks
  group by artist_id

),

final as (

  select
    md5(artists.artist_id) as artist_key,
    artists.artist_id,
    canonical_names.artist_name,
    mbid_counts.artist_mbid,
    cast(coalesce(canonical_names.name_variants, 0) as integer) as name_variants,
    cast(artists.track_count as integer) as track_count
  from artists
  left join canonical_names
    on canonical_names.artist_id = artists.artist_id and canonical_names.name_rank = 1
  left join mbid_counts
    on mbid_counts.artist_id = artists.artist_id and mbid_counts.mbid_rank = 1

)

select
  artist_key,
  artist_id,
  artist_name,
  artist_mbid,
  name_variants,
  track_count
from final
order by artist_id
