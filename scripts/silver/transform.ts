/**
 * One landed record → its silver rows, or its quarantine entry (pure). A record that is not valid JSON,
 * or that its entity's parser refuses, becomes exactly one quarantine entry naming file, record/line,
 * field and reason; nothing else can happen to it, so landed = committed + quarantined by construction.
 */
import type { EntityParser, RecordContext } from "./entities/types.ts";
import type { QuarantineEntry } from "./quarantine.ts";
import type { RawRecord } from "./records.ts";
import { FieldError, type Lineage, type SilverRow } from "./values.ts";

export type TransformResult = { ok: true; rows: Record<string, SilverRow[]> } | { ok: false; entry: QuarantineEntry };

export interface FileContext {
  /** Bucket key of the landed file. */
  key: string;
  /** Original file name from the manifest, if any. */
  original?: string;
  lineage: Lineage;
}

const isBlankText = (text: string) => /^[ \t\r\n]*$/.test(text);

export function transformRecord(parser: EntityParser, raw: RawRecord, file: FileContext): TransformResult {
  if (raw.invalidUtf8) {
    return { ok: false, entry: { file: file.key, record: raw.record, line: raw.line, field: "(record)", reason: "invalid UTF-8 (the text shows U+FFFD where bytes were undecodable)", rawText: raw.text } };
  }
  if (isBlankText(raw.text)) {
    // Only a whole-file record can be blank (records.ts): an empty or whitespace-only song file.
    return { ok: false, entry: { file: file.key, record: raw.record, line: raw.line, field: "(record)", reason: "empty file: no JSON value (a whole-file record must hold one JSON object)", rawText: raw.text } };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch (error) {
    return {
      ok: false,
      entry: { file: file.key, record: raw.record, line: raw.line, field: "(record)", reason: `invalid JSON: ${(error as Error).message}`, rawText: raw.text },
    };
  }
  const ctx: RecordContext = { lineage: file.lineage, line: raw.line, record: raw.record, original: file.original };
  try {
    return { ok: true, rows: parser.parse(value, ctx) };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return { ok: false, entry: { file: file.key, record: raw.record, line: raw.line, field: error.field, reason: error.reason, rawJson: raw.text } };
  }
}
