/**
 * What a record is, for every landed format: the one definition of record boundaries that landing's row
 * counts (the manifest's `rows`) and silver's splitters both run, so that they agree by construction.
 *
 * - A UTF-8 byte order mark (EF BB BF) at the very start of a file is not content, in every format.
 * - `jsonl`: a record is a line (ended by LF or by the end of the file) holding a byte other than space,
 *   tab or CR; blank and whitespace-only lines are no records; CRLF is LF with a CR that JSON ignores; a
 *   file of blank lines (or an empty file) holds 0 records. Anything else on a line is a record, valid JSON
 *   or not (silver quarantines the invalid ones); a lone CR does not end a line.
 * - `json-array`: the file is one top-level JSON array; each element is a record, in order. A file that is
 *   not a well-formed array throws a `RecordSplitError` with its byte offset (landing refuses such
 *   responses, so in silver it means the landed data is damaged).
 * - `json-object`: the whole file is exactly one record, whatever it holds: an empty or blank file is one
 *   record too (silver quarantines it with the reason "empty file"), so a landed file is never lost from
 *   the counts.
 *
 * The splitters are synchronous state machines fed one chunk at a time. With `wantBytes` false (landing's
 * count) they never copy a record's bytes; with it they hand each record's bytes to the sink.
 */
import type { EntityName } from "./layout.ts";

/** How a landed file splits into records. */
export type RecordFormat =
  /** One JSON value per non-blank line (catalog rows, Sparkify logs). */
  | "jsonl"
  /** The file is one top-level JSON array; each element is a record (API responses as received). */
  | "json-array"
  /** The file is one JSON object: one record (Sparkify song files). */
  | "json-object";

/** The record format of every landed entity (landing counts with it, silver splits with it). */
export const RECORD_FORMAT: Record<EntityName, RecordFormat> = {
  "catalog/songs": "jsonl",
  "api/users": "json-array",
  "api/sessions": "json-array",
  "sparkify/songs": "json-object",
  "sparkify/events": "jsonl",
};

export class RecordSplitError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = "RecordSplitError";
  }
}

/** Receives each record: its bytes (undefined when not wanted), its number from 1 and its line (JSON lines). */
export type RecordSink = (bytes: Buffer | undefined, record: number, line?: number) => void;

const NL = 10;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const isLineSpace = (c: number) => c === 32 || c === 9 || c === 13;
const isWs = (c: number) => isLineSpace(c) || c === NL;

interface Splitter {
  push(chunk: Buffer): void;
  end(): void;
}

class JsonLinesSplitter implements Splitter {
  private pending: Buffer[] = [];
  private content = false;
  private line = 0;
  private record = 0;

  constructor(
    private readonly sink: RecordSink,
    private readonly wantBytes: boolean,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.content) {
        for (let i = start; i < end; i++) {
          if (!isLineSpace(chunk[i])) {
            this.content = true;
            break;
          }
        }
      }
      if (nl === -1) {
        if (this.wantBytes && start < chunk.length) this.pending.push(chunk.subarray(start));
        return;
      }
      this.finishLine(chunk.subarray(start, nl));
      start = nl + 1;
    }
  }

  end(): void {
    if (this.pending.length > 0 || this.content) this.finishLine(Buffer.alloc(0));
  }

  private finishLine(last: Buffer): void {
    const line = ++this.line;
    if (this.content) {
      const bytes = this.wantBytes ? (this.pending.length > 0 ? Buffer.concat([...this.pending, last]) : last) : undefined;
      this.sink(bytes, ++this.record, line);
    }
    this.pending = [];
    this.content = false;
  }
}

const enum State {
  BeforeArray,
  ExpectFirstElement,
  ExpectElement,
  InElement,
  Done,
}

/** Splits a top-level JSON array into its elements (see the file comment). */
class JsonArraySplitter implements Splitter {
  private state: State = State.BeforeArray;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Bytes of the current element from earlier chunks (only when bytes are wanted). */
  private parts: Buffer[] = [];
  private record = 0;

  constructor(
    private readonly sink: RecordSink,
    private readonly wantBytes: boolean,
    /** File offset of the next chunk (3 after a byte order mark). */
    private base: number,
  ) {}

  push(chunk: Buffer): void {
    const n = chunk.length;
    const base = this.base;
    let { state, depth, inString, escape } = this;
    let i = 0;
    let nextBackslash = -1; // position of the next backslash in this chunk (n: none), -1: not searched yet
    let elementStart = state === State.InElement ? 0 : -1;
    const finishElement = (end: number) => {
      let bytes: Buffer | undefined;
      if (this.wantBytes) {
        const piece = chunk.subarray(elementStart, end);
        bytes = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
        this.parts = [];
      }
      elementStart = -1;
      this.sink(bytes, ++this.record);
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
      if (this.wantBytes && state === State.InElement && elementStart >= 0 && elementStart < n) this.parts.push(chunk.subarray(elementStart));
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

/** The whole file is one record, empty or not. */
class WholeFileSplitter implements Splitter {
  private readonly parts: Buffer[] = [];

  constructor(
    private readonly sink: RecordSink,
    private readonly wantBytes: boolean,
  ) {}

  push(chunk: Buffer): void {
    if (this.wantBytes) this.parts.push(chunk);
  }

  end(): void {
    this.sink(this.wantBytes ? Buffer.concat(this.parts) : undefined, 1, 1);
  }
}

/**
 * A file's records, chunk by chunk: drops a leading byte order mark (held back until three bytes are
 * known), then runs the format's splitter. `push`/`end` call the sink for each record they complete.
 */
export class RecordScanner {
  private head: Buffer | null = Buffer.alloc(0);
  private splitter: Splitter | undefined;

  constructor(
    private readonly format: RecordFormat,
    private readonly sink: RecordSink,
    private readonly wantBytes = true,
  ) {}

  push(chunk: Buffer): void {
    if (this.head === null) return this.splitter!.push(chunk);
    const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    if (head.length < BOM.length && BOM.subarray(0, head.length).equals(head)) {
      this.head = head;
      return;
    }
    this.start(head);
  }

  end(): void {
    if (this.head !== null) this.start(this.head);
    this.splitter!.end();
  }

  private start(head: Buffer): void {
    const bom = head.length >= BOM.length && head.subarray(0, BOM.length).equals(BOM);
    this.head = null;
    const offset = bom ? BOM.length : 0;
    this.splitter =
      this.format === "jsonl"
        ? new JsonLinesSplitter(this.sink, this.wantBytes)
        : this.format === "json-array"
          ? new JsonArraySplitter(this.sink, this.wantBytes, offset)
          : new WholeFileSplitter(this.sink, this.wantBytes);
    const rest = head.subarray(offset);
    if (rest.length > 0) this.splitter.push(rest);
  }
}

/** Counts the records of a file as it streams (landing's manifest rows): the same scanner, no copies. */
export class RecordCounter {
  records = 0;
  private readonly scanner: RecordScanner;

  constructor(format: RecordFormat) {
    this.scanner = new RecordScanner(format, () => this.records++, false);
  }

  push(chunk: Buffer): void {
    this.scanner.push(chunk);
  }

  /** The file's record count (throws a RecordSplitError for a malformed JSON array). */
  end(): number {
    this.scanner.end();
    return this.records;
  }
}

/** The records of a whole buffer (tests, small bodies). */
export function countRecords(format: RecordFormat, body: Buffer | string): number {
  const counter = new RecordCounter(format);
  counter.push(Buffer.isBuffer(body) ? body : Buffer.from(body));
  return counter.end();
}
