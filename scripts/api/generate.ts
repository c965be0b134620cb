import { Random } from "./random.ts";
import { FIRST_NAMES, LAST_NAMES, PLACES, USER_AGENTS } from "./people.ts";

/**
 * The purchase API's data, generated from (seed, day, catalog track list) only: the same request always
 * gives the same records. Users are created every day from `epoch` on; from the second day some existing
 * users move (new city/country), so the users history (SCD2) is exercised. Pure functions.
 */
export interface GeneratorConfig {
  seed: number;
  usersPerDay: number;
  sessionsPerDay: number;
  maxItemsPerSession: number;
  /** First day with users; earlier days are empty. */
  epoch: string;
}

/** The default first day of the simulated business (the sample data's month). */
export const API_EPOCH = "2018-11-01";

export interface Track {
  track_id: string;
  title: string | null;
  artist_id: string | null;
  artist_name: string | null;
}

export type UserLocation = [string, string, string, string, string];

export interface ApiUser {
  user_id: string;
  user_name: string;
  user_lastname: string;
  user_location: UserLocation;
  user_since: string;
}

export interface ApiSessionItem {
  song_id: string;
  song_name: string | null;
  artist_id: string | null;
  artist_name: string | null;
  price: number;
  currency: string;
  liked: boolean;
  liked_since: string | null;
}

export interface ApiSession {
  session_id: string;
  user_id: string;
  session_start_time: string;
  user_agent: string;
  session_items: ApiSessionItem[];
}

const DAY_MS = 86_400_000;

function dayIndex(config: GeneratorConfig, day: string): number {
  return Math.round((Date.parse(`${day}T00:00:00Z`) - Date.parse(`${config.epoch}T00:00:00Z`)) / DAY_MS);
}

function dayOf(config: GeneratorConfig, index: number): string {
  return new Date(Date.parse(`${config.epoch}T00:00:00Z`) + index * DAY_MS).toISOString().slice(0, 10);
}

/** ISO-8601 with microseconds and no zone: `2018-11-01T13:04:05.123456`. */
export function isoMicros(epochMs: number, micros: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}`;
}

/** A time on `day`, `fromSec`..`toSec` seconds after midnight, with microseconds. */
function timeOn(random: Random, day: string, fromSec: number, toSec: number): { ms: number; text: string } {
  const ms = Date.parse(`${day}T00:00:00Z`) + random.between(fromSec * 1000, toSec * 1000 - 1);
  return { ms, text: isoMicros(ms, random.int(1000)) };
}

interface UserBase {
  user_id: string;
  user_name: string;
  user_lastname: string;
  user_since: string;
  sinceMs: number;
  place: UserLocation;
}

/** User number `i` created on day `index` (as first seen). */
function userBase(config: GeneratorConfig, index: number, i: number): UserBase {
  const day = dayOf(config, index);
  const random = Random.of(config.seed, "user", day, i);
  const since = timeOn(random, day, 0, 12 * 3600);
  return {
    user_id: random.uuid(),
    user_name: random.pick(FIRST_NAMES),
    user_lastname: random.pick(LAST_NAMES),
    user_since: since.text,
    sinceMs: since.ms,
    place: [...random.pick(PLACES)] as UserLocation,
  };
}

const toUser = (base: UserBase, place: UserLocation = base.place): ApiUser => ({
  user_id: base.user_id,
  user_name: base.user_name,
  user_lastname: base.user_lastname,
  user_location: place,
  user_since: base.user_since,
});

/** Users that change place on day `index`: distinct users created on earlier days, each with a new place. */
function movesOn(config: GeneratorConfig, index: number): { index: number; i: number; place: UserLocation }[] {
  if (index < 1 || config.usersPerDay < 1) return [];
  const random = Random.of(config.seed, "moves", dayOf(config, index));
  const wanted = Math.min(Math.ceil(config.usersPerDay / 10), index * config.usersPerDay);
  const seen = new Set<number>();
  const out: { index: number; i: number; place: UserLocation }[] = [];
  while (out.length < wanted) {
    const k = random.int(index * config.usersPerDay);
    if (seen.has(k)) continue;
    seen.add(k);
    const from = userBase(config, Math.floor(k / config.usersPerDay), k % config.usersPerDay).place;
    let place = random.pick(PLACES);
    if (place[2] === from[2]) place = PLACES[(PLACES.indexOf(place) + 1) % PLACES.length];
    out.push({ index: Math.floor(k / config.usersPerDay), i: k % config.usersPerDay, place: [...place] as UserLocation });
  }
  return out.sort((a, b) => a.index - b.index || a.i - b.i);
}

/** `/users` for one day: the users created that day, then those who moved that day (with their new place). */
export function usersOn(config: GeneratorConfig, day: string): ApiUser[] {
  const index = dayIndex(config, day);
  if (index < 0) return [];
  const created = Array.from({ length: config.usersPerDay }, (_, i) => toUser(userBase(config, index, i)));
  const moved = movesOn(config, index).map((m) => toUser(userBase(config, m.index, m.i), m.place));
  return [...created, ...moved];
}

/** `/sessions` for one day: sessions of users existing by then, over the catalog's tracks. */
export function sessionsOn(config: GeneratorConfig, tracks: readonly Track[], day: string): ApiSession[] {
  const index = dayIndex(config, day);
  if (index < 0 || tracks.length === 0 || config.usersPerDay < 1) return [];
  const population = (index + 1) * config.usersPerDay;
  const out: ApiSession[] = [];
  for (let s = 0; s < config.sessionsPerDay; s++) {
    const random = Random.of(config.seed, "session", day, s, tracks.length);
    const k = random.int(population);
    const user = userBase(config, Math.floor(k / config.usersPerDay), k % config.usersPerDay);
    // A user created today starts sessions after signing up (sign-ups are before noon).
    const start = Math.floor(k / config.usersPerDay) === index ? timeOn(random, day, 12 * 3600, 24 * 3600) : timeOn(random, day, 0, 24 * 3600);
    const items: ApiSessionItem[] = [];
    const count = random.between(1, Math.max(1, config.maxItemsPerSession));
    for (let n = 0; n < count; n++) {
      const track = tracks[random.int(tracks.length)];
      const liked = random.chance(0.3);
      const likedMs = start.ms + random.between(1, 3600) * 1000;
      items.push({
        song_id: track.track_id,
        song_name: track.title,
        artist_id: track.artist_id,
        artist_name: track.artist_name,
        price: random.between(10, 199) / 100,
        currency: "USD",
        liked,
        liked_since: liked ? isoMicros(likedMs, random.int(1000)) : null,
      });
    }
    out.push({ session_id: random.uuid(), user_id: user.user_id, session_start_time: start.text, user_agent: random.pick(USER_AGENTS), session_items: items });
  }
  return out;
}

/** Every day of a window, inclusive (dates already validated). */
export function windowDays(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
