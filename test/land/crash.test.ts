import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { landSources } from "../../scripts/land/index.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { describeError } from "../../scripts/core/errors.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { testEnvironment } from "../helpers/stack.ts";
import { copySparkify, walk } from "./fixtures.ts";

const CHILD = fileURLToPath(new URL("./landChild.ts", import.meta.url));
let dir: string;
let env: Environment;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "land-crash-"));
  copySparkify(path.join(dir, "sparkify"), 400, []);
  fs.mkdirSync(path.join(dir, "sparkify", "log_data"));
  env = { ...loadEnvironment("ci"), storage: { type: "local", root: path.join(dir, "bucket") } };
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts a landing in a child process and SIGKILLs it once `staged` part files sit in staging. */
async function landAndKill(staged: number): Promise<number> {
  const { resolvePath: _r, ...plain } = env;
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LAND_ENV: JSON.stringify(plain), LAND_OPTIONS: JSON.stringify({ sources: ["sparkify"], sparkifyPath: path.join(dir, "sparkify"), startDate: "2018-11-01", endDate: "2018-11-30" }) },
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stagingRoot = path.join(dir, "bucket", "_staging");
  const deadline = Date.now() + 60_000;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = fs.existsSync(stagingRoot) ? walk(stagingRoot).filter((f) => /part-\d+\.json$/.test(f)).length : 0;
    if (seen >= staged) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  await exited;
  return seen;
}

describe("a landing killed mid-way", () => {
  it("leaves no visible partial partition, keeps the previous version, and a re-run completes", async () => {
    const storage = openStorage(env);
    expect(await landAndKill(20)).toBeGreaterThanOrEqual(20);
    expect(await listPartitions(storage, "sparkify/songs")).toEqual([]);
    expect((await storage.list("landing/")).length).toBe(0);

    const options = { sources: ["sparkify" as const], sparkifyPath: path.join(dir, "sparkify"), startDate: "2018-11-01", endDate: "2018-11-30" };
    await landSources(env, options);
    const [v1] = await listPartitions(storage, "sparkify/songs");
    expect(v1.manifest.rows).toBe(400);
    // Change one source file, then crash the next landing: readers still see version 1, whole.
    const changed = path.join(dir, "sparkify", "song_data", v1.manifest.files[0].original!);
    fs.writeFileSync(changed, fs.readFileSync(changed, "utf8").replace(/"year":\s*\d+/, '"year": 1999'));
    await landAndKill(50);
    const [still] = await listPartitions(storage, "sparkify/songs");
    expect(still.manifest).toEqual(v1.manifest);
    const keys = (await storage.list(still.prefix)).map((o) => o.key);
    expect(keys).toHaveLength(401);
    // The re-run publishes version 2 in one move, and removes the staging the killed run left (issue 16.5).
    const stagingRoot = path.join(dir, "bucket", "_staging");
    expect(walk(stagingRoot).length).toBeGreaterThan(0);
    await landSources(env, options);
    expect(walk(stagingRoot)).toEqual([]);
    const [v2] = await listPartitions(storage, "sparkify/songs");
    expect(v2.manifest.content_sha256).not.toBe(v1.manifest.content_sha256);
    expect((await storage.get(v2.manifest.files[0].key)).toString()).toContain('"year": 1999');
    expect((await storage.list(v2.prefix)).length).toBe(401);
  }, 120_000);
});

describe("land runs that are stopped or collide (issue 16.5, 16.7)", () => {
  it("SIGINT stops the CLI with a message and exit 130, and leaves no staging, no lock and no partition of the step", async () => {
    const stack = await testEnvironment();
    try {
      const sparkify = path.join(stack.dir, "sparkify");
      copySparkify(sparkify, 400, []);
      fs.mkdirSync(path.join(sparkify, "log_data"));
      const child = spawn(process.execPath, [fromRoot("bin", "lakehouse.js"), "land", "--env", "ci", "--source", "sparkify", "--sparkify-path", sparkify, "--start-date", "2018-11-01"], {
        env: stack.cliEnv,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const bucket = path.join(stack.dir, "bucket");
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(fs.existsSync(path.join(bucket, "_staging")) && walk(path.join(bucket, "_staging")).filter((f) => f.endsWith(".json")).length >= 20)) {
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/^error: land: stopped by SIGINT: the partitions in progress were discarded and their staging files removed; .*\nhint: rerun the same land/m);
      expect(walk(path.join(bucket, "_staging"))).toEqual([]);
      expect(fs.existsSync(path.join(bucket, "_locks", "land.lock"))).toBe(false);
      expect(await listPartitions(openStorage(stack.env), "sparkify/songs")).toEqual([]);
    } finally {
      await stack.stop();
    }
  }, 120_000);

  it("a second land on the same bucket refuses with the first one's pid and start, and leaves no litter", async () => {
    const options = { sources: ["sparkify" as const], sparkifyPath: path.join(dir, "sparkify"), startDate: "2018-11-01", endDate: "2018-11-30" };
    const [first, second] = await Promise.allSettled([landSources(env, options), landSources(env, options)]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
    expect(describeError((second as PromiseRejectedResult).reason)).toMatch(new RegExp(`^land: .*land\\.lock: another \`land\` is running \\(pid ${process.pid}, since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\) on file://`));
    const bucket = path.join(dir, "bucket");
    expect(walk(path.join(bucket, "_staging"))).toEqual([]);
    expect(fs.existsSync(path.join(bucket, "_trash")) ? walk(path.join(bucket, "_trash")) : []).toEqual([]);
    expect(walk(path.join(bucket, "landing")).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(fs.existsSync(path.join(bucket, "_locks", "land.lock"))).toBe(false);
    // And the next one runs.
    await expect(landSources(env, options)).resolves.toMatchObject({ entities: [expect.objectContaining({ entity: "sparkify/songs", rows: 400 }), expect.anything()] });
  }, 120_000);
});
