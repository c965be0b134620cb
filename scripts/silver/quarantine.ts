/**
 * Quarantine: the records of a landed partition that cannot be typed, one JSON line each:
 *
 *   {"entity":"api/sessions","ingest_on":"2018-11-01","file":"landing/api/sessions/ingest_on=2018-11-01/part-00000.json",
 *    "record":3,"line":null,"field":"session_items[2].price","reason":"negative price: -1","raw":{…as received…}}
 *
 * - `record` is the position of the record in its file from 1, `line` its physical line (JSON lines files)
 *   or null; `field` is a path into the raw record (`(record)` for the record as a whole);
 * - `raw` is the record as received (its JSON text, verbatim but for line breaks, which are whitespace);
 *   a record that is not valid JSON has `raw_text` (the text as a string) instead.
 *
 * Layout: `quarantine/<source>/<entity>/ingest_on=YYYY-MM-DD/part-<run>.jsonl`, one file per run that
 * processed the partition, written before the silver commit. The commit's snapshot summary names the file
 * (and its count), which is what makes it the partition's quarantine: it becomes current in the same
 * atomic step as the rows. Files no current snapshot names (an older run's, or a crashed run's) are removed
 * after the commit and by `lakehouse silver --vacuum`.
 */
import { PassThrough } from "node:stream";
import type { Storage } from "../storage/types.ts";

export interface QuarantineEntry {
  file: string;
  record: number;
  line?: number;
  field: string;
  reason: string;
  /** The record's JSON text when it parsed, else undefined. */
  rawJson?: string;
  /** The record's text when it is not valid JSON. */
  rawText?: string;
}

export function quarantinePrefix(entity: string, ingestOn: string): string {
  return `quarantine/${entity}/ingest_on=${ingestOn}/`;
}

export function quarantineKey(entity: string, ingestOn: string, run: string): string {
  return `${quarantinePrefix(entity, ingestOn)}part-${run}.jsonl`;
}

/** One quarantine line (with its newline). */
export function quarantineLine(entity: string, ingestOn: string, entry: QuarantineEntry): string {
  const head = JSON.stringify({
    entity,
    ingest_on: ingestOn,
    file: entry.file,
    record: entry.record,
    line: entry.line ?? null,
    field: entry.field,
    reason: entry.reason,
  });
  // Valid JSON text holds line breaks only as whitespace between tokens: replacing them keeps the value.
  const raw = entry.rawJson !== undefined ? `,"raw":${entry.rawJson.replace(/[\r\n]/g, " ")}` : `,"raw_text":${JSON.stringify(entry.rawText ?? "")}`;
  return `${head.slice(0, -1)}${raw}}\n`;
}

/**
 * Streams one partition's quarantine lines to the bucket, opening the object on the first entry only
 * (a partition with no bad record has no quarantine file). Memory: one stream buffer.
 */
export class QuarantineWriter {
  count = 0;
  private stream: PassThrough | undefined;
  private done: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    readonly entity: string,
    readonly ingestOn: string,
    readonly key: string,
  ) {}

  async add(entry: QuarantineEntry): Promise<void> {
    if (!this.stream) {
      this.stream = new PassThrough();
      this.done = this.storage.put(this.key, this.stream);
      // Surface a failed write at close(); avoid an unhandled rejection meanwhile.
      this.done.catch(() => undefined);
    }
    this.count++;
    if (!this.stream.write(quarantineLine(this.entity, this.ingestOn, entry))) {
      // A failed write rejects `done`: never wait for a drain that will not come.
      await Promise.race([new Promise<void>((resolve) => this.stream!.once("drain", resolve)), this.done]);
    }
  }

  /** Finishes the object; returns its key, or null when nothing was quarantined. */
  async close(): Promise<string | null> {
    if (!this.stream) return null;
    this.stream.end();
    await this.done;
    return this.key;
  }

  /** Abandons the object (after a failure): removes whatever was written. */
  async abort(): Promise<void> {
    if (!this.stream) return;
    this.stream.destroy();
    await this.done?.catch(() => undefined);
    await this.storage.delete(this.key).catch(() => undefined);
  }
}
