/** `catalog/songs` → `silver.songs`: the 14 columns of deftunes.songs, typed; one JSON line per row. */
import { RECORD_FORMAT } from "../../land/records.ts";
import { silverTable } from "../tables.ts";
import { asObject, castColumn, dataColumns, type SilverRow } from "../values.ts";
import type { EntityParser, RecordContext } from "./types.ts";

const table = silverTable("songs");
const columns = dataColumns(table);

export function parseCatalogSong(raw: unknown, ctx: RecordContext): SilverRow {
  const record = asObject(raw);
  const row: SilverRow = {};
  for (const column of columns) row[column.name] = castColumn(column, record[column.name]);
  row.ingest_on = ctx.lineage.ingest_on;
  row.source_file = ctx.lineage.source_file;
  row.processed_at = ctx.lineage.processed_at;
  return row;
}

export const catalogSongs: EntityParser = {
  entity: "catalog/songs",
  tables: ["songs"],
  format: RECORD_FORMAT["catalog/songs"],
  parse: (raw, ctx) => ({ songs: [parseCatalogSong(raw, ctx)] }),
};
