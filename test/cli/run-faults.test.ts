/**
 * `lakehouse run` exit codes that can be trusted (issue 16.1): a server killed mid-run and a server that is not
 * up are failures with one line and the `lakehouse up` hint, never exit 0 or a stack dump. Real embedded
 * PostgreSQL in a throwaway environment, real Dataform, the CLI as a user runs it.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { postgresStatus } from "../../scripts/stack/postgres.ts";
import { readLatest } from "../../scripts/dataform/artifacts.ts";
import { emptySilver } from "./warehouse.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const BIN = fromRoot("bin", "lakehouse.js");
let stack: TestStack;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  await emptySilver(stack.env);
}, 120_000);
afterAll(async () => stack?.stop(), 60_000);

/** Runs the CLI; calls `onLine` with each stderr line as it comes. */
function lakehouse(args: string[], onLine?: (line: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...stack.cliEnv, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => {
      stderr += c;
      for (const line of c.toString().split("\n")) if (line) onLine?.(line);
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("lakehouse run faults", () => {
  it("stops cleanly on SIGTERM: Dataform stopped, one line saying what was kept, exit 143, the invocation recorded as interrupted", async () => {
    let child: ReturnType<typeof spawn> | undefined;
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) => {
      child = spawn(process.execPath, [BIN, "run", "--env", "ci", "--full-refresh"], { env: { ...stack.cliEnv, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      let sent = false;
      child.stderr!.on("data", (c: Buffer) => {
        stderr += c;
        if (!sent && /^✔ \S+ \[(view|table|incremental)\]/m.test(stderr)) {
          sent = true;
          child!.kill("SIGTERM");
        }
      });
      child.on("close", (code) => resolve({ code, stderr }));
    });
    const { code, stderr } = await done;
    expect(code).toBe(143);
    const line = stderr.split("\n").find((l) => l.startsWith("lakehouse run: interrupted by SIGTERM"));
    expect(line).toMatch(/^lakehouse run: interrupted by SIGTERM; Dataform \(pid (\d+)\) stopped; \d+ action outcomes kept in .+latest\.json/);
    const pid = Number(/pid (\d+)/.exec(line!)![1]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(() => process.kill(pid, 0)).toThrow();
    const latest = readLatest(stack.env)!;
    expect(latest.status).toBe("interrupted");
    expect(Object.values(latest.actions).some((a) => a.message === "interrupted before it ran")).toBe(true);
  }, 180_000);

  it("exits non-zero with one line and the hint when the postmaster is killed (-9) during run --full-refresh", async () => {
    const pid = Number(fs.readFileSync(path.join(postgresStatus(stack.env).dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    expect(pid).toBeGreaterThan(0);
    let killed = false;
    const result = await lakehouse(["run", "--env", "ci", "--full-refresh"], (line) => {
      // Kill once the first models are built: the run is then in the middle of its actions.
      if (!killed && /^✔ \S+ \[(view|table|incremental)\]/.test(line)) {
        killed = true;
        process.kill(pid, "SIGKILL");
      }
    });
    expect(killed).toBe(true);
    expect(result.code).toBe(1);
    const errors = result.stderr.split("\n").filter((l) => l.startsWith("error: "));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: run: the warehouse connection was lost during the run \(.+\); .+$/);
    expect(result.stderr).toMatch(/^hint: npx lakehouse up --env ci \(full output: .+\.log\)$/m);
    // No pg traces on the console: they are in the log file.
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toContain("pg.Client");
    const log = /full output: (.+\.log)\)/.exec(result.stderr)![1];
    expect(fs.readFileSync(path.isAbsolute(log) ? log : path.resolve(log), "utf8")).toMatch(/terminating connection|Connection terminated|ECONNREFUSED/);
    // The artifact says the invocation failed.
    expect(readLatest(stack.env)?.status).toBe("failed");
  }, 180_000);

  it("refuses to run when the warehouse does not answer: one line, the hint, exit 1", async () => {
    // The server is down after the kill above.
    const result = await lakehouse(["run", "--env", "ci", "--tags", "gold"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: run: the warehouse does not answer: .+$/m);
    expect(result.stderr).toMatch(/^hint: npx lakehouse up --env ci/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);
});
