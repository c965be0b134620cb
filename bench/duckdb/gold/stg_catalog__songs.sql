-- gold.stg_catalog__songs: definitions/staging/stg_catalog__songs.sqlx in DuckDB, verbatim but the refs (schema.name) and includes/dates.js part() spelled out.

with versions as (

  select
    track_id,
    song_id,
    title,
    release,
    artist_id,
    artist_mbid,
    artist_name,
    duration,
    artist_familiarity,
    artist_hotttnesss,
    year,
    track_7digitalid,
    shs_perf,
    shs_work,
    ingest_on,
    processed_at,
    row_number() over (
      partition by track_id
      order by ingest_on desc, processed_at desc, source_file desc
    ) as version_rank
  from silver.songs

),

latest as (

  select
    cast(track_id as varchar(18)) as track_id,
    cast(song_id as varchar(18)) as song_id,
    cast(title as varchar(1024)) as song_title,
    cast(release as varchar(1024)) as release_name,
    cast(artist_id as varchar(18)) as artist_id,
    cast(artist_mbid as varchar(64)) as artist_mbid,
    cast(artist_name as varchar(1024)) as artist_name,
    cast(duration as double precision) as duration_seconds,
    cast(artist_familiarity as double precision) as artist_familiarity,
    cast(artist_hotttnesss as double precision) as artist_hotttnesss,
    cast(nullif(year, 0) as integer) as release_year,
    cast(track_7digitalid as integer) as track_7digital_id,
    cast(shs_perf as integer) as shs_perf_id,
    cast(shs_work as integer) as shs_work_id,
    cast(ingest_on as date) as ingest_on,
    cast(processed_at as timestamp) as processed_at
  from versions
  where version_rank = 1

)

select
  track_id,
  song_id,
  song_title,
  release_name,
  artist_id,
  artist_mbid,
  artist_name,
  duration_seconds,
  artist_familiarity,
  artist_hotttnesss,
  release_year,
  track_7digital_id,
  shs_perf_id,
  shs_work_id,
  ingest_on,
  processed_at
from latest
