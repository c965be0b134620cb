import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiService } from "../../scripts/api/service.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { copySparkify } from "./fixtures.ts";

let stack: TestStack;
let sparkifyDir: string;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  sparkifyDir = path.join(stack.dir, "sparkify");
  copySparkify(sparkifyDir, 20, ["2018-11-05", "2018-11-06"]);
  await apiService.start(stack.env);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), ...args, "--env", "ci"], { env: stack.cliEnv, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("lakehouse seed / land / status (CLI)", () => {
  it("seeds, lands a window and reports the landing zone in status --json", () => {
    const seed = lakehouse("seed", "--songs-path", path.join(sparkifyDir, "song_data"));
    expect(seed.stderr).toMatch(/✔ seed catalog\.deftunes\.songs: 20 rows \(20 song files, 0 synthetic\)/);
    expect(seed.code).toBe(0);
    const land = lakehouse("land", "--start-date", "2018-11-05", "--end-date", "2018-11-06", "--sparkify-path", sparkifyDir);
    expect(land.code, land.stderr).toBe(0);
    expect(land.stdout).toMatch(/catalog\/songs\s+1\s+20\s+\d+/);
    expect(land.stdout).toMatch(/api\/users\s+2\s+\d+/);
    expect(land.stdout).toMatch(/sparkify\/events\s+2\s+\d+/);
    expect(land.stderr).toMatch(/✔ land api: api\/users: 2 partitions/);
    const status = lakehouse("status", "--json");
    const landing = JSON.parse(status.stdout).landing as Record<string, { partitions: number; rows: number }>;
    expect(Object.keys(landing).sort()).toEqual(["api/sessions", "api/users", "catalog/songs", "sparkify/events", "sparkify/songs"]);
    expect(landing["catalog/songs"]).toMatchObject({ partitions: 1, rows: 20 });
    expect(landing["sparkify/songs"]).toMatchObject({ partitions: 1, rows: 20 });
    expect(landing["api/sessions"].partitions).toBe(2);
    expect(landing["api/sessions"].rows).toBeGreaterThan(0);
  }, 120_000);

  it("exits non-zero with a clear message on a bad source or a crafted date", () => {
    const bad = lakehouse("land", "--source", "ftp");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown source "ftp"/);
    const crafted = lakehouse("land", "--source", "api", "--end-date", "2018-11-06/../../../x");
    expect(crafted.code).toBe(1);
    expect(crafted.stderr).toMatch(/refused date .*escape the bucket/);
  }, 60_000);

  it("refuses to seed the production catalog", async () => {
    const { command } = await import("../../scripts/cli/commands/seed.ts");
    const log = { info: () => undefined, warn: () => undefined, progress: () => undefined, step: <T>(_l: string, fn: () => Promise<T>) => fn() };
    await expect(command.run({ env: { ...stack.env, name: "prod" }, values: {}, positionals: [], log, json: false })).rejects.toThrow(/refused: in prod/);
  });
});
