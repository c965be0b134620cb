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
    // The re-run publishes version 2 in one move.
    await landSources(env, options);
    const [v2] = await listPartitions(storage, "sparkify/songs");
    expect(v2.manifest.content_sha256).not.toBe(v1.manifest.content_sha256);
    expect((await storage.get(v2.manifest.files[0].key)).toString()).toContain('"year": 1999');
    expect((await storage.list(v2.prefix)).length).toBe(401);
  }, 120_000);
});
