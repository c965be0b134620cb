import type { EntityName } from "../../land/layout.ts";
import type { RecordFormat } from "../../land/records.ts";
import type { Lineage, SilverRow } from "../values.ts";

/** Where a record sits in the landed data, as much as the parser needs (and the quarantine reports). */
export interface RecordContext {
  lineage: Lineage;
  /** Physical line of the record in its file, from 1 (JSON-lines files). */
  line?: number;
  /** Position of the record in its file, from 1. */
  record: number;
  /** The original file name the manifest keeps (Sparkify files), e.g. `song_data/A/A/A/TRAAAAW128F429D538.json`. */
  original?: string;
}

export type { RecordFormat } from "../../land/records.ts";

/**
 * A landed entity's parser: a pure function from one raw record (already JSON-parsed) to the rows it gives
 * in each silver table it feeds. It throws a `FieldError` for an invalid record; then the whole record (and
 * every row it would give) goes to quarantine: the record is the unit of reconciliation.
 */
export interface EntityParser {
  entity: EntityName;
  /** Silver tables fed by the entity, in commit order. */
  tables: readonly string[];
  format: RecordFormat;
  parse(raw: unknown, ctx: RecordContext): Record<string, SilverRow[]>;
}
