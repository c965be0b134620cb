/**
 * End to end through an independent Iceberg reader: icebird (its own metadata, Avro and Parquet code via
 * hyparquet) reads our table over HTTP from a loopback server on the bucket directory, following the
 * catalog's metadata file (named `<NNNNN>-<uuid>.metadata.json`, as a metastore catalog hands it to a
 * reader) → manifest list → manifests → data files.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { icebergRead } from "icebird";
import { appendFiles, createTable, DataFileWriter, DirectoryCatalog, replacePartitions, type Row } from "../../scripts/iceberg/index.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import { ITEMS, itemRows, tempBucket } from "./fixtures.ts";

const bucket = tempBucket();
let server: http.Server;
let storage: LocalStorage;
let catalog: DirectoryCatalog;

/** Static files with Range support (hyparquet reads byte ranges). */
function serve(root: string): Promise<string> {
  server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const bytes = fs.readFileSync(file);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
      res.writeHead(206, { "content-range": `bytes ${start}-${end}/${bytes.length}`, "content-length": end - start + 1 });
      res.end(req.method === "HEAD" ? undefined : bytes.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { "content-length": bytes.length });
    res.end(req.method === "HEAD" ? undefined : bytes);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function writeFiles(rows: Row[]) {
  const { metadata } = (await catalog.loadTable(ITEMS.name))!;
  const writer = new DataFileWriter(storage, metadata, { rowGroupRows: 50 });
  await writer.writeAll(rows);
  return writer.close();
}

beforeAll(async () => {
  const url = await serve(bucket.storage.root);
  // The same directory, addressed by its HTTP URL so the metadata holds URLs icebird can fetch.
  storage = new LocalStorage(bucket.storage.root);
  Object.defineProperty(storage, "location", { value: url });
  catalog = new DirectoryCatalog(storage);
  await createTable(storage, catalog, ITEMS);
  await appendFiles(storage, catalog, ITEMS.name, await writeFiles([...itemRows("2026-11-01", 120), ...itemRows("2026-11-02", 80)]));
  await replacePartitions(storage, catalog, ITEMS.name, ["2026-11-01"], await writeFiles(itemRows("2026-11-01", 90, "v2")));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  bucket.cleanup();
});

describe("icebird reads the table end to end", () => {
  it("sees exactly the current snapshot's rows with their values", async () => {
    const { metadata, metadataLocation } = (await catalog.loadTable(ITEMS.name))!;
    const metadataFileName = metadataLocation.slice(metadataLocation.lastIndexOf("/") + 1);
    expect(metadataFileName).toMatch(/^00003-[0-9a-f-]{36}\.metadata\.json$/);
    const rows = await icebergRead({ tableUrl: metadata.location, metadataFileName });
    expect(rows).toHaveLength(170);
    const tags = new Map<string, number>();
    for (const row of rows) {
      const tag = `${String(row.song_name).split(" song ")[0]} ${new Date(row.ingest_on).toISOString().slice(0, 10)}`;
      tags.set(tag, (tags.get(tag) ?? 0) + 1);
    }
    expect(Object.fromEntries(tags)).toEqual({ "v2 2026-11-01": 90, "v1 2026-11-02": 80 });
    const expected = itemRows("2026-11-02", 80)[7];
    const found = rows.find((r) => r.song_id === expected.song_id && r.song_name === expected.song_name)!;
    expect(found.price).toBe(expected.price);
    expect(found.liked).toBe(expected.liked);
    expect(found.user_agent).toBe(expected.user_agent);
    expect(BigInt(found.session_start_time.getTime()) * 1000n).toBe((expected.session_start_time as bigint) - ((expected.session_start_time as bigint) % 1000n));
  });
});
