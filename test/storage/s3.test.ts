import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalStorage, S3Storage, StorageError } from "../../scripts/storage/index.ts";
import { startS3, type TestS3 } from "./s3server.ts";

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe("S3Storage against s3rver on loopback", () => {
  it("puts, gets, lists and deletes objects under its prefix", async () => {
    const storage = s3.storage("lake");
    await storage.put("a/one.txt", "one");
    await storage.put("a/two.bin", Buffer.from([0, 1, 2, 255]));
    await storage.put("b/three.txt", Readable.from([Buffer.from("thr"), Buffer.from("ee")]));
    expect((await storage.get("a/one.txt")).toString()).toBe("one");
    expect([...(await storage.get("a/two.bin"))]).toEqual([0, 1, 2, 255]);
    expect(Buffer.concat(await (await storage.getStream("b/three.txt")).toArray()).toString()).toBe("three");
    expect(await storage.list("a/")).toEqual([
      { key: "a/one.txt", size: 3 },
      { key: "a/two.bin", size: 4 },
    ]);
    expect(await storage.getIfExists("a/none")).toBeNull();
    await expect(storage.get("a/none")).rejects.toBeInstanceOf(StorageError);
    expect(await storage.exists("a/one.txt")).toBe(true);
    // Another prefix of the same bucket sees nothing of this one.
    expect(await s3.storage("other").list("")).toEqual([]);
    await storage.delete("a/one.txt");
    expect(await storage.exists("a/one.txt")).toBe(false);
    expect(await storage.deletePrefix("")).toBe(2);
    expect(await storage.list("")).toEqual([]);
  });

  it("uploads a large stream in parts with the same bytes", async () => {
    const storage = s3.storage("big");
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.concat([chunk, Buffer.from(String(i))]));
    const expected = createHash("sha256").update(Buffer.concat(chunks)).digest("hex");
    await storage.put("x/large.bin", Readable.from(chunks));
    const back = await storage.get("x/large.bin");
    expect(back.length).toBe(chunks.reduce((n, c) => n + c.length, 0));
    expect(createHash("sha256").update(back).digest("hex")).toBe(expected);
  });

  it("putIfAbsent creates once and refuses the second writer", async () => {
    const storage = s3.storage("once");
    expect(await storage.putIfAbsent("k/lock", "first")).toBe(true);
    expect(await storage.putIfAbsent("k/lock", "second")).toBe(false);
    expect((await storage.get("k/lock")).toString()).toBe("first");
  });

  it("publishes a staged partition, replacing the old one, marker last", async () => {
    const storage = s3.storage("pub");
    await storage.put("landing/x/ingest_on=2018-11-01/part-00000.json", "old0");
    await storage.put("landing/x/ingest_on=2018-11-01/part-00001.json", "old1");
    await storage.put("landing/x/ingest_on=2018-11-01/_manifest.json", "{\"old\":true}");
    // Staged keys with "=": the copy source must be encoded the way the server decodes it.
    await storage.put("_staging/u1/ingest_on=2018-11-01/part-00000.json", "new0");
    await storage.put("_staging/u1/ingest_on=2018-11-01/_manifest.json", "{\"new\":true}");
    await storage.publishPartition("_staging/u1/ingest_on=2018-11-01/", "landing/x/ingest_on=2018-11-01/", "_manifest.json");
    expect((await storage.list("landing/")).map((o) => o.key)).toEqual([
      "landing/x/ingest_on=2018-11-01/_manifest.json",
      "landing/x/ingest_on=2018-11-01/part-00000.json",
    ]);
    expect((await storage.get("landing/x/ingest_on=2018-11-01/part-00000.json")).toString()).toBe("new0");
    expect(await storage.list("_staging/")).toEqual([]);
    // Without a marker in staging nothing is published.
    await storage.put("_staging/u2/part-00000.json", "partial");
    await expect(storage.publishPartition("_staging/u2/", "landing/x/ingest_on=2018-11-01/", "_manifest.json")).rejects.toThrow(/_manifest.json missing/);
    expect((await storage.get("landing/x/ingest_on=2018-11-01/part-00000.json")).toString()).toBe("new0");
  });

  it("refuses keys that would escape the bucket, before any request", async () => {
    for (const storage of [s3.storage("esc"), new LocalStorage("/tmp/never-created-bucket")]) {
      await expect(storage.put("landing/a/ingest_on=../../etc/passwd", "x")).rejects.toThrow(/escape the bucket/);
      await expect(storage.put("/etc/passwd", "x")).rejects.toThrow(/escape the bucket/);
    }
    await expect(s3.storage("esc").get("a/../../b")).rejects.toThrow(/escape the bucket/);
  });

  it("names the location and cause when the server is unreachable", async () => {
    const storage = new S3Storage({ bucket: "b-unreachable", endpoint: "http://127.0.0.1:9", client: { credentials: { accessKeyId: "x", secretAccessKey: "y" }, maxAttempts: 1 } });
    await expect(storage.put("k", "v")).rejects.toThrow(/s3:\/\/b-unreachable\//);
  });
});
