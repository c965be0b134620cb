/**
 * `lakehouse iceberg describe|snapshots|files|scan` through the real CLI (a child process), on a table this
 * project wrote and on tables built from the reference files of other implementations (a foreign data file
 * and a position delete on the spec's minimal metadata vector).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFiles, createTable, DataFileWriter, replacePartitions, type IcebergField } from "../../scripts/iceberg/index.ts";
import { isoMicros } from "../../scripts/iceberg/inspect.ts";
import { parseExactJson } from "../../scripts/iceberg/metadata-json.ts";
import { ParquetFileWriter } from "../../scripts/iceberg/parquet.ts";
import { dataFileOf } from "../../scripts/iceberg/writer.ts";
import { ITEMS, itemRows, tempBucket } from "./fixtures.ts";
import { foreignCommit, foreignEntry, foreignTable, positionDeleteFile } from "./foreign.ts";

const b = tempBucket();
afterAll(() => b.cleanup());
const dirOf = (name: string) => path.join(b.storage.root, "warehouse/silver", name);

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, [path.resolve("bin/lakehouse.js"), "iceberg", ...args, "--quiet"], { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(...args: string[]): unknown {
  const result = lakehouse(...args, "--json");
  expect(result.stderr, args.join(" ")).toBe("");
  expect(result.code, args.join(" ")).toBe(0);
  return parseExactJson(result.stdout);
}

const day1 = itemRows("2026-11-01", 30, "a");
const day2 = itemRows("2026-11-02", 20, "b");
const day1v2 = itemRows("2026-11-01", 12, "c");
const BIG = 9_007_199_254_740_993n; // 2^53 + 1: not a JS number

beforeAll(async () => {
  const { metadata } = await createTable(b.storage, b.catalog, ITEMS);
  const write = async (rows: typeof day1) => {
    const writer = new DataFileWriter(b.storage, metadata);
    await writer.writeAll(rows);
    return writer.close();
  };
  await appendFiles(b.storage, b.catalog, ITEMS.name, await write([...day1, ...day2]));
  await replacePartitions(b.storage, b.catalog, ITEMS.name, ["2026-11-01"], await write(day1v2));

  // the spec's minimal metadata (no snapshot, spec identity(x) on long columns x, y, z), then a data file
  // of three rows as another engine would commit it, then that engine's position delete of its row 1
  await foreignTable(b.storage, b.catalog, "minimal", "TableMetadataV2ValidMinimal.json");
  const fields: IcebergField[] = [
    { id: 1, name: "x", type: "long", required: true },
    { id: 2, name: "y", type: "long", required: true },
    { id: 3, name: "z", type: "long", required: true },
  ];
  const key = "warehouse/silver/minimal/data/x=1/00000-0-foreign.parquet";
  const parquet = new ParquetFileWriter(b.storage, key, fields, { rowGroupRows: 100 });
  for (const row of [{ x: 1n, y: BIG, z: -1n }, { x: 1n, y: 2n, z: 3n }, { x: 1n, y: 5n, z: 6n }]) parquet.append(row);
  const file = { ...dataFileOf(b.storage, (await parquet.close())!, fields, {}), partition: { x: 1n } };
  await appendFiles(b.storage, b.catalog, "minimal", [file]);
  const del = await positionDeleteFile(b.storage, "warehouse/silver/minimal/data/x=1/00000-1-deletes.parquet", [{ path: file.file_path, pos: 1 }], { x: 1n });
  await foreignCommit(b.storage, b.catalog, "minimal", "delete", (parents, id, seq) => ({
    keep: parents,
    manifests: [{ content: "deletes", entries: [foreignEntry(1, del, id, seq)] }],
  }));
  await foreignTable(b.storage, b.catalog, "people", "example_table_metadata_v2.json");
}, 60_000);

describe("lakehouse iceberg (CLI)", () => {
  it("scan --json on this project's table: one array of row objects, dates YYYY-MM-DD, timestamps ISO-8601", () => {
    const rows = json("scan", dirOf(ITEMS.name)) as Record<string, unknown>[];
    expect(rows).toHaveLength(32);
    const expected = [...day1v2, ...day2];
    expect(rows.map((r) => r.song_name).sort()).toEqual(expected.map((r) => r.song_name).sort());
    const sample = expected[15];
    const row = rows.find((r) => r.song_name === sample.song_name)!;
    expect(row.ingest_on).toBe("2026-11-02");
    expect(row.session_start_time).toBe(isoMicros(sample.session_start_time as bigint, false));
    expect(row.session_start_time).toBe("2026-11-02T08:00:03.000003"); // day 2's row 3: 08:00 + 3 × 1.000001 s
    expect(row).toMatchObject({ price: sample.price, liked: sample.liked, item_number: sample.item_number, user_agent: sample.user_agent });
    expect(json("scan", dirOf(ITEMS.name), "--limit", "5")).toHaveLength(5);
  });

  it("describe, snapshots and files of this project's table", () => {
    const d = json("describe", dirOf(ITEMS.name)) as Record<string, unknown>;
    expect(d.metadata_location).toMatch(/\/00003-[0-9a-f-]{36}\.metadata\.json$/);
    expect(typeof d.current_snapshot_id).toBe("bigint");
    const snapshots = json("snapshots", dirOf(ITEMS.name)) as Record<string, unknown>[];
    expect(snapshots.map((s) => s.operation)).toEqual(["append", "overwrite"]);
    expect(snapshots[1].snapshot_id).toBe(d.current_snapshot_id);
    expect(snapshots[1].parent_id).toBe(snapshots[0].snapshot_id);
    expect(snapshots[1].refs).toEqual(["main"]);
    const files = json("files", dirOf(ITEMS.name)) as Record<string, unknown>[];
    expect(files.map((f) => [f.content, f.partition, f.records])).toEqual([
      ["data", "ingest_on=2026-11-01", 12],
      ["data", "ingest_on=2026-11-02", 20],
    ]);
    // an older snapshot by id
    const before = json("files", dirOf(ITEMS.name), "--snapshot", String(snapshots[0].snapshot_id)) as Record<string, unknown>[];
    expect(before.map((f) => f.records)).toEqual([30, 20]);
    // the text forms
    const table = lakehouse("scan", dirOf(ITEMS.name), "--limit", "2");
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("| session_id ");
    expect(table.stdout).toContain("(first 2 rows; more not fetched, raise --limit)");
    expect(lakehouse("describe", `file://${dirOf(ITEMS.name)}`).stdout).toMatch(/^schema \(id 0\):\n\s+1 {2}session_id/m);
  });

  it("a table built from the reference files: exact 64-bit ids, a foreign data file with a position delete applied", () => {
    const people = path.join(dirOf("people"), "metadata");
    const d = json("describe", dirOf("people")) as Record<string, unknown>;
    expect(d.current_snapshot_id).toBe(3055729675574597004n);
    expect(d.refs).toEqual({ test: { type: "tag", snapshot_id: 3051729675574597004n } });
    const snapshots = json("snapshots", dirOf("people")) as Record<string, unknown>[];
    expect(snapshots.map((s) => [s.snapshot_id, s.parent_id, s.refs])).toEqual([
      [3051729675574597004n, null, ["test"]],
      [3055729675574597004n, 3051729675574597004n, []],
    ]);
    expect(lakehouse("snapshots", path.join(people, "..")).stdout).toContain("| 3055729675574597004 | 3051729675574597004 |");

    const rows = json("scan", dirOf("minimal")) as Record<string, unknown>[];
    // (the exact parser gives small integers as numbers, large ones as bigint)
    expect(rows).toEqual([
      { x: 1, y: BIG, z: -1 },
      { x: 1, y: 5, z: 6 },
    ]);
    expect(lakehouse("scan", dirOf("minimal"), "--json").stdout).toContain('"y":9007199254740993');
    const files = json("files", dirOf("minimal")) as Record<string, unknown>[];
    expect(files.map((f) => [f.content, f.partition, f.records])).toEqual([
      ["data", "x=1", 3],
      ["position deletes", "x=1", 1],
    ]);
  });

  it("takes a metadata file too; --help describes every subcommand; errors are one line with a hint and exit 1", async () => {
    const { metadataLocation } = (await b.catalog.loadTable(ITEMS.name))!;
    const direct = json("snapshots", metadataLocation) as unknown[];
    expect(direct).toHaveLength(2);
    const help = lakehouse("scan", "--help");
    expect(help.code).toBe(0);
    for (const sub of ["describe <table>", "snapshots <table>", "files <table>", "scan <table>", "--limit", "--snapshot"]) expect(help.stdout).toContain(sub);
    const unknown = lakehouse("drop", dirOf(ITEMS.name));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: iceberg: unknown subcommand "drop"\nhint: lakehouse iceberg describe\|snapshots\|files\|scan/);
    const missing = lakehouse("describe", path.join(b.dir, "nowhere"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: iceberg: file:\/\/\S+nowhere: no Iceberg metadata under/);
  });
});

describe("lakehouse iceberg on s3:// (the loopback s3rver)", () => {
  it("resolves an s3:// location to the bucket and finds, describes and scans the table there", async () => {
    const { startS3 } = await import("../storage/s3server.ts");
    const { locate } = await import("../../scripts/cli/commands/iceberg.ts");
    const { openTableAt, scanRows, describeTable } = await import("../../scripts/iceberg/inspect.ts");
    const { loadEnvironment } = await import("../../scripts/core/config.ts");
    const s3 = await startS3("iceberg-cli");
    try {
      const storage = s3.storage("lake");
      const { DirectoryCatalog } = await import("../../scripts/iceberg/catalog.ts");
      const catalog = new DirectoryCatalog(storage);
      const { metadata } = await createTable(storage, catalog, ITEMS);
      const writer = new DataFileWriter(storage, metadata);
      await writer.writeAll(day2);
      await appendFiles(storage, catalog, ITEMS.name, await writer.close());

      const where = locate("s3://iceberg-cli/lake/warehouse/silver/session_items", loadEnvironment("local"));
      expect(where.key).toBe("lake/warehouse/silver/session_items");
      expect(where.storage.location).toBe("s3://iceberg-cli/");
      // the same key read through the test server's client (locate's own client has no endpoint for this bucket)
      const root = s3.storage("");
      const loaded = await openTableAt(root, where.key);
      expect(describeTable(loaded).location).toBe("s3://iceberg-cli/lake/warehouse/silver/session_items");
      const rows = [];
      for await (const row of scanRows(root, loaded.metadata)) rows.push(row);
      expect(rows.map((r) => r.song_name)).toEqual(day2.map((r) => r.song_name));
      expect(rows[0].ingest_on).toBe("2026-11-02");
    } finally {
      await s3.stop();
    }
  });
});
