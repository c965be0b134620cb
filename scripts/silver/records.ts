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
 *
 * The splitters are synchronous state machines fed one chunk at a time; `splitRecordBatches` yields the
 * records completed by each chunk as one array (one await per chunk, not per record). When a chunk holds
 * the damage that makes a split fail, the records completed before it are yielded first, then the error
 * is thrown: the consumer sees exactly the records that precede the damage, in order.
 */
import { isUtf8 } from "node:buffer";
import type { RecordFormat } from "./entities/types.ts";

export interface RawRecord {
  /** The record's JSON text. */
  text: string;
  /** Position of the record in its file, from 1. */
  record: number;
  /** Physical line, from 1 (JSON lines only). */
  line?: number;
  /** Set when the record's bytes are not valid UTF-8 (the text then holds U+FFFD replacements): it is quarantined. */
  invalidUtf8?: true;
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

/** A record from its bytes; a U+FFFD in the decoded text is checked against the bytes (it may be genuine). */
function rawRecord(text: string, bytes: Buffer, record: number, line?: number): RawRecord {
  const raw: RawRecord = line === undefined ? { text, record } : { text, record, line };
  if (text.includes("\uFFFD") && !isUtf8(bytes)) raw.invalidUtf8 = true;
  return raw;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** A splitter: `push` appends the records a chunk completes to `out`; `end` those of the file's tail. */
interface Splitter {
  push(chunk: Buffer, out: RawRecord[]): void;
  end(out: RawRecord[]): void;
}

class JsonLinesSplitter implements Splitter {
  private pending: Buffer[] = [];
  private line = 0;
  private record = 0;

  push(chunk: Buffer, out: RawRecord[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      this.take(this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece, out);
      this.pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  end(out: RawRecord[]): void {
    if (this.pending.length > 0) this.take(Buffer.concat(this.pending), out);
    this.pending = [];
  }

  /** One physical line: a record unless blank (a BOM before the first line is dropped). */
  private take(bytes: Buffer, out: RawRecord[]): void {
    const line = ++this.line;
    let text = bytes.toString("utf8");
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (!isBlank(text)) out.push(rawRecord(text, bytes, ++this.record, line));
  }
}

const enum State {
  BeforeArray,
  ExpectFirstElement,
  ExpectElement,
  InElement,
  Done,
}

const BOM = [0xef, 0xbb, 0xbf];
const isWs = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/** Splits a top-level JSON array into its elements' texts (see the file comment). */
class JsonArraySplitter implements Splitter {
  private state: State = State.BeforeArray;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Bytes of the current element from earlier chunks. */
  private parts: Buffer[] = [];
  private record = 0;
  /** File offset of the current chunk. */
  private base = 0;

  push(chunk: Buffer, out: RawRecord[]): void {
    const n = chunk.length;
    const base = this.base;
    let { state, depth, inString, escape } = this;
    let i = 0;
    let nextBackslash = -1; // position of the next backslash in this chunk (n: none), -1: not searched yet
    let elementStart = state === State.InElement ? 0 : -1;
    const finishElement = (end: number) => {
      const piece = chunk.subarray(elementStart, end);
      const bytes = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      elementStart = -1;
      out.push(rawRecord(bytes.toString("utf8"), bytes, ++this.record));
    };
    try {
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
              finishElement(i);
              state = State.Done;
            } else depth--;
          } else if (c === 44 && depth === 0) {
            finishElement(i);
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
      if (state === State.InElement && elementStart >= 0 && elementStart < n) this.parts.push(chunk.subarray(elementStart));
    } finally {
      this.state = state;
      this.depth = depth;
      this.inString = inString;
      this.escape = escape;
      this.base = base + n;
    }
  }

  end(): void {
    if (this.state !== State.Done) throw new RecordSplitError(this.state === State.BeforeArray ? "empty file (expected a JSON array)" : "truncated JSON array", this.base);
  }
}

class WholeFileSplitter implements Splitter {
  private readonly parts: Buffer[] = [];

  push(chunk: Buffer): void {
    this.parts.push(chunk);
  }

  end(out: RawRecord[]): void {
    const bytes = Buffer.concat(this.parts);
    const text = bytes.toString("utf8");
    if (!isBlank(text)) out.push(rawRecord(text, bytes, 1, 1));
  }
}

function splitterFor(format: RecordFormat): Splitter {
  switch (format) {
    case "jsonl":
      return new JsonLinesSplitter();
    case "json-array":
      return new JsonArraySplitter();
    case "json-object":
      return new WholeFileSplitter();
  }
}

/** The records of a file, one array per chunk that completes any (see the file comment for failures). */
export async function* splitRecordBatches(format: RecordFormat, chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord[]> {
  const splitter = splitterFor(format);
  const step = function* (feed: (out: RawRecord[]) => void): Generator<RawRecord[]> {
    const out: RawRecord[] = [];
    try {
      feed(out);
    } catch (error) {
      if (out.length > 0) yield out;
      throw error;
    }
    if (out.length > 0) yield out;
  };
  for await (const chunk of chunks) yield* step((out) => splitter.push(chunk, out));
  yield* step((out) => splitter.end(out));
}

/** The records of a file one by one (what the batches hold, flattened). */
export async function* splitRecords(format: RecordFormat, chunks: AsyncIterable<Buffer>): AsyncGenerator<RawRecord> {
  for await (const batch of splitRecordBatches(format, chunks)) yield* batch;
}

export const splitJsonLines = (chunks: AsyncIterable<Buffer>) => splitRecords("jsonl", chunks);
export const splitJsonArray = (chunks: AsyncIterable<Buffer>) => splitRecords("json-array", chunks);
export const wholeFile = (chunks: AsyncIterable<Buffer>) => splitRecords("json-object", chunks);
