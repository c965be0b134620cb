/**
 * The record boundaries landing counts and silver splits are one definition (scripts/land/records.ts):
 * every shape of file below is landed with the real stager (its manifest `rows`), read back by silver's
 * reader (which checks that count) and transformed, and landed = committed + quarantined holds.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { EntityName } from "../../scripts/land/layout.ts";
import { countRecords, RECORD_FORMAT } from "../../scripts/land/records.ts";
import { PartitionStager } from "../../scripts/land/stager.ts";
import { PARSERS } from "../../scripts/silver/entities/index.ts";
import { readLandedFile } from "../../scripts/silver/landed.ts";
import { transformRecord } from "../../scripts/silver/transform.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import { sparkifyLog, sparkifySongFiles, USER } from "../silver/fixtures.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "records-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const BOM = "\uFEFF";
const [e1, e2] = sparkifyLog("2018-11-01").split("\n");
const users = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify(USER(i)));
const song = sparkifySongFiles(1)[0];
const songText = song.body.toString();

interface Shape {
  name: string;
  entity: EntityName;
  body: string;
  records: number;
  committed: number;
  original?: string;
}

const SHAPES: Shape[] = [
  // JSON lines (Sparkify logs, catalog rows)
  { name: "jsonl: empty file", entity: "sparkify/events", body: "", records: 0, committed: 0 },
  { name: "jsonl: only a BOM", entity: "sparkify/events", body: BOM, records: 0, committed: 0 },
  { name: "jsonl: first line only a BOM (issue 22.2)", entity: "sparkify/events", body: `${BOM}\n${e1}\n${e2}\n`, records: 2, committed: 2 },
  { name: "jsonl: BOM before the first record", entity: "sparkify/events", body: `${BOM}${e1}\n${e2}`, records: 2, committed: 2 },
  { name: "jsonl: blank and whitespace lines", entity: "sparkify/events", body: `  \n\t\n${e1}\n \r\n\n${e2}\n \t `, records: 2, committed: 2 },
  { name: "jsonl: CRLF line ends", entity: "sparkify/events", body: `${e1}\r\n${e2}\r\n\r\n`, records: 2, committed: 2 },
  { name: "jsonl: no final newline", entity: "sparkify/events", body: `${e1}\n${e2}`, records: 2, committed: 2 },
  { name: "jsonl: a lone CR does not end a line", entity: "sparkify/events", body: `${e1}\r${e2}\n`, records: 1, committed: 0 },
  { name: "jsonl: a no-break space is content", entity: "sparkify/events", body: `${e1}\n\u00a0\n${e2}\n`, records: 3, committed: 2 },
  { name: "jsonl: a BOM on a later line is content", entity: "sparkify/events", body: `${e1}\n${BOM}${e2}\n`, records: 2, committed: 1 },
  // JSON arrays (API responses)
  { name: "json-array: empty array", entity: "api/users", body: "[]", records: 0, committed: 0 },
  { name: "json-array: BOM, CRLF and indentation", entity: "api/users", body: `${BOM}[\r\n  ${users(3).join(",\r\n  ")}\r\n]\r\n`, records: 3, committed: 3 },
  { name: "json-array: a bad element", entity: "api/users", body: `[${users(2).join(",")},{"user_id":1}]`, records: 3, committed: 2 },
  // Whole-file records (Sparkify song files)
  { name: "json-object: a song file", entity: "sparkify/songs", body: songText, records: 1, committed: 1, original: song.original },
  { name: "json-object: BOM before the object (issue 22.6)", entity: "sparkify/songs", body: `${BOM}${songText}`, records: 1, committed: 1, original: song.original },
  { name: "json-object: CRLF pretty-printed", entity: "sparkify/songs", body: JSON.stringify(JSON.parse(songText), null, 2).replace(/\n/g, "\r\n"), records: 1, committed: 1, original: song.original },
  { name: "json-object: empty file (issue 22.1)", entity: "sparkify/songs", body: "", records: 1, committed: 0, original: song.original },
  { name: "json-object: only whitespace and a BOM", entity: "sparkify/songs", body: `${BOM} \r\n\n`, records: 1, committed: 0, original: song.original },
];

describe("record boundaries shared by landing and silver", () => {
  it.each(SHAPES)("$name", async (shape) => {
    const format = RECORD_FORMAT[shape.entity];
    const bytes = Buffer.from(shape.body);
    expect(countRecords(format, bytes)).toBe(shape.records);
    for (const size of [1, 2, 5, 1 << 16]) {
      const storage = new LocalStorage(path.join(dir, `${shape.name.replace(/\W+/g, "-")}-${size}`));
      const stager = new PartitionStager(storage, shape.entity, "2018-11-01", "json");
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
      const file = await stager.addFile(Readable.from(chunks), { original: shape.original });
      const manifest = await stager.publish({ source: "test", format: "json", origin: { kind: "files", root: "test" }, window: { start_date: "2018-11-01", end_date: "2018-11-01" }, startedAt: new Date() });
      expect(manifest.rows).toBe(shape.records);
      // Silver reads the landed file back (its reader refuses a count that differs from the manifest).
      let landed = 0;
      let committed = 0;
      let quarantined = 0;
      const lineage = { ingest_on: 17836, source_file: file.key, processed_at: 0n };
      for await (const batch of readLandedFile(storage, file, format)) {
        for (const raw of batch) {
          landed++;
          const result = transformRecord(PARSERS[shape.entity], raw, { key: file.key, original: shape.original, lineage });
          if (result.ok) committed++;
          else {
            quarantined++;
            expect(result.entry.reason).not.toBe("");
          }
        }
      }
      expect({ landed, committed, quarantined }).toEqual({ landed: shape.records, committed: shape.committed, quarantined: shape.records - shape.committed });
    }
  });

  it("an empty song file is quarantined as an empty file, not as a JSON error", async () => {
    const storage = new LocalStorage(path.join(dir, "empty-song"));
    const stager = new PartitionStager(storage, "sparkify/songs", "2018-11-01", "json");
    const file = await stager.addFile("", { original: song.original });
    await stager.publish({ source: "test", format: "json", origin: { kind: "files", root: "test" }, window: { start_date: "2018-11-01", end_date: "2018-11-01" }, startedAt: new Date() });
    const lineage = { ingest_on: 17836, source_file: file.key, processed_at: 0n };
    const results = [];
    for await (const batch of readLandedFile(storage, file, "json-object")) {
      for (const raw of batch) results.push(transformRecord(PARSERS["sparkify/songs"], raw, { key: file.key, original: song.original, lineage }));
    }
    expect(results).toEqual([{ ok: false, entry: expect.objectContaining({ field: "(record)", reason: expect.stringMatching(/^empty file/) }) }]);
  });

  it("a source count that disagrees with the boundaries is refused at landing", async () => {
    const stager = new PartitionStager(new LocalStorage(path.join(dir, "disagree")), "sparkify/events", "2018-11-01", "json");
    await expect(stager.addFile(`${BOM}\n${e1}\n`, { rows: 2 })).rejects.toThrow(/holds 1 records by the record boundaries of jsonl but the source gave 2/);
    await stager.abort();
  });
});
