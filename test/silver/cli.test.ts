/** `lakehouse silver` through the real CLI (a child process on a throwaway environment). */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { apiBody, land, SESSION, ITEM, USER } from "./fixtures.ts";

const BIN = fromRoot("bin", "lakehouse.js");
let stack: TestStack;

const lakehouse = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args, "--env", "ci"], { cwd: fromRoot(), env: stack.cliEnv, encoding: "utf8", timeout: 120_000 });

beforeAll(async () => {
  stack = await testEnvironment();
  const storage = openStorage(stack.env);
  await land(storage, "api/users", "2018-11-01", [apiBody([USER(1), USER(2, { user_since: "soon" })])]);
  await land(storage, "api/sessions", "2018-11-01", [apiBody([SESSION(1, [ITEM("TRAAAAW128F429D538")])])]);
});

afterAll(async () => {
  await stack?.stop();
});

describe("lakehouse silver (CLI)", () => {
  it("--help names the options", () => {
    const result = lakehouse("silver", "--help");
    expect(result.status).toBe(0);
    for (const option of ["--entity", "--full-refresh", "--vacuum"]) expect(result.stdout).toContain(option);
  });

  it("commits, prints a summary per table on stderr and the reports with --json", () => {
    const result = lakehouse("silver", "--json");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/✔ silver\.users: 1 partitions processed, 0 skipped, 1 rows, 1 quarantined, snapshot \d+/);
    expect(result.stderr).toMatch(/✔ silver: \d\/6 tables committed a new snapshot/);
    const out = JSON.parse(result.stdout) as { tables: { table: string; rows: number; snapshot_id: string | null }[] };
    expect(out.tables.find((t) => t.table === "session_items")).toMatchObject({ rows: 1 });
  });

  it("a rerun with --entity and --vacuum commits nothing and reports the vacuum, removing a stopped land's staging", async () => {
    const stale = "_staging/0b8f-stopped-run/landing/api/users/ingest_on=2018-11-01/part-00000.json";
    await openStorage(stack.env).put(stale, "[]");
    const result = lakehouse("silver", "--entity", "users", "--vacuum", "--json");
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.tables).toEqual([expect.objectContaining({ table: "users", snapshot_id: null, partitions_skipped: 1 })]);
    expect(out.vacuum).toEqual({ table_files_deleted: { users: 0 }, quarantine_files_deleted: 0, staging_files_deleted: 1 });
    expect(await openStorage(stack.env).exists(stale)).toBe(false);
  });

  it("status --json fills silver per table", () => {
    const result = lakehouse("status", "--json");
    const status = JSON.parse(result.stdout);
    expect(status.silver.users).toEqual({ snapshot_id: expect.stringMatching(/^\d+$/), rows: 1, quarantined: 1, files: 1 });
    expect(status.silver.songs).toEqual({ snapshot_id: null, rows: 0, quarantined: 0, files: 0 });
  });

  it("an unknown entity fails with exit 1, one line and a hint", () => {
    const result = lakehouse("silver", "--entity", "nope");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: silver: field entity: unknown entity "nope"\nhint: one of /m);
  });
});
