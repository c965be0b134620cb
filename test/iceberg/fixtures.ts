import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalStorage } from "../../scripts/storage/local.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { DirectoryCatalog } from "../../scripts/iceberg/catalog.ts";
import { parseDate } from "../../scripts/iceberg/values.ts";
import type { Row } from "../../scripts/iceberg/types.ts";

export const ITEMS = silverTable("session_items");

export function tempBucket(): { dir: string; storage: LocalStorage; catalog: DirectoryCatalog; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "iceberg-test-"));
  const storage = new LocalStorage(path.join(dir, "bucket"));
  return { dir, storage, catalog: new DirectoryCatalog(storage), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic session_items rows for one day; `tag` goes into song_name so versions differ. */
export function itemRows(day: string, count: number, tag = "v1"): Row[] {
  const ingest = parseDate(day);
  const base = BigInt(Date.parse(`${day}T08:00:00Z`)) * 1000n;
  return Array.from({ length: count }, (_, i) => ({
    session_id: `00000000-0000-4000-8000-${String(i >> 2).padStart(12, "0")}`,
    user_id: `11111111-0000-4000-8000-${String(i % 7).padStart(12, "0")}`,
    session_start_time: base + BigInt(i) * 1_000_001n,
    user_agent: i % 5 === 0 ? null : `agent ${i % 3}`,
    item_number: (i % 4) + 1,
    song_id: `TR${String(i).padStart(16, "0")}`,
    song_name: `${tag} song ${i} — ñ`,
    artist_id: i % 11 === 0 ? null : `AR${String(i % 13).padStart(16, "0")}`,
    artist_name: `artist ${i % 13}`,
    price: Math.round(i * 37) / 100,
    currency: "USD",
    liked: i % 2 === 0,
    liked_since: i % 2 === 0 ? base + BigInt(i) : null,
    ingest_on: ingest,
    source_file: `landing/api/sessions/ingest_on=${day}/part-00000.json`,
    processed_at: base + 123_456n,
  }));
}
