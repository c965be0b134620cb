/**
 * Data files read back by independent readers: DuckDB (values, schema field ids, compression, statistics)
 * and hyparquet's page header parser (every data page is a DATA_PAGE, i.e. version 1).
 */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { parquetMetadata } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { appendFiles, createTable, DataFileWriter, readRows, snapshotFiles, type LiveDataFile, type TableMetadata } from "../../scripts/iceberg/index.ts";
import { decodeValue } from "../../scripts/iceberg/values.ts";
import { ITEMS, itemRows, tempBucket } from "./fixtures.ts";

const bucket = tempBucket();
let duck: DuckDBConnection;
let metadata: TableMetadata;
let files: LiveDataFile[];
const written = [...itemRows("2026-11-01", 2500), ...itemRows("2026-11-02", 700)];

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return (await duck.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

beforeAll(async () => {
  const table = await createTable(bucket.storage, bucket.catalog, ITEMS);
  const writer = new DataFileWriter(bucket.storage, table.metadata, { rowGroupRows: 1000, fileRows: 2000 });
  await writer.writeAll(written);
  await appendFiles(bucket.storage, bucket.catalog, ITEMS.name, await writer.close());
  metadata = (await bucket.catalog.loadTable(ITEMS.name))!.metadata;
  files = await snapshotFiles(bucket.storage, metadata);
  duck = await (await DuckDBInstance.create()).connect();
});

afterAll(() => {
  duck?.closeSync();
  bucket.cleanup();
});

describe("parquet data files", () => {
  it("rolls files per partition and per fileRows", () => {
    expect(files.map((f) => [f.partition, f.recordCount])).toEqual(
      expect.arrayContaining([
        ["2026-11-01", 2000],
        ["2026-11-01", 500],
        ["2026-11-02", 700],
      ]),
    );
    expect(files).toHaveLength(3);
    for (const f of files) expect(fs.statSync(bucket.storage.localPath(f.key)!).size).toBe(f.sizeBytes);
  });

  it("DuckDB reads every row back with the same values", async () => {
    const paths = files.map((f) => `'${bucket.storage.localPath(f.key)}'`).join(", ");
    const [totals] = await query(
      `select count(*) as n, count(user_agent) as agents, sum(price) as price, count(*) filter (where liked) as liked,
              min(session_start_time)::varchar as first_start, max(ingest_on)::varchar as last_day
       from read_parquet([${paths}])`,
    );
    expect(Number(totals.n)).toBe(written.length);
    expect(Number(totals.agents)).toBe(written.filter((r) => r.user_agent !== null).length);
    expect(Number(totals.price)).toBeCloseTo(written.reduce((s, r) => s + (r.price as number), 0), 6);
    expect(Number(totals.liked)).toBe(written.filter((r) => r.liked).length);
    expect(totals.first_start).toBe("2026-11-01 08:00:00");
    expect(totals.last_day).toBe("2026-11-02");
    const [one] = await query(
      `select song_name, epoch_us(session_start_time) as start_us, artist_id from read_parquet([${paths}]) where song_id = 'TR0000000000000033' and ingest_on = date '2026-11-02'`,
    );
    expect(one).toEqual({ song_name: "v1 song 33 — ñ", start_us: String(written[2500 + 33].session_start_time), artist_id: null });
  });

  it("our reader returns the rows with the silver in-memory types", async () => {
    const rows: Record<string, unknown>[] = [];
    for await (const row of readRows(bucket.storage, metadata, { partitions: ["2026-11-02"] })) rows.push(row);
    expect(rows).toHaveLength(700);
    const byId = new Map(rows.map((r) => [r.song_id, r]));
    for (const expected of written.slice(2500, 2510)) expect(byId.get(expected.song_id)).toEqual(expected);
  });

  it("columns carry Iceberg field ids and types Spectrum reads", async () => {
    const file = bucket.storage.localPath(files[0].key)!;
    const schema = await query(`select name, type, field_id, repetition_type, logical_type from parquet_schema('${file}') where field_id is not null`);
    expect(schema.map((c) => [c.name, Number(c.field_id)])).toEqual(ITEMS.columns.map((c) => [c.name, c.id]));
    for (const column of ITEMS.columns) {
      const found = schema.find((c) => c.name === column.name)!;
      expect(found.repetition_type).toBe(column.required ? "REQUIRED" : "OPTIONAL");
      if (column.type === "timestamp") {
        expect(found.type).toBe("INT64");
        expect(String(found.logical_type)).toMatch(/isAdjustedToUTC=0.*MICROS=MicroSeconds/);
      }
      if (column.type === "date") expect(String(found.logical_type)).toMatch(/DateType/);
    }
  });

  it("every column chunk is SNAPPY with row groups of the configured size", async () => {
    for (const f of files) {
      const meta = await query(`select row_group_id, row_group_num_rows, compression from parquet_metadata('${bucket.storage.localPath(f.key)}')`);
      expect(new Set(meta.map((m) => m.compression))).toEqual(new Set(["SNAPPY"]));
      const groups = new Map(meta.map((m) => [m.row_group_id, Number(m.row_group_num_rows)]));
      expect([...groups.values()].every((n) => n <= 1000)).toBe(true);
      expect([...groups.values()].reduce((a, b) => a + b, 0)).toBe(f.recordCount);
    }
  });

  it("every data page is DATA_PAGE (v1), never DATA_PAGE_V2", () => {
    const pageTypes = new Map<string, number>();
    for (const f of files) {
      const bytes = fs.readFileSync(bucket.storage.localPath(f.key)!);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      for (const group of meta.row_groups) {
        for (const chunk of group.columns) {
          const m = chunk.meta_data!;
          const start = Number(m.dictionary_page_offset ?? m.data_page_offset);
          const end = start + Number(m.total_compressed_size);
          const reader = { view, offset: start };
          while (reader.offset < end) {
            const header = parquetHeader(reader);
            pageTypes.set(header.type, (pageTypes.get(header.type) ?? 0) + 1);
            reader.offset += header.compressed_page_size;
          }
          expect(reader.offset).toBe(end);
        }
      }
    }
    expect(pageTypes.get("DATA_PAGE")).toBeGreaterThan(0);
    expect(pageTypes.has("DATA_PAGE_V2")).toBe(false);
  });

  it("data file records carry counts and bounds matching the data", () => {
    const day2 = files.find((f) => f.partition === "2026-11-02")!.dataFile;
    const rows = written.slice(2500);
    const id = (name: string) => ITEMS.columns.find((c) => c.name === name)!.id;
    const count = (list: { key: number; value: number }[] | null, name: string) => list!.find((e) => e.key === id(name))!.value;
    expect(day2.record_count).toBe(700);
    expect(day2.partition.ingest_on).toBe(rows[0].ingest_on);
    expect(count(day2.null_value_counts, "artist_id")).toBe(rows.filter((r) => r.artist_id === null).length);
    expect(count(day2.value_counts, "artist_id")).toBe(700);
    const bound = (list: { key: number; value: Buffer }[] | null, name: string, type: Parameters<typeof decodeValue>[0]) =>
      decodeValue(type, list!.find((e) => e.key === id(name))!.value);
    expect(bound(day2.lower_bounds, "price", "double")).toBe(Math.min(...rows.map((r) => r.price as number)));
    expect(bound(day2.upper_bounds, "price", "double")).toBe(Math.max(...rows.map((r) => r.price as number)));
    expect(bound(day2.upper_bounds, "session_start_time", "timestamp")).toBe(rows[rows.length - 1].session_start_time);
    expect(bound(day2.lower_bounds, "song_id", "string")).toBe("TR0000000000000000");
  });

  it("rejects a null in a required column", async () => {
    const writer = new DataFileWriter(bucket.storage, metadata);
    await expect(writer.write({ ...written[0], song_id: null })).rejects.toThrow(/required column is null/);
    await writer.abort();
  });
});
