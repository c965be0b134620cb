import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { jsonErrorOffset } from "../../scripts/land/jsonOffset.ts";
import { checkDate, daysOf, partitionPrefix } from "../../scripts/land/layout.ts";
import { contentSha256 } from "../../scripts/land/manifest.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { PartitionStager } from "../../scripts/land/stager.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stager-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const publish = { source: "sparkify", format: "jsonl" as const, origin: { kind: "files" as const, root: "/x" }, window: { start_date: "2018-11-01", end_date: "2018-11-01" }, startedAt: new Date() };

describe("partition staging", () => {
  it("keeps a partition invisible until published, and a crashed one invisible for ever", async () => {
    const storage = new LocalStorage(path.join(dir, "a"));
    const crashed = new PartitionStager(storage, "sparkify/events", "2018-11-01", "json");
    await crashed.addFile("a\nb\n");
    expect(await listPartitions(storage, "sparkify/events")).toEqual([]);
    // A second landing of the same day publishes; the crashed staging never shows up.
    const stager = new PartitionStager(storage, "sparkify/events", "2018-11-01", "json");
    const file = await stager.addFile(Readable.from([Buffer.from("x\n\n  \ny"), Buffer.from("z\n")]), { original: "2018/11/2018-11-01-events.json" });
    expect(file).toMatchObject({ name: "part-00000.json", rows: 2, bytes: 9, original: "2018/11/2018-11-01-events.json" });
    expect(await listPartitions(storage, "sparkify/events")).toEqual([]);
    const manifest = await stager.publish(publish);
    const listed = await listPartitions(storage, "sparkify/events");
    expect(listed).toEqual([{ ingestOn: "2018-11-01", prefix: partitionPrefix("sparkify/events", "2018-11-01"), manifest }]);
    expect(manifest.content_sha256).toBe(contentSha256(manifest.files));
    expect((await storage.get(file.key)).toString()).toBe("x\n\n  \nyz\n");
    await crashed.abort();
    expect(await storage.list("_staging/")).toEqual([]);
  });

  it("replaces a partition on re-publish, never adding files", async () => {
    const storage = new LocalStorage(path.join(dir, "b"));
    for (const parts of [["1\n", "2\n", "3\n"], ["4\n"]]) {
      const stager = new PartitionStager(storage, "catalog/songs", "2018-11-30", "jsonl");
      for (const p of parts) await stager.addFile(p);
      await stager.publish(publish);
    }
    const keys = (await storage.list("landing/")).map((o) => o.key);
    expect(keys).toEqual(["landing/catalog/songs/ingest_on=2018-11-30/_manifest.json", "landing/catalog/songs/ingest_on=2018-11-30/part-00000.jsonl"]);
    const [p] = await listPartitions(storage, "catalog/songs");
    expect(p.manifest.rows).toBe(1);
  });

  it("checks dates and windows", () => {
    expect(daysOf("2018-11-29", "2018-12-02")).toEqual(["2018-11-29", "2018-11-30", "2018-12-01", "2018-12-02"]);
    for (const bad of ["2018-11-31", "2018-1-01", "../2018-11-01", "2018-11-01/..", ""]) expect(() => checkDate(bad, "end_date")).toThrow(/refused date/);
    expect(() => daysOf("2018-11-02", "2018-11-01")).toThrow(/after/);
  });

  it("finds the offset of the first JSON syntax error", () => {
    for (const text of ['[{"a":1},{"b":[true,false,null,"x\\"y",-1.5e3]}]', "[]", ' {"k": "v"} ']) expect(jsonErrorOffset(text)).toBeNull();
    expect(jsonErrorOffset('[{"a":1},<!-- x -->{"b":2}]')).toBe(9);
    expect(jsonErrorOffset('[{"a":1},{"b":2')).toBe(15);
    expect(jsonErrorOffset('[{"a":tru}]')).toBe(6);
    expect(jsonErrorOffset('[1,2] x')).toBe(6);
  });
});
