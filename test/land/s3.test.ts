import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import { landSources } from "../../scripts/land/index.ts";
import { withoutTimings } from "../../scripts/land/manifest.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { landingStatus } from "../../scripts/land/status.ts";
import { startS3, TEST_S3_CREDENTIALS, type TestS3 } from "../storage/s3server.ts";
import { copySparkify, countLines, walk } from "./fixtures.ts";

let s3: TestS3;
let dir: string;
let env: Environment;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  s3 = await startS3("lake", ["raw"]);
  // Dummy credentials for the loopback server, through the SDK's default chain (as production would).
  process.env.AWS_ACCESS_KEY_ID = TEST_S3_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_S3_CREDENTIALS.secretAccessKey;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "land-s3-"));
  copySparkify(dir, 15, ["2018-11-10", "2018-11-11"]);
  const raw = s3.storage("sparkify", "raw");
  for (const file of walk(dir)) await raw.put(path.relative(dir, file), fs.readFileSync(file));
  const base = loadEnvironment("ci");
  env = { ...base, storage: { type: "s3", bucket: "lake", prefix: "deftunes", endpoint: s3.endpoint, region: "us-east-1" } };
});
afterAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = saved.id;
  process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
  if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
  await s3?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("landing Sparkify from an s3:// URI into an S3 bucket", () => {
  it("copies the files byte for byte, publishes manifests, and re-lands identically", async () => {
    const options = { sources: ["sparkify" as const], sparkifyPath: "s3://raw/sparkify", startDate: "2018-11-01", endDate: "2018-11-30" };
    const first = await landSources(env, options);
    const lake = s3.storage("deftunes", "lake");
    const events = await listPartitions(lake, "sparkify/events");
    expect(events.map((p) => p.ingestOn)).toEqual(["2018-11-10", "2018-11-11"]);
    for (const p of events) {
      const original = fs.readFileSync(path.join(dir, "log_data", "2018", "11", `${p.ingestOn}-events.json`));
      expect((await lake.get(p.manifest.files[0].key)).equals(original)).toBe(true);
      expect(p.manifest.rows).toBe(countLines(original.toString()));
    }
    const [songs] = await listPartitions(lake, "sparkify/songs");
    expect(songs.ingestOn).toBe("2018-11-30");
    expect(songs.manifest.origin).toEqual({ kind: "files", root: "s3://raw/sparkify/song_data" });
    expect(songs.manifest.files).toHaveLength(15);
    for (const file of songs.manifest.files) {
      expect((await lake.get(file.key)).equals(fs.readFileSync(path.join(dir, "song_data", file.original!)))).toBe(true);
    }
    const status = await landingStatus(env);
    expect(status["sparkify/songs"]).toMatchObject({ partitions: 1, rows: 15 });
    const keys = (await lake.list("")).map((o) => o.key);
    const second = await landSources(env, options);
    expect(second.entities.map((e) => e.manifests.map(withoutTimings))).toEqual(first.entities.map((e) => e.manifests.map(withoutTimings)));
    expect((await lake.list("")).map((o) => o.key)).toEqual(keys);
    expect(keys.some((k) => k.startsWith("_staging/"))).toBe(false);
  }, 60_000);
});
