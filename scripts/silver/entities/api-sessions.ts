/**
 * `api/sessions` → `silver.sessions` (one row per session) and `silver.session_items` (one row per item,
 * with the session's columns and `item_number` from 1).
 *
 * Reconciliation unit: the session. A session is committed whole (its row in `sessions` and all its
 * items in `session_items`) or quarantined whole; a bad item quarantines its session with the field path
 * of the item, e.g. `session_items[2].price` (JSON index, from 0: the third item). So per landed
 * partition: landed sessions = committed sessions + quarantined sessions, and `session_items` holds
 * exactly the items of the committed sessions. A session with no items is valid (item_count 0).
 */
import { silverTable } from "../tables.ts";
import { asObject, castColumn, columnsByName, describeType, FieldError, type SilverRow } from "../values.ts";
import type { EntityParser, RecordContext } from "./types.ts";

const s = columnsByName(silverTable("sessions"));
const i = columnsByName(silverTable("session_items"));

const ITEM_FIELDS = ["song_id", "song_name", "artist_id", "artist_name", "price", "currency", "liked", "liked_since"] as const;

export interface ParsedSession {
  session: SilverRow;
  items: SilverRow[];
}

export function parseApiSession(raw: unknown, ctx: RecordContext): ParsedSession {
  const record = asObject(raw);
  const session_id = castColumn(s.session_id, record.session_id);
  const user_id = castColumn(s.user_id, record.user_id);
  const session_start_time = castColumn(s.session_start_time, record.session_start_time);
  const user_agent = castColumn(s.user_agent, record.user_agent);
  const rawItems = record.session_items;
  if (!Array.isArray(rawItems)) {
    throw new FieldError("session_items", rawItems === undefined || rawItems === null ? "required field is missing" : `wrong type: expected an array, got ${describeType(rawItems)}`);
  }
  const { ingest_on, source_file, processed_at } = ctx.lineage;
  const items: SilverRow[] = rawItems.map((rawItem, index) => {
    const path = `session_items[${index}]`;
    const item = asObject(rawItem, path);
    const row: SilverRow = { session_id, user_id, session_start_time, user_agent, item_number: index + 1 };
    for (const name of ITEM_FIELDS) row[name] = castColumn(i[name], item[name], `${path}.${name}`);
    if ((row.price as number) < 0) throw new FieldError(`${path}.price`, `negative price: ${row.price}`);
    row.ingest_on = ingest_on;
    row.source_file = source_file;
    row.processed_at = processed_at;
    return row;
  });
  const session: SilverRow = { session_id, user_id, session_start_time, user_agent, item_count: items.length, ingest_on, source_file, processed_at };
  return { session, items };
}

export const apiSessions: EntityParser = {
  entity: "api/sessions",
  tables: ["sessions", "session_items"],
  format: "json-array",
  parse: (raw, ctx) => {
    const { session, items } = parseApiSession(raw, ctx);
    return { sessions: [session], session_items: items };
  },
};
