/**
 * An independent recomputation of the Sparkify star schema with DuckDB, straight from the raw JSON files
 * (no silver, no PostgreSQL, no Dataform), to compare the warehouse with. It restates the published rules:
 * - text repaired of double-encoded UTF-8 (Latin-1/CP1252 bytes decoded as UTF-8, up to 3 rounds) and trimmed;
 * - songplays: one row per NextSong event, keyed md5(sessionId|itemInSession|ts); the song is the one whose
 *   title and artist name equal the event's (trimmed, lower-case), closest duration to the event's length,
 *   then lowest song_id; songs deduplicated by song_id (lowest track id);
 * - users: one row per non-empty userId, values of the latest event (ts, sessionId, itemInSession);
 * - time: one row per distinct play time; ISO week, weekday 0 = Sunday;
 * - level history: a new version at each change of level along the user's events (one per instant).
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/** Windows-1252 characters in 0x80–0x9F that differ from Latin-1 → their byte. */
const CP1252: [number, number][] = [
  [0x20ac, 0x80], [0x201a, 0x82], [0x0192, 0x83], [0x201e, 0x84], [0x2026, 0x85], [0x2020, 0x86], [0x2021, 0x87],
  [0x02c6, 0x88], [0x2030, 0x89], [0x0160, 0x8a], [0x2039, 0x8b], [0x0152, 0x8c], [0x017d, 0x8e], [0x2018, 0x91],
  [0x2019, 0x92], [0x201c, 0x93], [0x201d, 0x94], [0x2022, 0x95], [0x2013, 0x96], [0x2014, 0x97], [0x02dc, 0x98],
  [0x2122, 0x99], [0x0161, 0x9a], [0x203a, 0x9b], [0x0153, 0x9c], [0x017e, 0x9e], [0x0178, 0x9f],
];

/** What JavaScript's String.prototype.trim removes (the silver stage trims with it). */
const JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";

export const MACROS = [
  // the single byte a character stands for in Latin-1 / CP1252, or null
  `create or replace macro mojibake_byte(code) as case when code between 0 and 255 then code ${CP1252.map(([c, b]) => `when code = ${c} then ${b}`).join(" ")} else null end`,
  `create or replace macro mojibake_bytes(s) as list_transform(string_split(s, ''), ch -> mojibake_byte(unicode(ch)))`,
  // one round: all characters map to bytes, at least one is high, and the bytes are valid UTF-8. The lambdas over
  // one-element lists bind the argument once (a macro repeats its argument's expression at every use).
  `create or replace macro repair_once(s) as list_transform([s], x -> case
     when x is null or not regexp_matches(x, '[^\\x00-\\x7F]') then x
     else list_transform([mojibake_bytes(x)], bs -> case
       when list_bool_and(list_transform(bs, b -> b is not null)) and list_bool_or(list_transform(bs, b -> b >= 128))
         then coalesce(try(decode(unhex(array_to_string(list_transform(bs, b -> printf('%02X', b)), '')))), x)
       else x end)[1]
     end)[1]`,
  `create or replace macro repair(s) as repair_once(repair_once(repair_once(s)))`,
  `create or replace macro clean(s) as trim(repair(s), '${JS_WHITESPACE}')`,
];

export interface Recomputed {
  songplays: { songplay_id: string; start_ms: string; user_id: string; level: string; song_id: string | null; artist_id: string | null; session_id: string; location: string | null; user_agent: string | null }[];
  users: { user_id: string; first_name: string | null; last_name: string | null; gender: string | null; level: string }[];
  time: { start_ms: string; hour: number; day: number; week: number; month: number; year: number; weekday: number }[];
  levels: { user_id: string; level: string; valid_from_ms: string; is_current: boolean }[];
}

async function rows<T>(connection: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as unknown as T[];
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Recomputes songplays, users, time and the level history from `<sparkifyDir>/{log_data,song_data}`. */
export async function recompute(sparkifyDir: string): Promise<Recomputed> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const macro of MACROS) await connection.run(macro);
    const logs = quote(`${sparkifyDir}/log_data/**/*-events.json`);
    const songs = quote(`${sparkifyDir}/song_data/**/TR*.json`);
    await connection.run(`create table raw_events as select * from read_json(${logs}, format = 'newline_delimited', columns = {
      artist: 'varchar', auth: 'varchar', firstName: 'varchar', gender: 'varchar', itemInSession: 'bigint', lastName: 'varchar',
      length: 'double', level: 'varchar', location: 'varchar', method: 'varchar', page: 'varchar', registration: 'double',
      sessionId: 'bigint', song: 'varchar', status: 'bigint', ts: 'bigint', userAgent: 'varchar', userId: 'varchar'})`);
    await connection.run(`create table raw_songs as select * from read_json(${songs}, format = 'auto', filename = true, columns = {
      song_id: 'varchar', title: 'varchar', duration: 'double', year: 'integer', artist_id: 'varchar', artist_name: 'varchar',
      artist_location: 'varchar', artist_latitude: 'double', artist_longitude: 'double', num_songs: 'integer'})`);
    await connection.run(`create table events as
      select sessionId as session_id, itemInSession as item_in_session, ts,
             md5(concat(sessionId, '|', itemInSession, '|', ts)) as event_id,
             nullif(clean(userId), '') as user_id, nullif(clean(firstName), '') as first_name, nullif(clean(lastName), '') as last_name,
             nullif(clean(gender), '') as gender, clean(level) as level, nullif(clean(location), '') as location,
             regexp_replace(clean(userAgent), '^"(.*)"$', '\\1', 's') as user_agent, clean(page) as page,
             lower(nullif(clean(song), '')) as title_key, lower(nullif(clean(artist), '')) as artist_key, length
        from raw_events`);
    await connection.run(`create table songs as
      select song_id, arg_min(artist_id, track_id) as artist_id, arg_min(duration, track_id) as duration,
             arg_min(lower(nullif(clean(title), '')), track_id) as title_key,
             arg_min(lower(nullif(clean(artist_name), '')), track_id) as artist_key
        from (select *, regexp_extract(filename, '(TR[A-Z0-9]{16})\\.json$', 1) as track_id from raw_songs)
       group by song_id`);
    const songplays = await rows<Recomputed["songplays"][number]>(
      connection,
      `select p.event_id as songplay_id, cast(p.ts as varchar) as start_ms, p.user_id, p.level,
              m.song_id, m.artist_id, cast(p.session_id as varchar) as session_id, p.location, p.user_agent
         from events p
         left join (
           select e.event_id, s.song_id, s.artist_id
             from events e join songs s on s.title_key = e.title_key and s.artist_key = e.artist_key
            where e.page = 'NextSong'
           qualify row_number() over (partition by e.event_id order by (s.duration is null or e.length is null), abs(s.duration - e.length), s.song_id) = 1
         ) m on m.event_id = p.event_id
        where p.page = 'NextSong'
        order by songplay_id`,
    );
    const users = await rows<Recomputed["users"][number]>(
      connection,
      `select user_id, first_name, last_name, gender, level from events where user_id is not null
       qualify row_number() over (partition by user_id order by ts desc, session_id desc, item_in_session desc) = 1
       order by user_id`,
    );
    const time = await rows<Recomputed["time"][number]>(
      connection,
      `select cast(ts as varchar) as start_ms, cast(hour(t) as integer) as hour, cast(day(t) as integer) as day, cast(week(t) as integer) as week,
              cast(month(t) as integer) as month, cast(year(t) as integer) as year, cast(dayofweek(t) as integer) as weekday
         from (select distinct ts, epoch_ms(ts) as t from events where page = 'NextSong')
        order by ts`,
    );
    const levels = await rows<Recomputed["levels"][number]>(
      connection,
      `with instants as (
         select user_id, ts, level from events where user_id is not null and level is not null
         qualify row_number() over (partition by user_id, ts order by session_id desc, item_in_session desc) = 1
       ), changes as (
         select user_id, ts, level, lag(level) over (partition by user_id order by ts) as previous_level from instants
       ), starts as (
         select user_id, ts, level from changes where previous_level is null or previous_level <> level
       )
       select user_id, level, cast(ts as varchar) as valid_from_ms,
              lead(ts) over (partition by user_id order by ts) is null as is_current
         from starts
        order by user_id, ts`,
    );
    return { songplays, users, time, levels };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
