import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticTracks } from "../../scripts/api/catalog.ts";
import type { FaultConfig } from "../../scripts/api/faults.ts";
import { API_EPOCH } from "../../scripts/api/generate.ts";
import { startApiServer } from "../../scripts/api/server.ts";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import { describeError } from "../../scripts/core/errors.ts";
import type { Logger } from "../../scripts/core/log.ts";
import { fetchJsonArray } from "../../scripts/land/http.ts";
import { landSources } from "../../scripts/land/index.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import { sampleTracks } from "../api/tracks.ts";

const generator = { seed: 3, usersPerDay: 5, sessionsPerDay: 8, maxItemsPerSession: 3, epoch: API_EPOCH };
const tracks = staticTracks(sampleTracks(50));
const retry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 3000, timeoutMs: 400 };
let dir: string;
let env: Environment;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "land-faults-"));
  env = loadEnvironment("ci");
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function recorder(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log: Logger = { info: () => undefined, warn: (m) => warnings.push(m), progress: () => undefined, step: (_l, fn) => fn() };
  return { log, warnings };
}

/** Lands api for one or two days from a server with `faults`; returns what happened. */
async function landWith(faults: FaultConfig, name: string, days = 1, followRedirects = false) {
  const server = await startApiServer({ generator, tracks, faults });
  const storage = new LocalStorage(path.join(dir, name));
  const { log, warnings } = recorder();
  const started = Date.now();
  try {
    const endDate = days === 1 ? "2018-11-02" : "2018-11-03";
    const outcome = await landSources(env, { sources: ["api"], startDate: "2018-11-02", endDate, apiBaseUrl: server.url, retry, storage, log, followRedirects }).then(
      (summary) => ({ summary, error: null }),
      (error: unknown) => ({ summary: null, error }),
    );
    return { ...outcome, warnings, storage, elapsed: Date.now() - started, url: server.url };
  } finally {
    await server.close();
  }
}

describe("landing the API through injected faults", () => {
  for (const [kind, spec, expected] of [
    ["500", { times: 1 }, /HTTP 500/],
    ["429", { times: 1, retry_after: 1 }, /HTTP 429/],
    ["slow", { times: 1, delay_ms: 1500 }, /no response within 400 ms/],
    ["truncate", { times: 1 }, /truncated body at byte offset \d+ of \d+/],
    ["malformed", { times: 1 }, /malformed JSON at byte offset \d+/],
  ] as const) {
    it(`retries after ${kind} and lands the same bytes as without faults`, async () => {
      const clean = await landWith({}, `clean-${kind}`);
      const faulty = await landWith({ [kind]: spec }, `fault-${kind}`);
      expect(faulty.error).toBeNull();
      // One retry per entity (the fault fires once per distinct URL).
      expect(faulty.warnings).toHaveLength(2);
      for (const w of faulty.warnings) expect(w).toMatch(expected);
      if (kind === "429") expect(faulty.elapsed).toBeGreaterThanOrEqual(2000);
      for (const entity of ["api/users", "api/sessions"] as const) {
        const [a] = await listPartitions(clean.storage, entity);
        const [b] = await listPartitions(faulty.storage, entity);
        expect(b.manifest.rows).toBeGreaterThan(0);
        expect(b.manifest.content_sha256).toBe(a.manifest.content_sha256);
      }
    });
  }

  it("fails a day that stays truncated, naming entity, day, URL and byte offset, publishing no entity of it (issue 22.5)", async () => {
    const result = await landWith({ truncate: { paths: ["/sessions"] } }, "always-truncated");
    const message = describeError(result.error);
    expect(message).toContain(`${result.url}/sessions?start_date=2018-11-02&end_date=2018-11-02`);
    expect(message).toMatch(/after 3 attempts: truncated body at byte offset (\d+) of (\d+)/);
    const [, at, of] = /byte offset (\d+) of (\d+)/.exec(message)!.map(Number);
    expect(at).toBeLessThan(of);
    expect(message).toContain("api/sessions of 2018-11-02 failed, so neither it nor api/users of that day was published");
    expect(await listPartitions(result.storage, "api/sessions")).toEqual([]);
    expect(await result.storage.list("_staging/")).toEqual([]);
    // The users of that day were fetched complete, but are not published without their sessions.
    expect(await listPartitions(result.storage, "api/users")).toEqual([]);
  });

  it("publishes users and sessions of a day together or not at all, under 60 % HTTP 500s over 8 days", async () => {
    const server = await startApiServer({ generator, tracks, faults: { "500": { rate: 0.6 } } });
    const storage = new LocalStorage(path.join(dir, "flaky-days"));
    try {
      const outcome = await landSources(env, { sources: ["api"], startDate: "2018-11-02", endDate: "2018-11-09", apiBaseUrl: server.url, retry: { ...retry, attempts: 2 }, storage, log: recorder().log }).catch((error: unknown) => error);
      expect(describeError(outcome)).toMatch(/api\/(users|sessions) of 2018-11-\d\d failed, so neither it nor api\/(users|sessions) of that day was published: GET .* after 2 attempts: HTTP 500/);
    } finally {
      await server.close();
    }
    const days = async (entity: "api/users" | "api/sessions") => (await listPartitions(storage, entity)).map((p) => p.ingestOn);
    // Deterministic faults: some days land whole, the others not at all.
    expect((await days("api/users")).length).toBeGreaterThan(0);
    expect(await days("api/users")).toEqual(await days("api/sessions"));
    expect(await storage.list("_staging/")).toEqual([]);
  });

  it("fails on malformed JSON with the exact byte offset of the error", async () => {
    const result = await landWith({ malformed: { paths: ["/users"] } }, "always-malformed");
    const server = await startApiServer({ generator, tracks, faults: { malformed: {} } });
    const body = await (await fetch(`${server.url}/users?start_date=2018-11-02&end_date=2018-11-02`)).text();
    await server.close();
    const offset = Buffer.byteLength(body.slice(0, body.indexOf("<!--")));
    expect(describeError(result.error)).toMatch(new RegExp(`users\\?start_date=2018-11-02&end_date=2018-11-02.*byte ${offset}.*malformed JSON at byte offset ${offset} `));
    expect(await listPartitions(result.storage, "api/users")).toEqual([]);
  });

  it("does not retry a client error and names the API when it is unreachable", async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(fetchJsonArray(`http://127.0.0.1:${port}/users?start_date=2018-11-02&end_date=2018-11-02`, { ...retry, attempts: 2 })).rejects.toThrow(
      new RegExp(`GET http://127\\.0\\.0\\.1:${port}/users.*after 2 attempts: request failed.*ECONNREFUSED`),
    );
    const server = await startApiServer({ generator, tracks });
    const { log, warnings } = recorder();
    await expect(fetchJsonArray(`${server.url}/users?start_date=2018-13-01&end_date=2018-13-01`, retry, (m) => log.warn(m))).rejects.toThrow(/HTTP 400/);
    await server.close();
    expect(warnings).toEqual([]);
  });

  it("stores duplicated and broken records as received", async () => {
    const result = await landWith({ duplicate: { rate: 0.3 }, missing_field: { rate: 0.2 }, wrong_type: { rate: 0.2 } }, "records", 2);
    expect(result.error).toBeNull();
    const server = await startApiServer({ generator, tracks, faults: { duplicate: { rate: 0.3 }, missing_field: { rate: 0.2 }, wrong_type: { rate: 0.2 } } });
    try {
      for (const p of await listPartitions(result.storage, "api/users")) {
        const landed = await result.storage.get(p.manifest.files[0].key);
        const served = Buffer.from(await (await fetch(`${server.url}/users?start_date=${p.ingestOn}&end_date=${p.ingestOn}`)).arrayBuffer());
        expect(landed.equals(served)).toBe(true);
        expect(p.manifest.rows).toBe((JSON.parse(landed.toString()) as unknown[]).length);
      }
    } finally {
      await server.close();
    }
    const all = (await listPartitions(result.storage, "api/users")).map((p) => p.manifest.rows);
    expect(all.reduce((a, b) => a + b, 0)).toBeGreaterThan(2 * generator.usersPerDay);
  });
});

describe("HTTP redirects of the API (issue 22.8)", () => {
  it("refuses a redirect to another origin, naming both URLs, without retrying or publishing", async () => {
    const other = await startApiServer({ generator, tracks });
    try {
      const result = await landWith({ redirect: { to: other.url, paths: ["/users"] } }, "redirect-other");
      const message = describeError(result.error);
      expect(message).toContain(`refused a redirect to another origin: HTTP 302 from ${result.url}/users?start_date=2018-11-02&end_date=2018-11-02 to ${other.url}/moved/users?start_date=2018-11-02`);
      expect(message).not.toContain("attempts");
      expect(result.warnings).toEqual([]);
      for (const entity of ["api/users", "api/sessions"] as const) expect(await listPartitions(result.storage, entity)).toEqual([]);
      expect(await result.storage.list("_staging/")).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it("refuses a same-origin redirect by default and follows it with followRedirects, recording the final URL", async () => {
    const refused = await landWith({ redirect: { paths: ["/users"] } }, "redirect-same-refused");
    expect(describeError(refused.error)).toMatch(/refused a redirect: HTTP 302 from .*\/users\?.* to .*\/moved\/users\?.*pass --follow-redirects/);
    const followed = await landWith({ redirect: { paths: ["/users"] } }, "redirect-same-followed", 1, true);
    expect(followed.error).toBeNull();
    const [users] = await listPartitions(followed.storage, "api/users");
    const asked = `${followed.url}/users?start_date=2018-11-02&end_date=2018-11-02`;
    expect(users.manifest.origin).toEqual({ kind: "http", url: `${followed.url}/moved/users?start_date=2018-11-02&end_date=2018-11-02`, requested_url: asked });
    expect(users.manifest.rows).toBeGreaterThan(0);
    const [sessions] = await listPartitions(followed.storage, "api/sessions");
    expect(sessions.manifest.origin).toEqual({ kind: "http", url: `${followed.url}/sessions?start_date=2018-11-02&end_date=2018-11-02` });
  });
});
