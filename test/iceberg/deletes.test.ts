/**
 * A silver table after other engines committed to it (simulated, test/iceberg/foreign.ts): a compaction
 * (a `replace` snapshot with deleted and added files), a position delete and an equality delete (v2
 * row-level deletes, as Athena DELETE/MERGE or Spark merge-on-read write them). The reader applies the
 * deletes by the spec's sequence number rules; this library's next commit keeps the delete manifest
 * unchanged (content type included) and the deletes keep applying.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appendFiles,
  createTable,
  currentSnapshot,
  DataFileWriter,
  readManifest,
  readManifestList,
  readRows,
  replacePartitions,
  snapshotFiles,
  type DataFile,
  type LiveDataFile,
  type Row,
} from "../../scripts/iceberg/index.ts";
import { snapshotScan } from "../../scripts/iceberg/reader.ts";
import { LakehouseError } from "../../scripts/core/errors.ts";
import { ITEMS, itemRows, tempBucket } from "./fixtures.ts";
import { equalityDeleteFile, foreignCommit, foreignEntry as entry, positionDeleteFile } from "./foreign.ts";
import { parseDate } from "../../scripts/iceberg/values.ts";

const b = tempBucket();
afterAll(() => b.cleanup());
const NAME = ITEMS.name;
const DAY1 = "2026-11-01";
const DAY2 = "2026-11-02";

async function writeFiles(rows: Row[]): Promise<DataFile[]> {
  const { metadata } = (await b.catalog.loadTable(NAME))!;
  const writer = new DataFileWriter(b.storage, metadata);
  await writer.writeAll(rows);
  return writer.close();
}

async function rows(): Promise<Row[]> {
  const { metadata } = (await b.catalog.loadTable(NAME))!;
  const out: Row[] = [];
  for await (const row of readRows(b.storage, metadata)) out.push(row);
  return out;
}

const names = (list: Row[]) => list.map((r) => String(r.song_name)).sort();
const day1v1 = itemRows(DAY1, 10, "a");
const day1v2 = itemRows(DAY1, 5, "b");
const day2 = itemRows(DAY2, 8, "c");
let compacted: LiveDataFile;

beforeAll(async () => {
  await createTable(b.storage, b.catalog, ITEMS);
  await appendFiles(b.storage, b.catalog, NAME, await writeFiles(day1v1));
  await appendFiles(b.storage, b.catalog, NAME, await writeFiles([...day1v2, ...day2]));
});

describe("after another engine's commits", () => {
  it("a compaction (replace snapshot: two files of a day deleted, one added) reads every row once", async () => {
    expect(await rows()).toHaveLength(23);
    const { metadata } = (await b.catalog.loadTable(NAME))!;
    const live = await snapshotFiles(b.storage, metadata);
    const day1Files = live.filter((f) => f.partition === DAY1);
    expect(day1Files).toHaveLength(2);
    // the compacting engine rewrites day 1's rows into one file (the first file's rows, then the second's)
    const [merged] = await writeFiles([...day1v1, ...day1v2]);
    const { snapshotId } = await foreignCommit(b.storage, b.catalog, NAME, "replace", (_parents, id, seq) => ({
      keep: [],
      manifests: [{ content: "data", entries: [...day1Files.map((f) => entry(2, f, id, seq)), entry(1, merged, id, seq), ...live.filter((f) => f.partition === DAY2).map((f) => entry(0, f, id, seq))] }],
    }));
    expect(snapshotId > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const after = (await b.catalog.loadTable(NAME))!.metadata;
    expect(currentSnapshot(after)!.summary.operation).toBe("replace");
    const files = await snapshotFiles(b.storage, after);
    expect(files.filter((f) => f.partition === DAY1).map((f) => f.path)).toEqual([merged.file_path]);
    compacted = files.find((f) => f.partition === DAY1)!;
    expect(names(await rows())).toEqual(names([...day1v1, ...day1v2, ...day2]));
  });

  it("a position delete (one file per partition) removes exactly the rows at those positions", async () => {
    const { metadata } = (await b.catalog.loadTable(NAME))!;
    const day2File = (await snapshotFiles(b.storage, metadata)).find((f) => f.partition === DAY2)!;
    const tableKey = b.catalog.tableKey(NAME);
    const del1 = await positionDeleteFile(b.storage, `${tableKey}/data/ingest_on=${DAY1}/pos-del-1.parquet`, [{ path: compacted.path, pos: 0 }, { path: compacted.path, pos: 12 }], { ingest_on: parseDate(DAY1) });
    const del2 = await positionDeleteFile(b.storage, `${tableKey}/data/ingest_on=${DAY2}/pos-del-2.parquet`, [{ path: day2File.path, pos: 3 }], { ingest_on: parseDate(DAY2) });
    await foreignCommit(b.storage, b.catalog, NAME, "delete", (parents, id, seq) => ({ keep: parents, manifests: [{ content: "deletes", entries: [entry(1, del1, id, seq), entry(1, del2, id, seq)] }] }));

    const loaded = (await b.catalog.loadTable(NAME))!.metadata;
    const scan = await snapshotScan(b.storage, loaded);
    expect(scan.deleteFiles.map((f) => [f.content, f.recordCount])).toEqual([[1, 2], [1, 1]]);
    expect(scan.dataFiles).toHaveLength(2);
    const deleted = [day1v1[0], day1v2[2], day2[3]]; // positions 0 and 12 of the compacted file (10 + 2), 3 of day 2's
    const expected = [...day1v1, ...day1v2, ...day2].filter((r) => !deleted.includes(r));
    expect(names(await rows())).toEqual(names(expected));
  });

  it("an equality delete applies to older data files of its partition only (sequence number <, same partition)", async () => {
    const target = day2[5];
    const songId = ITEMS.columns.find((c) => c.name === "song_id")!;
    const field = { id: songId.id, name: songId.name, type: songId.type, required: false };
    const tableKey = b.catalog.tableKey(NAME);
    const eq = await equalityDeleteFile(b.storage, `${tableKey}/data/ingest_on=${DAY2}/eq-del.parquet`, [field], [{ song_id: target.song_id }], { ingest_on: parseDate(DAY2) });
    await foreignCommit(b.storage, b.catalog, NAME, "delete", (parents, id, seq) => ({ keep: parents, manifests: [{ content: "deletes", entries: [entry(1, eq, id, seq)] }] }));
    // day 1 has a row with the same song_id (itemRows numbers songs per row index): not in the delete's partition
    expect(day1v1[5].song_id).toBe(target.song_id);
    const now = await rows();
    expect(now.filter((r) => r.song_id === target.song_id).map((r) => r.song_name)).toEqual([day1v1[5].song_name]);
    expect(now).toHaveLength(23 - 3 - 1);
    // a row appended later with the same key is newer than the delete: it stays
    await appendFiles(b.storage, b.catalog, NAME, await writeFiles([{ ...target, song_name: "re-added" }]));
    expect((await rows()).filter((r) => r.song_name === "re-added")).toHaveLength(1);
  });

  it("this library's replace-partitions commit keeps the delete manifests unchanged, and their deletes keep applying", async () => {
    const before = (await b.catalog.loadTable(NAME))!.metadata;
    const deleteManifests = (await readManifestList(b.storage, currentSnapshot(before)!)).filter((m) => m.content === 1);
    expect(deleteManifests).toHaveLength(2);
    const fresh = itemRows(DAY1, 4, "d");
    await replacePartitions(b.storage, b.catalog, NAME, [DAY1], await writeFiles(fresh));
    const after = (await b.catalog.loadTable(NAME))!.metadata;
    const manifests = await readManifestList(b.storage, currentSnapshot(after)!);
    expect(manifests.filter((m) => m.content === 1)).toEqual(deleteManifests);
    for (const m of deleteManifests) expect((await readManifest(b.storage, m)).every((e) => e.data_file.content > 0)).toBe(true);
    const now = await rows();
    const day2Now = now.filter((r) => r.ingest_on === parseDate(DAY2));
    expect(names(day2Now)).toEqual(names([...day2.filter((r) => r !== day2[3] && r !== day2[5]), { song_name: "re-added" }]));
    expect(names(now.filter((r) => r.ingest_on === parseDate(DAY1)))).toEqual(names(fresh));
    // the foreign snapshots had no totals: those the manifest list gives exactly are derived, the others left out
    expect(currentSnapshot(after)!.summary).toMatchObject({ "total-records": String(4 + 8 + 1), "total-data-files": "3", "total-delete-files": "3" }); // 2 position + 1 equality
    expect(currentSnapshot(after)!.summary["total-position-deletes"]).toBeUndefined();
  });

  it("refuses a deletion vector (Puffin) naming the delete manifest", async () => {
    const tableKey = b.catalog.tableKey(NAME);
    const dv = await positionDeleteFile(b.storage, `${tableKey}/data/dv.puffin`, [{ path: compacted.path, pos: 1 }], { ingest_on: parseDate(DAY1) });
    const { metadataLocation } = await foreignCommit(b.storage, b.catalog, NAME, "delete", (parents, id, seq) => ({
      keep: parents,
      manifests: [{ content: "deletes", entries: [entry(1, { ...dv, file_format: "PUFFIN" }, id, seq)] }],
    }));
    expect(metadataLocation).toMatch(/\.metadata\.json$/);
    const error = await rows().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakehouseError);
    expect((error as LakehouseError).oneLine()).toMatch(/^iceberg: \S+\/foreign-[0-9a-f-]+-m0\.avro field file_format: delete file \S+dv\.puffin is a deletion vector \(Puffin\)/);
  });
});
