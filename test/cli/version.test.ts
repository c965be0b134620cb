import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countsOf, createLogger } from "../../scripts/core/log.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const BIN = fromRoot("bin", "lakehouse.js");

describe("lakehouse --version", () => {
  it("prints the project's, Dataform's and Node's versions, exit 0", () => {
    const pkg = JSON.parse(fs.readFileSync(fromRoot("package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
    for (const flag of ["--version", "-V"]) {
      const out = spawnSync(process.execPath, [BIN, flag], { encoding: "utf8" });
      expect(out.status).toBe(0);
      expect(out.stdout).toBe(`lakehouse ${pkg.version} (dataform ${pkg.dependencies["@dataform/core"]}, node ${process.versions.node})\n`);
    }
  });
});

function logged(format: "json" | "text", quiet = false) {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d) => (text += String(d)));
  return { log: createLogger({ stream, format, quiet }), lines: () => text.split("\n").filter(Boolean) };
}

describe("--log-format json (logger)", () => {
  it("writes one JSON event per line: stage, status, counts, seconds", async () => {
    const { log, lines } = logged("json");
    await log.step("land api", async () => 7, (n) => `${n} partitions, 1,250 rows`);
    log.info("hello");
    log.event?.({ stage: "run", action: "gold.dim_users", status: "success", counts: { rows: 12 }, seconds: 0.5 });
    await expect(log.step("compile", async () => Promise.reject(new Error("broken\nsecond line")))).rejects.toThrow("broken");
    const events = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toHaveLength(4);
    expect(events[0]).toMatchObject({ stage: "land api", status: "ok", counts: { partitions: 7, rows: 1250 }, message: "7 partitions, 1,250 rows" });
    expect(typeof events[0].seconds).toBe("number");
    expect(new Date(events[0].ts as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(events[1]).toMatchObject({ stage: "log", status: "info", message: "hello" });
    expect(events[2]).toMatchObject({ stage: "run", action: "gold.dim_users", status: "success", counts: { rows: 12 }, seconds: 0.5 });
    expect(events[3]).toMatchObject({ stage: "compile", status: "error", message: "broken" });
  });

  it("quiet keeps only warnings and errors; text mode is unchanged", async () => {
    const quiet = logged("json", true);
    await quiet.log.step("a", async () => 1);
    quiet.log.warn("careful");
    quiet.log.event?.({ stage: "run", action: "x", status: "failed" });
    expect(quiet.lines().map((l) => JSON.parse(l).status)).toEqual(["warn", "failed"]);
    const text = logged("text");
    await text.log.step("seed", async () => 3, (n) => `${n} rows`);
    expect(text.lines()[0]).toMatch(/^✔ seed: 3 rows \(\d+ ms\)$/);
  });

  it("countsOf reads the counts a summary states", () => {
    expect(countsOf("29 models, 325 rules (updated)")).toEqual({ models: 29, rules: 325 });
    expect(countsOf("api/users: 2 partitions, 1,024 records")).toEqual({ partitions: 2, records: 1024 });
    expect(countsOf("warehouse postgres")).toEqual({});
  });
});

describe("--log-format json (CLI)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await testEnvironment();
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const lakehouse = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args, "--env", "ci"], { env: stack.cliEnv, encoding: "utf8", timeout: 120_000 });

  it("every stderr line of a command is a JSON event, the error too; stdout keeps the data", () => {
    const ok = lakehouse("ls", "--select", "tag:staging,schema:gold,type:view", "--log-format", "json");
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout.trim().split("\n")).toHaveLength(4);
    const events = ok.stderr.trim().split("\n").map((l) => JSON.parse(l) as { stage: string; status: string; counts?: Record<string, number>; seconds?: number });
    expect(events.find((e) => e.stage === "generate")?.counts?.rules).toBeGreaterThan(0);
    expect(events.find((e) => e.stage === "compile")).toMatchObject({ status: "ok" });
    expect(events.find((e) => e.stage === "select")).toMatchObject({ status: "ok", counts: { selected: 4 } });
    for (const e of events) expect(e.status).toBeTruthy();

    const bad = lakehouse("ls", "--select", "nope", "--log-format", "json", "-q");
    expect(bad.status).toBe(1);
    const lines = bad.stderr.trim().split("\n").map((l) => JSON.parse(l) as { stage: string; status: string; message: string });
    expect(lines.at(-1)).toMatchObject({ stage: "select", status: "error" });
    expect(lines.at(-1)?.message).toMatch(/selector "nope" matches no action \(hint: /);

    const format = lakehouse("ls", "--log-format", "xml");
    expect(format.status).toBe(2);
    expect(format.stderr).toMatch(/--log-format "xml": use text or json/);
  }, 120_000);
});
