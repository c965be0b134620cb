/** Pure pieces: value serialization and ordering, dates, the directory catalog's bookkeeping. */
import { afterAll, describe, expect, it } from "vitest";
import { compareStrings, decodeValue, encodeValue, formatDate, parseDate } from "../../scripts/iceberg/values.ts";
import { appendFiles, createTable, DataFileWriter, vacuum } from "../../scripts/iceberg/index.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { ITEMS, itemRows, tempBucket } from "./fixtures.ts";

const bucket = tempBucket();
afterAll(() => bucket.cleanup());

describe("values", () => {
  it("single-value serialization round-trips (little-endian, UTF-8)", () => {
    expect(encodeValue("int", 1)).toEqual(Buffer.from([1, 0, 0, 0]));
    expect(encodeValue("date", parseDate("1970-01-02"))).toEqual(Buffer.from([1, 0, 0, 0]));
    expect(encodeValue("timestamp", 1n)).toEqual(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(decodeValue("long", encodeValue("long", -5n))).toBe(-5n);
    expect(decodeValue("double", encodeValue("double", 2.5))).toBe(2.5);
    expect(decodeValue("string", encodeValue("string", "ñ😀"))).toBe("ñ😀");
    expect(decodeValue("boolean", encodeValue("boolean", true))).toBe(true);
  });

  it("strings order by code point (UTF-8 byte order), not UTF-16 units", () => {
    const a = "\u{1F600}"; // surrogate pair 0xD83D…
    const b = "\uFF21"; // fullwidth A, above the surrogates in UTF-16 but below U+1F600
    expect(a < b).toBe(true); // JavaScript's own order is wrong here
    expect(compareStrings(a, b)).toBeGreaterThan(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBeGreaterThan(0);
    expect(compareStrings("abc", "abd")).toBeLessThan(0);
    expect(compareStrings("ab", "abc")).toBeLessThan(0);
  });

  it("dates convert both ways and refuse invalid days", () => {
    expect(parseDate("2026-11-01")).toBe(20758);
    expect(formatDate(20758)).toBe("2026-11-01");
    expect(() => parseDate("2026-02-30")).toThrow(/not a valid date/);
    expect(() => parseDate("20261101")).toThrow(/YYYY-MM-DD/);
  });
});

describe("directory catalog", () => {
  it("lists, creates idempotently, drops", async () => {
    expect(await bucket.catalog.listTables()).toEqual([]);
    expect(await bucket.catalog.loadTable("songs")).toBeNull();
    const first = await createTable(bucket.storage, bucket.catalog, silverTable("songs"));
    const again = await createTable(bucket.storage, bucket.catalog, silverTable("songs"));
    expect(again.metadataLocation).toBe(first.metadataLocation);
    expect(again.metadata["table-uuid"]).toBe(first.metadata["table-uuid"]);
    await createTable(bucket.storage, bucket.catalog, ITEMS);
    expect(await bucket.catalog.listTables()).toEqual(["session_items", "songs"]);
    await bucket.catalog.dropTable("songs");
    expect(await bucket.catalog.listTables()).toEqual(["session_items"]);
    expect(() => bucket.catalog.tableKey("../x")).toThrow(/invalid table name/);
  });

  it("follows commit markers when the version hint is missing or stale", async () => {
    const { metadata } = await createTable(bucket.storage, bucket.catalog, ITEMS);
    const writer = new DataFileWriter(bucket.storage, metadata);
    await writer.writeAll(itemRows("2026-11-01", 3));
    const result = await appendFiles(bucket.storage, bucket.catalog, ITEMS.name, await writer.close());
    const hint = "warehouse/silver/session_items/metadata/version-hint.text";
    expect((await bucket.storage.get(hint)).toString().trim()).toBe("2");
    await bucket.storage.delete(hint);
    expect((await bucket.catalog.loadTable(ITEMS.name))!.metadataLocation).toBe(result.metadataLocation);
    await bucket.storage.put(hint, "1\n");
    expect((await bucket.catalog.loadTable(ITEMS.name))!.metadataLocation).toBe(result.metadataLocation);
    expect((await vacuum(bucket.storage, bucket.catalog, ITEMS.name)).deleted).toEqual([]);
  });

  it("a table committed before the <NNNNN>-<uuid> names (v<N>.metadata.json markers) loads and takes new commits", async () => {
    const legacy = tempBucket();
    try {
      const { metadataLocation, metadata } = await createTable(legacy.storage, legacy.catalog, ITEMS);
      // rewrite the layout as the library wrote it before: v1.metadata.json, marker v0.next naming it, hint 1
      const dir = "warehouse/silver/session_items/metadata";
      await legacy.storage.put(`${dir}/v1.metadata.json`, await legacy.storage.get(metadataLocation.slice(legacy.storage.location.length + 1)));
      await legacy.storage.delete(`${dir}/v0.next`);
      await legacy.storage.put(`${dir}/v0.next`, "v1.metadata.json\n");
      const loaded = (await legacy.catalog.loadTable(ITEMS.name))!;
      expect(loaded.metadataLocation).toBe(`${legacy.storage.location}/${dir}/v1.metadata.json`);
      expect(loaded.metadata["table-uuid"]).toBe(metadata["table-uuid"]);
      const writer = new DataFileWriter(legacy.storage, loaded.metadata);
      await writer.writeAll(itemRows("2026-11-01", 2));
      const result = await appendFiles(legacy.storage, legacy.catalog, ITEMS.name, await writer.close());
      expect(result.metadataLocation).toMatch(/\/00002-[0-9a-f-]{36}\.metadata\.json$/);
      expect((await legacy.storage.get(`${dir}/v1.next`)).toString().trim()).toBe(result.metadataLocation.split("/").pop());
      const again = (await legacy.catalog.loadTable(ITEMS.name))!;
      expect(again.metadataLocation).toBe(result.metadataLocation);
      expect(again.metadata["metadata-log"].map((e) => e["metadata-file"])).toEqual([loaded.metadataLocation]);
    } finally {
      legacy.cleanup();
    }
  });

  it("an aborted writer leaves nothing behind", async () => {
    const { metadata } = (await bucket.catalog.loadTable(ITEMS.name))!;
    const writer = new DataFileWriter(bucket.storage, metadata, { fileRows: 5 });
    await writer.writeAll([...itemRows("2026-11-03", 12), ...itemRows("2026-11-04", 2)]);
    await writer.abort();
    expect(await bucket.storage.list("warehouse/silver/session_items/data/ingest_on=2026-11-03/")).toEqual([]);
    expect(await bucket.storage.list("warehouse/silver/session_items/data/ingest_on=2026-11-04/")).toEqual([]);
  });
});
