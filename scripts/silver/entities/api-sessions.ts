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
import { RECORD_FORMAT } from "../../land/records.ts";
import { silverTable } from "../tables.ts";
import { asObject, castColumn, columnsByName, describeType, FieldError, type Lineage, type SilverRow, type SilverValue } from "../values.ts";
import type { EntityParser, RecordContext } from "./types.ts";

const s = columnsByName(silverTable("sessions"));
const i = columnsByName(silverTable("session_items"));

export interface ParsedSession {
  session: SilverRow;
  items: SilverRow[];
}

/** The session columns every item row repeats. */
interface SessionColumns {
  session_id: SilverValue;
  user_id: SilverValue;
  session_start_time: SilverValue;
  user_agent: SilverValue;
}

/** One item's row; its FieldErrors name fields relative to the item ("" for the item itself). */
function itemRow(rawItem: unknown, index: number, session: SessionColumns, lineage: Lineage): SilverRow {
  const item = asObject(rawItem, "");
  const row: SilverRow = {
    session_id: session.session_id,
    user_id: session.user_id,
    session_start_time: session.session_start_time,
    user_agent: session.user_agent,
    item_number: index + 1,
    song_id: castColumn(i.song_id, item.song_id, "song_id"),
    song_name: castColumn(i.song_name, item.song_name, "song_name"),
    artist_id: castColumn(i.artist_id, item.artist_id, "artist_id"),
    artist_name: castColumn(i.artist_name, item.artist_name, "artist_name"),
    price: castColumn(i.price, item.price, "price"),
    currency: castColumn(i.currency, item.currency, "currency"),
    liked: castColumn(i.liked, item.liked, "liked"),
    liked_since: castColumn(i.liked_since, item.liked_since, "liked_since"),
    ingest_on: lineage.ingest_on,
    source_file: lineage.source_file,
    processed_at: lineage.processed_at,
  };
  if ((row.price as number) < 0) throw new FieldError("price", `negative price: ${row.price}`);
  return row;
}

/** An item's FieldError as a path into the record, e.g. `session_items[2].price` (built only on failure). */
function inItem(error: unknown, index: number): unknown {
  if (!(error instanceof FieldError)) return error;
  const path = `session_items[${index}]`;
  return new FieldError(error.field === "" ? path : `${path}.${error.field}`, error.reason);
}

export function parseApiSession(raw: unknown, ctx: RecordContext): ParsedSession {
  const record = asObject(raw);
  const columns: SessionColumns = {
    session_id: castColumn(s.session_id, record.session_id),
    user_id: castColumn(s.user_id, record.user_id),
    session_start_time: castColumn(s.session_start_time, record.session_start_time),
    user_agent: castColumn(s.user_agent, record.user_agent),
  };
  const rawItems = record.session_items;
  if (!Array.isArray(rawItems)) {
    throw new FieldError("session_items", rawItems === undefined || rawItems === null ? "required field is missing" : `wrong type: expected an array, got ${describeType(rawItems)}`);
  }
  const lineage = ctx.lineage;
  const items: SilverRow[] = new Array(rawItems.length);
  for (let index = 0; index < rawItems.length; index++) {
    try {
      items[index] = itemRow(rawItems[index], index, columns, lineage);
    } catch (error) {
      throw inItem(error, index);
    }
  }
  const { session_id, user_id, session_start_time, user_agent } = columns;
  const { ingest_on, source_file, processed_at } = lineage;
  const session: SilverRow = { session_id, user_id, session_start_time, user_agent, item_count: items.length, ingest_on, source_file, processed_at };
  return { session, items };
}

export const apiSessions: EntityParser = {
  entity: "api/sessions",
  tables: ["sessions", "session_items"],
  format: RECORD_FORMAT["api/sessions"],
  parse: (raw, ctx) => {
    const { session, items } = parseApiSession(raw, ctx);
    return { sessions: [session], session_items: items };
  },
};
