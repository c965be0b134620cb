-- sparkify.stg_sparkify__events: definitions/sparkify/stg_sparkify__events.sqlx in DuckDB, verbatim but the refs
-- (schema.name) and event_at (epoch_ms, see below). lower() here lowers every letter, as Redshift's does; the
-- local PostgreSQL (locale C) lowers only ASCII letters, so its match keys keep non-ASCII capitals.

with source as (

  select
    session_id,
    item_in_session,
    ts,
    user_id,
    first_name,
    last_name,
    gender,
    level,
    location,
    user_agent,
    auth,
    page,
    song,
    artist,
    length,
    ingest_on,
    source_file,
    line_number
  from silver.sparkify_events

),

renamed as (

  select
    md5(
      cast(session_id as varchar(20)) || '|' || cast(item_in_session as varchar(20)) || '|' || cast(ts as varchar(20))
    ) as event_id,
    session_id,
    item_in_session,
    ts,
    -- epoch milliseconds to a UTC timestamp, exact to the millisecond (DuckDB's / on integers is a double
    -- division, so the SQLX's integer arithmetic becomes epoch_ms, which is exact)
    epoch_ms(ts) as event_at,
    nullif(trim(user_id), '') as user_id,
    nullif(trim(first_name), '') as first_name,
    nullif(trim(last_name), '') as last_name,
    nullif(trim(gender), '') as gender,
    level,
    nullif(trim(location), '') as location,
    case
      when length(user_agent) >= 2 and left(user_agent, 1) = '"' and right(user_agent, 1) = '"'
        then substring(user_agent, 2, length(user_agent) - 2)
      else user_agent
    end as user_agent,
    auth,
    page,
    nullif(trim(song), '') as song_title,
    nullif(trim(artist), '') as artist_name,
    length as song_length,
    lower(nullif(trim(song), '')) as song_title_key,
    lower(nullif(trim(artist), '')) as artist_name_key,
    ingest_on,
    source_file,
    line_number
  from source

)

select
  event_id,
  session_id,
  item_in_session,
  ts,
  event_at,
  user_id,
  first_name,
  last_name,
  gender,
  level,
  location,
  user_agent,
  auth,
  page,
  song_title,
  artist_name,
  song_length,
  song_title_key,
  artist_name_key,
  ingest_on,
  source_file,
  line_number
from renamed
