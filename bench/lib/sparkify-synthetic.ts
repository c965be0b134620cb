/**
 * A deterministic, Sparkify-shaped folder at any scale, for the benchmark: `<dir>/log_data/YYYY/MM/YYYY-MM-DD-events.json`
 * (JSON lines, the real logger's key order and escaping, the last line without a newline) and
 * `<dir>/song_data/A/B/C/TR….json` (one JSON object per file), which `lakehouse land --source sparkify
 * --sparkify-path <dir>` lands unchanged and silver parses with no quarantined record.
 *
 * The shape follows the real sample (../shared/data/sparkify): ~82% NextSong pages; Home, Settings, Help,
 * About, Upgrade/Downgrade, Save Settings (307), Error (404); sessions that start logged out (Home, Login
 * with `userId: ""`, `auth: "Logged Out"`) and sessions that end with a Logout; sessions interleaved in
 * each day, `ts` strictly increasing within a day file. A share of the plays (`matchedShare`) names a song
 * of a written song file (same title, artist name and duration, so `sparkify.songplays` finds it); the other
 * plays name songs that are in no written file (checked, never by chance). Users keep their name, place,
 * agent and registration; some upgrade from free to paid on a day and some of those downgrade later, so
 * `sparkify.user_level_history` has versions.
 *
 * Song files are the seed stage's synthetic songs (scripts/seed/synthetic.ts: they depend on their number
 * only); everything else depends on (options, seed) only, through the project's PRNG (scripts/api/random.ts):
 * the same options write the same bytes. Events stream to the files in large chunks (memory: the user and
 * song pools, never the events).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { API_EPOCH } from "../../scripts/api/generate.ts";
import { FIRST_NAMES, LAST_NAMES, PLACES, USER_AGENTS } from "../../scripts/api/people.ts";
import { Random } from "../../scripts/api/random.ts";
import { syntheticSong } from "../../scripts/seed/synthetic.ts";

export interface SparkifySyntheticOptions {
  /** Log lines in all (bad lines included), spread evenly over the days. */
  events: number;
  /** Log days (default 30). */
  days?: number;
  /** First log day, YYYY-MM-DD (default the API simulator's epoch, 2018-11-01). */
  firstDay?: string;
  /** Distinct users (default events / 1,000, between 20 and 100,000). */
  users?: number;
  /** Song files written, one per song (default events / 100, between 50 and 10,000). */
  songs?: number;
  /** Share of NextSong events that name a written song (default 0.7); the others match no song file. */
  matchedShare?: number;
  /**
   * Deliberately invalid lines among `events` (default 0): valid JSON whose `ts` is not epoch milliseconds, so
   * silver quarantines exactly these (field `ts`). Spread evenly over all lines.
   */
  badLines?: number;
  seed?: number | string;
}

export interface SparkifySyntheticSummary {
  dir: string;
  /** The log days written, in order. */
  days: string[];
  /** Log files written, one per day, absolute paths. */
  logFiles: string[];
  events: number;
  /** NextSong lines, and those naming a written song. */
  nextSong: number;
  matched: number;
  badLines: number;
  users: number;
  songs: number;
  /** Bytes of the log files. */
  logBytes: number;
}

const DAY_MS = 86_400_000;
const MARKER = "_synthetic-sparkify.json";
/** Bytes of each of a log file's two write buffers. */
const CHUNK = 4 << 20;
/** Upper bound of a log line's length in UTF-16 code units (the longest pieces of the pools are far shorter). */
const MAX_LINE = 4096;
/** Sessions open at once in a day (interleaved lines, like the real log). */
const CONCURRENT_SESSIONS = 48;

/** The logger's JSON: strings with `/` escaped as `\/` (as in the real files). */
const json = (value: string | null): string => (value === null ? "null" : JSON.stringify(value).replaceAll("/", "\\/"));

/** One user as pieces of a log line, in the logger's key order (logged in, or logged out: `userId: ""`). */
interface Who {
  auth: string; // "auth":…,"firstName":…,"gender":…,
  lastName: string; // "lastName":…,
  location: string; // "location":…,
  registration: string; // "registration":…,
  tail: string; // "userAgent":…,"userId":…}
}

type Level = "free" | "paid";

interface User {
  who: Who;
  /** Log-day indexes of the level changes: paid from `paidFrom` (inclusive) until `freeFrom` (exclusive). */
  paidFrom: number;
  freeFrom: number;
}

/** A play: the line's "artist", "length" and "song" pieces. */
interface Play {
  artist: string;
  length: string;
  song: string;
}

const LOGGED_OUT: Who = { auth: `"auth":"Logged Out","firstName":null,"gender":null,`, lastName: `"lastName":null,`, location: `"location":null,`, registration: `"registration":null,`, tail: `"userAgent":null,"userId":""}` };

function makeUsers(count: number, days: number, firstDayMs: number, random: Random): User[] {
  return Array.from({ length: count }, (_, i) => {
    const place = random.pick(PLACES);
    const agent = `"${random.pick(USER_AGENTS)}"`;
    const registration = firstDayMs - random.between(1, 60 * DAY_MS);
    const who: Who = {
      auth: `"auth":"Logged In","firstName":${json(random.pick(FIRST_NAMES))},"gender":"${random.chance(0.5) ? "F" : "M"}",`,
      lastName: `"lastName":${json(random.pick(LAST_NAMES))},`,
      location: `"location":${json(`${place[2]}, ${place[3]}`)},`,
      registration: `"registration":${registration}.0,`,
      tail: `"userAgent":${json(agent)},"userId":"${i + 1}"}`,
    };
    // 20% paid from the start; 35% of the others upgrade on a later day, a fifth of those downgrade after.
    if (random.chance(0.2)) return { who, paidFrom: 0, freeFrom: random.chance(0.1) ? random.between(1, days) : days };
    if (!random.chance(0.35) || days < 2) return { who, paidFrom: days, freeFrom: days };
    const paidFrom = random.between(1, days - 1);
    return { who, paidFrom, freeFrom: random.chance(0.2) && paidFrom < days - 1 ? random.between(paidFrom + 1, days - 1) : days };
  });
}

const playOf = (song: { title: unknown; artist_name: unknown; duration: unknown }): Play => ({
  artist: `"artist":${json(song.artist_name as string)},`,
  length: `"length":${song.duration},`,
  song: `"song":${json(song.title as string)},`,
});

const matchKey = (song: { title: unknown; artist_name: unknown }) => `${String(song.title).trim().toLowerCase()}\u0001${String(song.artist_name).trim().toLowerCase()}`;

/** Writes the song files; returns the plays that match them and as many that match none of them. */
async function writeSongs(dir: string, count: number): Promise<{ written: Play[]; unlisted: Play[] }> {
  const written: Play[] = [];
  const keys = new Set<string>();
  const folders = new Set<string>();
  for (let i = 0; i < count; i++) {
    const song = syntheticSong(i, count);
    const trackId = song.track_id as string;
    const folder = path.join(dir, "song_data", trackId[2], trackId[3], trackId[4]);
    if (!folders.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      folders.add(folder);
    }
    const place = Random.of("sparkify-synthetic-artist", song.artist_id as string);
    const located = place.chance(0.6) ? place.pick(PLACES) : null;
    const file = {
      artist_id: song.artist_id,
      artist_latitude: located ? Number(located[0]) : null,
      artist_location: located ? `${located[2]}, ${located[3]}` : "",
      artist_longitude: located ? Number(located[1]) : null,
      artist_name: song.artist_name,
      duration: song.duration,
      num_songs: 1,
      song_id: song.song_id,
      title: song.title,
      year: song.year,
    };
    await fs.promises.writeFile(path.join(folder, `${trackId}.json`), JSON.stringify(file));
    written.push(playOf(song));
    keys.add(matchKey(song));
  }
  const unlisted: Play[] = [];
  for (let i = count; unlisted.length < count; i++) {
    const song = syntheticSong(i, 2 * count);
    if (!keys.has(matchKey(song))) unlisted.push(playOf(song));
  }
  return { written, unlisted };
}

/** Pages other than NextSong for a logged-in user, with their weights; `level` limits Upgrade / Downgrade. */
const OTHER_PAGES: { piece: string; status: number; weight: number; level?: Level }[] = [
  { piece: `"method":"GET","page":"Home",`, status: 200, weight: 55 },
  { piece: `"method":"GET","page":"Settings",`, status: 200, weight: 6 },
  { piece: `"method":"GET","page":"Help",`, status: 200, weight: 5 },
  { piece: `"method":"GET","page":"About",`, status: 200, weight: 4 },
  { piece: `"method":"GET","page":"Upgrade",`, status: 200, weight: 6, level: "free" },
  { piece: `"method":"PUT","page":"Submit Upgrade",`, status: 307, weight: 1, level: "free" },
  { piece: `"method":"GET","page":"Downgrade",`, status: 200, weight: 6, level: "paid" },
  { piece: `"method":"PUT","page":"Submit Downgrade",`, status: 307, weight: 0.3, level: "paid" },
  { piece: `"method":"PUT","page":"Save Settings",`, status: 307, weight: 1.5 },
  { piece: `"method":"GET","page":"Error",`, status: 404, weight: 1 },
];
const pagesFor = (level: Level) => {
  const pages = OTHER_PAGES.filter((p) => !p.level || p.level === level);
  const total = pages.reduce((n, p) => n + p.weight, 0);
  let cumulative = 0;
  return pages.map((p) => ({ ...p, upTo: (cumulative += p.weight) / total }));
};
const PAGES = { free: pagesFor("free"), paid: pagesFor("paid") };
const NEXT_SONG = `"method":"PUT","page":"NextSong",`;
const HOME = `"method":"GET","page":"Home",`;
const LOGIN = `"method":"PUT","page":"Login",`;
const LOGOUT = `"method":"PUT","page":"Logout",`;
const NO_PLAY: Play = { artist: `"artist":null,`, length: `"length":null,`, song: `"song":null,` };
/** Share of a logged-in session's lines that are plays (the rest: OTHER_PAGES). */
const PLAY_SHARE = 0.87;

/** One open session: its user and level, and what it still has to write, in this order. */
interface Session {
  id: number;
  item: number;
  user: User;
  level: Level;
  /** Logged-out lines still to come before the user logs in: 2 = Home then Login, 1 = Login, 0 = none. */
  prefix: number;
  /** Logged-in lines still to come (plays and OTHER_PAGES). */
  left: number;
  /** A Logout still to come, then (homeAfter) one logged-out Home. */
  logout: boolean;
  homeAfter: boolean;
}

interface DayPlan {
  day: string;
  dayIndex: number;
  lines: number;
  /** Global index of this day's first line (for the bad lines' positions). */
  firstLine: number;
}

class DayWriter {
  nextSong = 0;
  matched = 0;
  private readonly sessions: (Session | undefined)[] = [];
  private readonly random: Random;

  constructor(
    private readonly plan: DayPlan,
    private readonly pools: { users: User[]; written: Play[]; unlisted: Play[]; matchedShare: number },
    private nextSessionId: () => number,
    seed: string,
  ) {
    this.random = Random.of("sparkify-synthetic-day", seed, plan.day);
  }

  private openSession(): Session {
    const r = this.random;
    const users = this.pools.users;
    const user = users[Math.floor(users.length * r.next() ** 1.6)];
    const paid = this.plan.dayIndex >= user.paidFrom && this.plan.dayIndex < user.freeFrom;
    const roll = r.next();
    return {
      id: this.nextSessionId(),
      item: 0,
      user,
      level: paid ? "paid" : "free",
      prefix: r.chance(0.06) ? 2 : 0,
      left: 1 + Math.floor(-Math.log(1 - r.next()) * 22),
      logout: roll < 0.2,
      homeAfter: roll < 0.08,
    };
  }

  /** The next line of one of the open sessions, at time `ts`; `bad` writes a ts silver rejects. */
  private line(ts: number, bad: boolean): string {
    const r = this.random;
    const slot = r.int(CONCURRENT_SESSIONS);
    const s = (this.sessions[slot] ??= this.openSession());
    let who = s.user.who;
    let page = NEXT_SONG;
    let status = 200;
    let play = NO_PLAY;
    if (s.prefix > 0) {
      who = LOGGED_OUT;
      page = s.prefix-- === 2 ? HOME : LOGIN;
      status = page === LOGIN ? 307 : 200;
    } else if (s.left > 0) {
      s.left--;
      if (r.next() < PLAY_SHARE) {
        this.nextSong++;
        if (r.next() < this.pools.matchedShare) {
          this.matched++;
          play = this.pools.written[Math.floor(this.pools.written.length * r.next() ** 2)];
        } else play = this.pools.unlisted[Math.floor(this.pools.unlisted.length * r.next() ** 2)];
      } else {
        const u = r.next();
        const other = PAGES[s.level].find((p) => u < p.upTo)!;
        page = other.piece;
        status = other.status;
      }
    } else if (s.logout) {
      page = LOGOUT;
      status = 307;
      s.logout = false;
    } else {
      who = LOGGED_OUT;
      page = HOME;
      s.homeAfter = false;
    }
    const item = s.item++;
    if (s.prefix === 0 && s.left === 0 && !s.logout && !s.homeAfter) this.sessions[slot] = undefined;
    const time = bad ? `"not a timestamp"` : ts;
    return `{${play.artist}${who.auth}"itemInSession":${item},${who.lastName}${play.length}"level":"${s.level}",${who.location}${page}${who.registration}"sessionId":${s.id},${play.song}"status":${status},"ts":${time},${who.tail}`;
  }

  /** Streams the day's lines to `file` through `buffers`; `isBad(globalLine)` picks the deliberately bad ones. */
  async write(file: string, buffers: [Buffer, Buffer], isBad: (line: number) => boolean): Promise<number> {
    const { lines, firstLine } = this.plan;
    const start = Date.parse(`${this.plan.day}T00:00:00Z`);
    const step = Math.floor(DAY_MS / lines);
    const out = await ChunkedFile.open(file, buffers);
    try {
      for (let i = 0; i < lines; i++) {
        const ts = start + i * step + this.random.int(step);
        out.add(i === 0 ? this.line(ts, isBad(firstLine + i)) : `\n${this.line(ts, isBad(firstLine + i))}`);
        if (out.full()) await out.flush();
      }
      return await out.close();
    } catch (error) {
      await out.close().catch(() => undefined);
      throw error;
    }
  }
}

/**
 * A file written through two large buffers: text is UTF-8-encoded straight into one while the other is being
 * written, so encoding and disk overlap and no big string is ever built.
 */
class ChunkedFile {
  private current = 0;
  private used = 0;
  private pending: Promise<unknown> = Promise.resolve();
  private bytes = 0;

  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly buffers: [Buffer, Buffer],
  ) {}

  /** `buffers`: two buffers of CHUNK bytes, reused from file to file (one file at a time). */
  static async open(file: string, buffers: [Buffer, Buffer]): Promise<ChunkedFile> {
    return new ChunkedFile(await fs.promises.open(file, "w"), buffers);
  }

  /** Appends `text`; call full() after each add and flush() when it says so. */
  add(text: string): void {
    if (text.length > MAX_LINE) throw new Error(`writeSparkifyFolder: a log line of ${text.length} characters exceeds ${MAX_LINE}`);
    this.used += this.buffers[this.current].write(text, this.used);
  }

  /** Less room left than any line can take (a UTF-16 code unit is at most 3 UTF-8 bytes). */
  full(): boolean {
    return CHUNK - this.used < MAX_LINE * 3;
  }

  async flush(): Promise<void> {
    await this.pending;
    if (this.used === 0) return;
    const buffer = this.buffers[this.current];
    const length = this.used;
    this.bytes += length;
    this.pending = this.handle.write(buffer, 0, length);
    this.current = 1 - this.current;
    this.used = 0;
  }

  /** Writes what is left and closes; returns the bytes written. */
  async close(): Promise<number> {
    try {
      await this.flush();
      await this.pending;
    } finally {
      await this.handle.close();
    }
    return this.bytes;
  }
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`writeSparkifyFolder: ${message}`);
}

/** Empties `dir` of a previous synthetic folder (refuses a folder it did not write, such as the real sample). */
function prepare(dir: string): void {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    check(fs.existsSync(path.join(dir, MARKER)), `${dir} is not empty and was not written by this generator; refusing to replace it`);
    for (const sub of ["log_data", "song_data", MARKER]) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
}

/** Writes a synthetic Sparkify folder into `dir` (replacing one it wrote before) and returns what it holds. */
export async function writeSparkifyFolder(dir: string, options: SparkifySyntheticOptions): Promise<SparkifySyntheticSummary> {
  const events = options.events;
  const dayCount = options.days ?? 30;
  const firstDay = options.firstDay ?? API_EPOCH;
  const users = options.users ?? clamp(events / 1000, 20, 100_000);
  const songs = options.songs ?? clamp(events / 100, 50, 10_000);
  const matchedShare = options.matchedShare ?? 0.7;
  const badLines = options.badLines ?? 0;
  const seed = String(options.seed ?? 1);
  check(Number.isSafeInteger(events) && events >= 1, `events must be a positive integer, got ${events}`);
  check(Number.isSafeInteger(dayCount) && dayCount >= 1, `days must be a positive integer, got ${dayCount}`);
  check(/^\d{4}-\d{2}-\d{2}$/.test(firstDay) && addDays(firstDay, 0) === firstDay, `firstDay must be a date YYYY-MM-DD, got ${firstDay}`);
  check(Number.isSafeInteger(users) && users >= 1, `users must be a positive integer, got ${users}`);
  check(Number.isSafeInteger(songs) && songs >= 1, `songs must be a positive integer, got ${songs}`);
  check(matchedShare >= 0 && matchedShare <= 1, `matchedShare must be in [0, 1], got ${matchedShare}`);
  check(Number.isSafeInteger(badLines) && badLines >= 0 && badLines <= events, `badLines must be an integer in [0, events], got ${badLines}`);
  check(Math.ceil(events / dayCount) <= DAY_MS, "more than one event per millisecond of a day");

  prepare(dir);
  fs.writeFileSync(path.join(dir, MARKER), `${JSON.stringify({ ...options, generator: "bench/lib/sparkify-synthetic.ts" })}\n`);
  const { written, unlisted } = await writeSongs(dir, songs);
  const firstDayMs = Date.parse(`${firstDay}T00:00:00Z`);
  const pools = { users: makeUsers(users, dayCount, firstDayMs, Random.of("sparkify-synthetic-users", seed)), written, unlisted, matchedShare };

  // Bad line b sits at global line floor((b + 0.5) · events / badLines): evenly spread, deterministic.
  let nextBad = 0;
  const badAt = (b: number) => Math.floor(((b + 0.5) * events) / badLines);
  const isBad = (line: number) => {
    if (nextBad >= badLines || line !== badAt(nextBad)) return false;
    nextBad++;
    return true;
  };

  const buffers: [Buffer, Buffer] = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
  let sessionId = 0;
  const summary: SparkifySyntheticSummary = { dir, days: [], logFiles: [], events, nextSong: 0, matched: 0, badLines, users, songs, logBytes: 0 };
  let firstLine = 0;
  for (let d = 0; d < dayCount; d++) {
    const day = addDays(firstDay, d);
    const lines = Math.floor(events / dayCount) + (d < events % dayCount ? 1 : 0);
    if (lines === 0) continue;
    const folder = path.join(dir, "log_data", day.slice(0, 4), day.slice(5, 7));
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${day}-events.json`);
    const writer = new DayWriter({ day, dayIndex: d, lines, firstLine }, pools, () => ++sessionId, seed);
    summary.logBytes += await writer.write(file, buffers, isBad);
    summary.days.push(day);
    summary.logFiles.push(file);
    summary.nextSong += writer.nextSong;
    summary.matched += writer.matched;
    firstLine += lines;
  }
  return summary;
}
