import { Random } from "../api/random.ts";
import type { SongRow } from "./schema.ts";

const WORDS = [
  "love", "night", "blue", "fire", "river", "dream", "heart", "city", "rain", "gold", "shadow", "light", "road", "summer",
  "echo", "wild", "silver", "storm", "ocean", "midnight", "paper", "glass", "stone", "electric", "velvet", "northern", "broken",
];
const SYLLABLES = ["ka", "lo", "mi", "ra", "ven", "tor", "sa", "del", "mo", "ri", "an", "el", "us", "ta", "ne", "zo"];

function title(random: Random, words: number): string {
  return Array.from({ length: words }, () => random.pick(WORDS))
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(" ");
}

function name(random: Random): string {
  const part = () => {
    const s = Array.from({ length: random.between(2, 3) }, () => random.pick(SYLLABLES)).join("");
    return s[0].toUpperCase() + s.slice(1);
  };
  return random.chance(0.3) ? `The ${part()}s` : `${part()} ${part()}`;
}

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(13, "0")}`;

/** Synthetic artist k of a pool: its id, name and mbid depend on k only. */
function artist(k: number) {
  const random = Random.of("synthetic-artist", k);
  return { artist_id: id("ARSYN", k), artist_name: name(random), artist_mbid: random.uuid(), familiarity: random.next(), hotttnesss: random.next() * 0.8 };
}

/**
 * Synthetic song number `i` (0-based) of `total`: every column depends only on (i, total), so the same
 * `--scale N` always gives the same rows. Track ids `TRSYN…` never collide with real ones (`TR` + 16).
 */
export function syntheticSong(i: number, total: number): SongRow {
  const random = Random.of("synthetic-song", i);
  const artists = Math.max(1, Math.floor(total / 8));
  const a = artist(random.int(artists));
  return {
    track_id: id("TRSYN", i),
    title: title(random, random.between(1, 4)),
    song_id: id("SOSYN", i),
    release: title(random, random.between(1, 3)),
    artist_id: a.artist_id,
    artist_mbid: a.artist_mbid,
    artist_name: a.artist_name,
    duration: Math.round((60 + random.next() * 420) * 1e5) / 1e5,
    artist_familiarity: Math.round(a.familiarity * 1e6) / 1e6,
    artist_hotttnesss: Math.round(a.hotttnesss * 1e6) / 1e6,
    year: random.chance(0.15) ? 0 : random.between(1955, 2010),
    track_7digitalid: random.between(1, 9_999_999),
    shs_perf: random.chance(0.1) ? random.between(1, 99_999) : -1,
    shs_work: random.chance(0.1) ? random.between(1, 99_999) : 0,
  };
}
