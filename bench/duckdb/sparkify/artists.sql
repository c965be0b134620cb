-- sparkify.artists: definitions/sparkify/artists.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with artist_songs as (

  select
    artist_id,
    artist_name,
    artist_location,
    artist_latitude,
    artist_longitude
  from sparkify.stg_sparkify__songs

),

artist_ids as (

  select distinct artist_id
  from artist_songs

),

name_counts as (

  select
    artist_id,
    artist_name,
    count(*) as song_count
  from artist_songs
  where artist_name is not null
  group by artist_id, artist_name

),

canonical_names as (

  select
    artist_id,
    artist_name,
    row_number() over (partition by artist_id order by song_count desc, length(artist_name), artist_name) as name_rank
  from name_counts

),

location_counts as (

  select
    artist_id,
    artist_location,
    count(*) as song_count
  from artist_songs
  where artist_location is not null
  group by artist_id, artist_location

),

canonical_locations as (

  select
    artist_id,
    artist_location,
    row_number() over (partition by artist_id order by song_count desc, length(artist_location), artist_location) as location_rank
  from location_counts

),

coordinate_counts as (

  select
    artist_id,
    artist_latitude,
    artist_longitude,
    count(*) as song_count
  from artist_songs
  where artist_latitude is not null
    and artist_longitude is not null
  group by artist_id, artist_latitude, artist_longitude

),

canonical_coordinates as (

  select
    artist_id,
    artist_latitude,
    artist_longitude,
    row_number() over (partition by artist_id order by song_count desc, artist_latitude, artist_longitude) as coordinate_rank
  from coordinate_counts

),

artists as (

  select
    artist_ids.artist_id,
    canonical_names.artist_name as name,
    canonical_locations.artist_location as location,
    canonical_coordinates.artist_latitude as latitude,
    canonical_coordinates.artist_longitude as longitude
  from artist_ids
  left join canonical_names
    on canonical_names.artist_id = artist_ids.artist_id
    and canonical_names.name_rank = 1
  left join canonical_locations
    on canonical_locations.artist_id = artist_ids.artist_id
    and canonical_locations.location_rank = 1
  left join canonical_coordinates
    on canonical_coordinates.artist_id = artist_ids.artist_id
    and canonical_coordinates.coordinate_rank = 1

)

select
  artist_id,
  name,
  location,
  latitude,
  longitude
from artists
