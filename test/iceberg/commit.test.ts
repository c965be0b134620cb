/**
 * The commit protocol: replace-partitions leaves one copy, concurrent writers (interleaved in one process
 * and two real processes) both land after a retry, and a crash at each point of a commit (injected, and a
 * real SIGKILL of a child process) leaves the table at its last good snapshot, with orphans for vacuum.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  appendFiles,
  CommitConflictError,
  createTable,
  currentSnapshot,
  DataFileWriter,
  DirectoryCatalog,
  readRows,
  replacePartitions,
  snapshotFiles,
  vacuum,
  type CommitOptions,
  type Row,
} from "../../scripts/iceberg/index.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import { ITEMS, itemRows, tempBucket } from "./fixtures.ts";

const buckets: ReturnType<typeof tempBucket>[] = [];
afterAll(() => buckets.forEach((b) => b.cleanup()));

async function newTable() {
  const bucket = tempBucket();
  buckets.push(bucket);
  await createTable(bucket.storage, bucket.catalog, ITEMS);
  return bucket;
}

type Bucket = Awaited<ReturnType<typeof newTable>>;

async function writeFiles(b: Bucket, rows: Row[]) {
  const { metadata } = (await b.catalog.loadTable(ITEMS.name))!;
  const writer = new DataFileWriter(b.storage, metadata);
  await writer.writeAll(rows);
  return writer.close();
}

async function append(b: Bucket, day: string, rows: number, tag = "v1", options: CommitOptions = {}) {
  return appendFiles(b.storage, b.catalog, ITEMS.name, await writeFiles(b, itemRows(day, rows, tag)), options);
}

async function replace(b: Bucket, day: string, rows: number, tag: string, options: CommitOptions = {}) {
  return replacePartitions(b.storage, b.catalog, ITEMS.name, [day], await writeFiles(b, itemRows(day, rows, tag)), options);
}

/** Rows per partition and per song_name tag prefix, read through the current snapshot; checks the summary totals. */
async function contents(b: Bucket): Promise<{ rows: number; byDay: Record<string, number>; tags: Record<string, number>; snapshotId: bigint | null }> {
  const loaded = (await b.catalog.loadTable(ITEMS.name))!;
  const byDay: Record<string, number> = {};
  const tags: Record<string, number> = {};
  let rows = 0;
  for await (const row of readRows(b.storage, loaded.metadata)) {
    rows++;
    const day = new Date((row.ingest_on as number) * 86_400_000).toISOString().slice(0, 10);
    byDay[day] = (byDay[day] ?? 0) + 1;
    const tag = String(row.song_name).split(" song ")[0];
    tags[tag] = (tags[tag] ?? 0) + 1;
  }
  const snapshot = currentSnapshot(loaded.metadata);
  const files = await snapshotFiles(b.storage, loaded.metadata);
  expect(files.reduce((n, f) => n + f.recordCount, 0)).toBe(rows);
  expect(Number(snapshot?.summary["total-records"] ?? 0)).toBe(rows);
  expect(Number(snapshot?.summary["total-data-files"] ?? 0)).toBe(files.length);
  return { rows, byDay, tags, snapshotId: snapshot?.["snapshot-id"] ?? null };
}

const CHILD = path.resolve("test/iceberg/child-writer.ts");

function child(options: Record<string, unknown>): { proc: ChildProcess; output: () => string; exited: Promise<number | null>; waitFor(text: string): Promise<void> } {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(options)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
  });
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return {
    proc,
    output: () => out + err,
    exited,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        waiters.push({ text, resolve });
        exited.then(() => reject(new Error(`child exited before "${text}": ${out}${err}`)));
      }),
  };
}

describe("replace partitions", () => {
  it("re-running a partition replaces it: exactly one copy, other partitions untouched", async () => {
    const b = await newTable();
    await append(b, "2026-11-01", 30, "v1");
    await append(b, "2026-11-02", 20, "v1");
    await replace(b, "2026-11-01", 25, "v2");
    const result = await replace(b, "2026-11-01", 25, "v3");
    expect(result.deletedFiles).toBe(1);
    expect(result.deletedRecords).toBe(25);
    const now = await contents(b);
    expect(now.byDay).toEqual({ "2026-11-01": 25, "2026-11-02": 20 });
    expect(now.tags).toEqual({ v3: 25, v1: 20 });
  });

  it("replacing with no files empties the partition; files outside the partitions are refused", async () => {
    const b = await newTable();
    await append(b, "2026-11-01", 10);
    await append(b, "2026-11-02", 10);
    await replacePartitions(b.storage, b.catalog, ITEMS.name, ["2026-11-02"], []);
    expect((await contents(b)).byDay).toEqual({ "2026-11-01": 10 });
    const files = await writeFiles(b, itemRows("2026-11-03", 3));
    await expect(replacePartitions(b.storage, b.catalog, ITEMS.name, ["2026-11-01"], files)).rejects.toThrow(/outside the partitions/);
  });
});

describe("concurrent writers", () => {
  it("interleaved commits against the same base: one conflicts, re-reads, retries; both changes land", async () => {
    const b = await newTable();
    await append(b, "2026-11-01", 10, "base");
    let other: Promise<unknown> | null = null;
    // A reaches its pointer swap only after B has committed on the same base.
    const a = await replace(b, "2026-11-01", 12, "A", {
      hooks: {
        afterMetadataFile: async () => {
          if (!other) {
            other = append(b, "2026-11-02", 7, "B");
            await other;
          }
        },
      },
    });
    expect(a.attempts).toBe(2);
    const now = await contents(b);
    expect(now.byDay).toEqual({ "2026-11-01": 12, "2026-11-02": 7 });
    expect(now.tags).toEqual({ A: 12, B: 7 });
    const { metadata } = (await b.catalog.loadTable(ITEMS.name))!;
    expect(metadata.snapshots.map((s) => s.summary.operation)).toEqual(["append", "append", "overwrite"]);
    // the losing attempt's manifests and metadata file were removed; nothing is orphaned
    expect((await vacuum(b.storage, b.catalog, ITEMS.name)).deleted).toEqual([]);
  });

  it("the catalog refuses a stale expected pointer", async () => {
    const b = await newTable();
    const before = (await b.catalog.loadTable(ITEMS.name))!;
    await append(b, "2026-11-01", 3);
    const after = (await b.catalog.loadTable(ITEMS.name))!;
    await expect(b.catalog.commitTable(ITEMS.name, before.metadataLocation, after.metadataLocation)).rejects.toBeInstanceOf(CommitConflictError);
  });

  it("two processes committing at once: every commit lands, history is linear", async () => {
    const b = await newTable();
    const root = b.storage.root;
    const one = child({ root, day: "2026-11-01", rows: 5, commits: 4, mode: "append" });
    const two = child({ root, day: "2026-11-02", rows: 3, commits: 4, mode: "append" });
    expect(await one.exited, one.output()).toBe(0);
    expect(await two.exited, two.output()).toBe(0);
    const now = await contents(b);
    expect(now.byDay).toEqual({ "2026-11-01": 20, "2026-11-02": 12 });
    const { metadata } = (await b.catalog.loadTable(ITEMS.name))!;
    expect(metadata.snapshots).toHaveLength(8);
    metadata.snapshots.forEach((s, i) => {
      expect(s["sequence-number"]).toBe(i + 1);
      if (i > 0) expect(s["parent-snapshot-id"]).toBe(metadata.snapshots[i - 1]["snapshot-id"]);
    });
    expect(metadata["metadata-log"]).toHaveLength(8);
  }, 60_000);
});

describe("crash safety", () => {
  for (const point of ["afterManifests", "afterMetadataFile"] as const) {
    it(`a failure ${point} leaves the last good snapshot; vacuum removes the orphans`, async () => {
      const b = await newTable();
      await append(b, "2026-11-01", 10, "good");
      const good = await contents(b);
      const crash = new Error(`simulated crash ${point}`);
      await expect(replace(b, "2026-11-01", 4, "lost", { hooks: { [point]: () => Promise.reject(crash) } })).rejects.toBe(crash);
      expect(await contents(b)).toEqual(good);
      const swept = await vacuum(b.storage, b.catalog, ITEMS.name);
      const kinds = swept.deleted.map((k) => (k.endsWith(".parquet") ? "data" : k.endsWith(".metadata.json") ? "metadata" : "avro"));
      expect(kinds.filter((k) => k === "data")).toHaveLength(1);
      expect(kinds.includes("metadata")).toBe(point === "afterMetadataFile");
      expect(kinds.filter((k) => k === "avro").length).toBeGreaterThanOrEqual(2);
      expect(await contents(b)).toEqual(good);
      // the table keeps working after the crash
      await replace(b, "2026-11-01", 6, "after");
      expect((await contents(b)).tags).toEqual({ after: 6 });
      expect((await vacuum(b.storage, b.catalog, ITEMS.name)).deleted).toEqual([]);
    });
  }

  it("SIGKILL of a writer process after data files, after manifests, after the metadata file: last good snapshot, orphans vacuumed", async () => {
    // one child per kill point, in parallel (process start-up dominates)
    await Promise.all(
      (["afterData", "afterManifests", "afterMetadataFile"] as const).map(async (point) => {
        const b = await newTable();
        await append(b, "2026-11-01", 8, "good");
        const good = await contents(b);
        const writer = child({ root: b.storage.root, day: "2026-11-01", rows: 5, commits: 1, mode: "replace", pauseAt: point });
        await writer.waitFor(`PAUSED ${point}`);
        writer.proc.kill("SIGKILL");
        expect(await writer.exited).toBe(null);
        expect(await contents(b)).toEqual(good);
        const swept = await vacuum(b.storage, b.catalog, ITEMS.name);
        expect(swept.deleted.some((k) => k.endsWith(".parquet")), point).toBe(true);
        expect(swept.deleted.some((k) => k.endsWith(".avro")), point).toBe(point !== "afterData");
        expect(swept.deleted.some((k) => k.endsWith(".metadata.json")), point).toBe(point === "afterMetadataFile");
        expect(await contents(b)).toEqual(good);
        await append(b, "2026-11-02", 2, "next");
        expect((await contents(b)).byDay).toEqual({ "2026-11-01": 8, "2026-11-02": 2 });
      }),
    );
  }, 60_000);

  it("an orphan metadata file from a crashed writer does not block later commits", async () => {
    const b = await newTable();
    await append(b, "2026-11-01", 4);
    // a crashed writer left a metadata file of version 3 without ever swapping the pointer
    const orphan = "warehouse/silver/session_items/metadata/00003-0b5e3f7c-1d2a-4c9e-8f00-5a6b7c8d9e0f.metadata.json";
    await b.storage.put(orphan, "{}");
    const result = await append(b, "2026-11-02", 4);
    expect(result.metadataLocation).toMatch(/\/00003-[0-9a-f-]{36}\.metadata\.json$/);
    expect(result.metadataLocation.endsWith(orphan)).toBe(false);
    expect((await contents(b)).rows).toBe(8);
    // a fresh catalog object (another process) sees the same table from the markers
    const fresh = new DirectoryCatalog(new LocalStorage(b.storage.root));
    expect((await fresh.loadTable(ITEMS.name))!.metadataLocation).toBe(result.metadataLocation);
    expect((await vacuum(b.storage, b.catalog, ITEMS.name)).deleted).toEqual([orphan]);
  });
});
