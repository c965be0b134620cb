/**
 * Loads the real Sparkify sample (log and song JSON files) into a PostgreSQL `silver` schema the way the
 * silver stage does (scripts/silver/entities/sparkify-*.ts), for tests of the Sparkify star schema that
 * must not depend on landing and Iceberg: same table and column names and types (scripts/silver/tables.ts),
 * text repaired of double-encoded UTF-8 and trimmed, `userId: ""` → null, `ts` kept and `event_at` from it,
 * `year: 0` and empty strings kept, one `ingest_on` per log day.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type pg from "pg";
import { repairMojibake } from "../../scripts/silver/repair.ts";
import { SILVER_TABLES, SQL_TYPES, type SilverTable } from "../../scripts/silver/tables.ts";

type Value = string | number | bigint | boolean | null;
export type Row = Record<string, Value>;

/** The silver stage's own repair of double-encoded UTF-8 (the DuckDB recomputation is the independent one). */
export const repairText = repairMojibake;

function text(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "number") return String(raw);
  if (typeof raw !== "string") throw new Error(`expected text, got ${JSON.stringify(raw)}`);
  return repairText(raw).trim();
}

function num(raw: unknown): number | null {
  if (raw === null || raw === undefined || raw === "") return null;
  const value = typeof raw === "string" ? Number(raw.trim()) : raw;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new Error(`expected a number, got ${JSON.stringify(raw)}`);
  return value;
}

/** Epoch microseconds → `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), exact (no float rounding). */
export function microsToTimestamp(micros: bigint): string {
  const seconds = micros / 1_000_000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, "0");
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

/** The log days in a Sparkify sample folder (`log_data/YYYY/MM/YYYY-MM-DD-events.json`), sorted. */
export function logFiles(sparkifyDir: string): { day: string; file: string }[] {
  const out: { day: string; file: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else {
        const m = /^(\d{4}-\d{2}-\d{2})-events\.json$/.exec(entry.name);
        if (m) out.push({ day: m[1], file: full });
      }
    }
  };
  walk(path.join(sparkifyDir, "log_data"));
  return out.sort((a, b) => a.day.localeCompare(b.day));
}

export function songFiles(sparkifyDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^TR[A-Z0-9]{16}\.json$/.test(entry.name)) out.push(full);
    }
  };
  walk(path.join(sparkifyDir, "song_data"));
  return out.sort();
}

/** The silver rows of one log file (one JSON object per line; the last line may lack its newline). */
export function eventRows(file: string, ingestOn: string, processedAt: string): Row[] {
  const sourceFile = `landing/sparkify/events/ingest_on=${ingestOn}/${path.basename(file)}`;
  const rows: Row[] = [];
  fs.readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (line.trim() === "") return;
      const r = JSON.parse(line) as Record<string, unknown>;
      const ts = BigInt(r.ts as number);
      const registration = num(r.registration);
      const userId = typeof r.userId === "string" && r.userId.trim() === "" ? null : text(r.userId);
      rows.push({
        artist: text(r.artist),
        auth: text(r.auth),
        first_name: text(r.firstName),
        gender: text(r.gender),
        item_in_session: num(r.itemInSession),
        last_name: text(r.lastName),
        length: num(r.length),
        level: text(r.level),
        location: text(r.location),
        method: text(r.method),
        page: text(r.page),
        registration_at: registration === null ? null : microsToTimestamp(BigInt(Math.round(registration * 1000))),
        session_id: BigInt(r.sessionId as number),
        song: text(r.song),
        status: num(r.status),
        ts,
        event_at: microsToTimestamp(ts * 1000n),
        user_agent: text(r.userAgent),
        user_id: userId,
        line_number: index + 1,
        ingest_on: ingestOn,
        source_file: sourceFile,
        processed_at: processedAt,
      });
    });
  return rows;
}

/** The silver row of one song file (the file name is the track id). */
export function songRow(file: string, ingestOn: string, processedAt: string): Row {
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  const trackId = path.basename(file, ".json");
  return {
    track_id: trackId,
    song_id: text(r.song_id),
    title: text(r.title),
    duration: num(r.duration),
    year: num(r.year),
    artist_id: text(r.artist_id),
    artist_name: text(r.artist_name),
    artist_location: text(r.artist_location),
    artist_latitude: num(r.artist_latitude),
    artist_longitude: num(r.artist_longitude),
    num_songs: num(r.num_songs),
    ingest_on: ingestOn,
    source_file: `landing/sparkify/songs/ingest_on=${ingestOn}/${trackId}.json`,
    processed_at: processedAt,
  };
}

function table(name: string): SilverTable {
  const found = SILVER_TABLES.find((t) => t.name === name);
  if (!found) throw new Error(`no silver table ${name}`);
  return found;
}

/** Creates `<schema>.<table>` with the silver columns (as `lakehouse mount` does), replacing any previous one. */
export async function createSilverTable(client: pg.Client, name: string, schema = "silver"): Promise<void> {
  const t = table(name);
  const columns = t.columns.map((c) => `${c.name} ${SQL_TYPES[c.type]}${c.required ? " not null" : ""}`).join(", ");
  await client.query(`create schema if not exists ${schema}`);
  await client.query(`drop table if exists ${schema}.${name} cascade`);
  await client.query(`create table ${schema}.${name} (${columns})`);
}

/** Appends rows to `<schema>.<table>` in batches (parameterised inserts). */
export async function insertRows(client: pg.Client, name: string, rows: Row[], schema = "silver"): Promise<void> {
  const names = table(name).columns.map((c) => c.name);
  const batch = Math.floor(60_000 / names.length);
  for (let start = 0; start < rows.length; start += batch) {
    const chunk = rows.slice(start, start + batch);
    const params: Value[] = [];
    const tuples = chunk.map((row) => {
      const slots = names.map((n) => {
        const v = row[n];
        params.push(typeof v === "bigint" ? v.toString() : (v ?? null));
        return `$${params.length}`;
      });
      return `(${slots.join(", ")})`;
    });
    await client.query(`insert into ${schema}.${name} (${names.join(", ")}) values ${tuples.join(", ")}`, params);
  }
}
