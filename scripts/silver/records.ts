/**
 * Splitting landed files into records, streaming: a file is never held in memory whole (a JSON array
 * response can be gigabytes). Each record comes out as its JSON text with its position; parsing is the
 * caller's (a record that is not valid JSON is quarantined, not fatal).
 *
 * Where a record starts and ends is landing's definition (scripts/land/records.ts: byte order mark, blank
 * lines, CRLF, empty files, whole-file records), the same code that counted the manifest's rows, so the
 * counts of both stages agree by construction. This module turns those records into text:
 * - `line` is the physical line from 1 (JSON lines), `record` the position in the file from 1;
 * - a record whose bytes are not valid UTF-8 is flagged `invalidUtf8` (and quarantined), never silently altered.
 *
 * `splitRecordBatches` yields the records completed by each chunk as one array (one await per chunk, not
 * per record). When a chunk holds the damage that makes a split fail, the records completed before it are
 * yielded first, then the error is thrown: the consumer sees exactly the records that precede the damage.
 */
import { isUtf8 } from "node:buffer";
import { RecordScanner, type RecordFormat } from "../land/records.ts";

export { RecordSplitError } from "../land/records.ts";

export interface RawRecord {
  /** The record's JSON text. */
  text: string;
  /** Position of the record in its file, from 1. */
  record: number;
  /** Physical line, from 1 (JSON lines and whole-file records). */
  line?: number;
  /** Set when the record's bytes are not valid UTF-8 (the text then holds U+FFFD replacements): it is quarantined. */
  invalidUtf8?: true;
}

/** A record from its bytes; a U+FFFD in the decoded text is checked against the bytes (it may be genuine). */
function rawRecord(bytes: Buffer, record: number, line?: number): RawRecord {
  const text = bytes.toString("utf8");
  const raw: RawRecord = line === undefined ? { text, record } : { text, record, line };
  if (text.includes("\uFFFD") && !isUtf8(bytes)) raw.invalidUtf8 = true;
  return raw;
}

/** The records of a file, one array per chunk that completes any (see the file comment for failures). */
export async function* splitRecordBatches(format: RecordFormat, chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord[]> {
  let out: RawRecord[] = [];
  const scanner = new RecordScanner(format, (bytes, record, line) => out.push(rawRecord(bytes!, record, line)));
  const step = function* (feed: () => void): Generator<RawRecord[]> {
    out = [];
    try {
      feed();
    } catch (error) {
      if (out.length > 0) yield out;
      throw error;
    }
    if (out.length > 0) yield out;
  };
  for await (const chunk of chunks) yield* step(() => scanner.push(chunk));
  yield* step(() => scanner.end());
}

/** The records of a file one by one (what the batches hold, flattened). */
export async function* splitRecords(format: RecordFormat, chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  for await (const batch of splitRecordBatches(format, chunks)) yield* batch;
}

export const splitJsonLines = (chunks: AsyncIterable<Buffer>) => splitRecords("jsonl", chunks);
export const splitJsonArray = (chunks: AsyncIterable<Buffer>) => splitRecords("json-array", chunks);
export const wholeFile = (chunks: AsyncIterable<Buffer>) => splitRecords("json-object", chunks);
