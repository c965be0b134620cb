/**
 * Splitting landed files into records, streaming: a file is never held in memory whole (a JSON array
 * response can be gigabytes). Each record comes out as its JSON text with its position; parsing is the
 * caller's (a record that is not valid JSON is quarantined, not fatal).
 *
 * - `jsonl`: one record per non-blank line (blank = only spaces, tabs, CR: the landing manifest counts
 *   rows the same way); `line` is the physical line from 1; the last line may lack its newline.
 * - `json-array`: the file is one top-level JSON array; each element is a record, in order. The split
 *   tracks strings (with escapes) and nesting depth; a file that is not a well-formed array throws a
 *   `RecordSplitError` with the byte offset (landing refuses malformed responses, so this means the
 *   landed data is damaged: the partition fails rather than losing records silently).
 * - `json-object`: the whole file is one record (Sparkify song files, a few hundred bytes).
 * A record whose bytes are not valid UTF-8 is flagged `invalidUtf8` (and quarantined), never silently altered.
 */
import type { RecordFormat } from "./entities/types.ts";

export interface RawRecord {
  /** The record's JSON text. */
  text: string;
  /** Set when the record's bytes are not valid UTF-8 (the text then holds U+FFFD replacements): it is quarantined. */
  invalidUtf8?: true;
  /** Position of the record in its file, from 1. */
  record: number;
  /** Physical line, from 1 (JSON lines only). */
  line?: number;
}

export class RecordSplitError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = "RecordSplitError";
  }
}

const NL = 10;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes a record's bytes; a U+FFFD in the result is checked against the bytes (it may be genuine). */
function decode(bytes: Buffer): { text: string; invalidUtf8?: true } {
  const text = bytes.toString("utf8");
  if (!text.includes("\uFFFD")) return { text };
  try {
    strictUtf8.decode(bytes);
    return { text };
  } catch {
    return { text, invalidUtf8: true };
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

export async function* splitJsonLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  let pending: Buffer[] = [];
  let line = 0;
  let record = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) break;
      line++;
      const piece = chunk.subarray(start, nl);
      const decoded = decode(pending.length > 0 ? Buffer.concat([...pending, piece]) : piece);
      if (line === 1 && decoded.text.charCodeAt(0) === 0xfeff) decoded.text = decoded.text.slice(1);
      pending = [];
      start = nl + 1;
      if (!isBlank(decoded.text)) yield { ...decoded, record: ++record, line };
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    line++;
    const decoded = decode(Buffer.concat(pending));
    if (!isBlank(decoded.text)) yield { ...decoded, record: ++record, line };
  }
}

const enum State {
  BeforeArray,
  ExpectFirstElement,
  ExpectElement,
  InElement,
  AfterElement,
  Done,
}

const BOM = [0xef, 0xbb, 0xbf];
const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/** Splits a top-level JSON array into its elements' texts (see the file comment). */
export async function* splitJsonArray(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  let state: State = State.BeforeArray;
  let depth = 0;
  let inString = false;
  let escape = false;
  let parts: Buffer[] = [];
  let record = 0;
  let base = 0; // file offset of the current chunk
  for await (const chunk of chunks) {
    const n = chunk.length;
    let i = 0;
    let nextBackslash = -1; // position of the next backslash in this chunk (n: none), -1: not searched yet
    let elementStart = state === State.InElement ? 0 : -1;
    const finishElement = (end: number): RawRecord => {
      parts.push(chunk.subarray(elementStart, end));
      const decoded = decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      parts = [];
      elementStart = -1;
      return { ...decoded, record: ++record };
    };
    while (i < n) {
      if (state === State.InElement) {
        if (inString) {
          if (escape) {
            escape = false;
            i++;
            continue;
          }
          // Jump to the next quote (native search), unless a backslash comes first.
          if (nextBackslash < i) {
            nextBackslash = chunk.indexOf(92, i);
            if (nextBackslash === -1) nextBackslash = n;
          }
          let quote = chunk.indexOf(34, i);
          if (quote === -1) quote = n;
          if (nextBackslash < quote) {
            escape = true;
            i = nextBackslash + 1;
            continue;
          }
          if (quote === n) {
            i = n;
            break;
          }
          inString = false;
          i = quote + 1;
          continue;
        }
        const c = chunk[i];
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125) {
          if (depth === 0) throw new RecordSplitError("unbalanced '}' in the JSON array", base + i);
          depth--;
        } else if (c === 93) {
          if (depth === 0) {
            yield finishElement(i);
            state = State.Done;
          } else depth--;
        } else if (c === 44 && depth === 0) {
          yield finishElement(i);
          state = State.ExpectElement;
        }
        i++;
        continue;
      }
      const c = chunk[i];
      if (isWs(c)) {
        i++;
        continue;
      }
      switch (state) {
        case State.BeforeArray:
          // A UTF-8 byte order mark at the very start is skipped.
          if (base + i < 3 && c === BOM[base + i]) break;
          if (c !== 91) throw new RecordSplitError("not a JSON array (expected '[')", base + i);
          state = State.ExpectFirstElement;
          break;
        case State.ExpectFirstElement:
        case State.ExpectElement:
          if (c === 93 && state === State.ExpectFirstElement) {
            state = State.Done;
            break;
          }
          if (c === 93 || c === 44) throw new RecordSplitError("missing array element", base + i);
          state = State.InElement;
          depth = 0;
          inString = false;
          escape = false;
          elementStart = i;
          continue; // the element's first character is processed in InElement
        case State.Done:
          throw new RecordSplitError("data after the end of the JSON array", base + i);
        default:
          break;
      }
      i++;
    }
    if (state === State.InElement && elementStart >= 0 && elementStart < n) parts.push(chunk.subarray(elementStart));
    base += n;
  }
  if (state !== State.Done) throw new RecordSplitError(state === State.BeforeArray ? "empty file (expected a JSON array)" : "truncated JSON array", base);
}

export async function* wholeFile(chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const decoded = decode(Buffer.concat(parts));
  if (!isBlank(decoded.text)) yield { ...decoded, record: 1, line: 1 };
}

export function splitRecords(format: RecordFormat, chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  switch (format) {
    case "jsonl":
      return splitJsonLines(chunks);
    case "json-array":
      return splitJsonArray(chunks);
    case "json-object":
      return wholeFile(chunks);
  }
}
