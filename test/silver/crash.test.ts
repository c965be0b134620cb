/**
 * Crash safety of `lakehouse silver`: a child process running the stage is SIGKILLed at several points;
 * every table stays at its last good snapshot, the next run finishes the work without duplicates, counts
 * reconcile, and --vacuum removes what the killed run left behind.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../scripts/core/log.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { currentSnapshot, readRows } from "../../scripts/iceberg/index.ts";
import { partitionStates } from "../../scripts/silver/bookkeeping.ts";
import { openSilverCatalog, type SilverCatalog } from "../../scripts/silver/catalog.ts";
import { runSilver } from "../../scripts/silver/run.ts";
import { vacuumSilver } from "../../scripts/silver/vacuum.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { apiBody, ITEM, land, SESSION, sparkifyLog } from "./fixtures.ts";

const log = createLogger({ quiet: true });
let stack: TestStack;
let silver: SilverCatalog;

function crashAt(point: string): void {
  const child = spawnSync(process.execPath, ["--import", "tsx", fromRoot("test", "silver", "crash-child.ts")], {
    cwd: fromRoot(),
    env: { ...stack.cliEnv, CRASH_AT: point },
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(child.signal, `${point}: ${child.stderr}`).toBe("SIGKILL");
  expect(child.stdout).not.toContain("finished");
}

async function snapshotOf(table: string): Promise<bigint | null> {
  const loaded = await silver.catalog.loadTable(table);
  return loaded ? (currentSnapshot(loaded.metadata)?.["snapshot-id"] ?? null) : null;
}

async function rowsOf(table: string): Promise<Record<string, unknown>[]> {
  const loaded = await silver.catalog.loadTable(table);
  const out: Record<string, unknown>[] = [];
  for await (const row of readRows(silver.storage, loaded!.metadata)) out.push(row);
  return out;
}

const day1 = [SESSION(1, [ITEM("TRAAAAW128F429D538"), ITEM("TRAAABD128F429CF47")]), SESSION(2, [ITEM("TRAAAAW128F429D538", { price: "free" })]), SESSION(3, [])];
const day2 = [SESSION(4, [ITEM("TRAAABD128F429CF47")])];

beforeAll(async () => {
  stack = await testEnvironment();
  silver = openSilverCatalog(stack.env);
  await land(silver.storage, "api/sessions", "2018-11-01", [apiBody(day1)]);
  await land(silver.storage, "api/sessions", "2018-11-02", [apiBody(day2)]);
  await land(silver.storage, "sparkify/events", "2018-11-01", [{ body: sparkifyLog("2018-11-01") }]);
});

afterAll(async () => {
  await stack?.stop();
});

describe("silver killed mid-run", () => {
  it("after transforming a partition (data and quarantine files written, nothing committed): no table changes", async () => {
    crashAt("partition:api/sessions:2");
    expect(await snapshotOf("sessions")).toBeNull();
    expect(await snapshotOf("session_items")).toBeNull();
    // The killed run left files that no snapshot references.
    expect((await silver.storage.list("warehouse/silver/session_items/data/")).length).toBeGreaterThan(0);
    expect((await silver.storage.list("quarantine/api/sessions/")).length).toBe(1);
  });

  it("between the commits of sessions and session_items: the next run completes session_items only", async () => {
    crashAt("commit:sessions");
    const sessionsSnapshot = await snapshotOf("sessions");
    expect(sessionsSnapshot).not.toBeNull();
    expect(await snapshotOf("session_items")).toBeNull();

    const warnings: string[] = [];
    const reports = await runSilver(stack.env, { log: { ...log, warn: (m: string) => warnings.push(m) } });
    expect(warnings).toEqual(["silver api/sessions: sessions and session_items were left half committed (a run stopped between their commits) for 2018-11-01, 2018-11-02: completing the pair"]);
    const by = Object.fromEntries(reports.map((r) => [r.table, r]));
    expect(by.sessions.snapshot_id).toBeNull(); // already committed by the killed run
    expect(by.session_items).toMatchObject({ partitions_processed: 2, rows: 3, quarantined: 1 });
    expect(await snapshotOf("sessions")).toBe(sessionsSnapshot);

    const sessions = await rowsOf("sessions");
    const items = await rowsOf("session_items");
    expect(sessions.map((s) => s.session_id).sort()).toEqual([day1[0], day1[2], day2[0]].map((s) => s.session_id).sort());
    expect(items).toHaveLength(3);
    expect(new Set(items.map((i) => `${i.session_id}/${i.item_number}`)).size).toBe(3);
    for (const table of ["sessions", "session_items"]) {
      const states = partitionStates((await silver.catalog.loadTable(table))!.metadata);
      expect(states.map((s) => [s.ingestOn, s.landed, s.committed, s.quarantined])).toEqual([
        ["2018-11-01", 3, 2, 1],
        ["2018-11-02", 1, 1, 0],
      ]);
      // Each names a quarantine file that exists.
      expect(await silver.storage.exists(states[0].quarantineFile!)).toBe(true);
    }
  });

  it("vacuum removes what the killed runs left, and keeps every live file", async () => {
    const before = { sessions: await rowsOf("sessions"), items: await rowsOf("session_items") };
    const report = await vacuumSilver(silver, ["api/sessions"], log);
    expect(report.table_files_deleted.session_items).toBeGreaterThan(0);
    expect(report.quarantine_files_deleted).toBeGreaterThanOrEqual(1);
    expect(await rowsOf("sessions")).toEqual(before.sessions);
    expect(await rowsOf("session_items")).toEqual(before.items);
    const referenced = new Set(
      (await Promise.all(["sessions", "session_items"].map(async (t) => partitionStates((await silver.catalog.loadTable(t))!.metadata))))
        .flat()
        .map((s) => s.quarantineFile)
        .filter(Boolean),
    );
    expect((await silver.storage.list("quarantine/api/sessions/")).map((o) => o.key).sort()).toEqual([...referenced].sort());
  });

  it("sparkify/events killed after its partition: the rerun commits it once", async () => {
    // The earlier runs committed it; land it again (changed) and kill before the commit.
    await land(silver.storage, "sparkify/events", "2018-11-01", [{ body: `${sparkifyLog("2018-11-01")}\n` }]);
    const before = await snapshotOf("sparkify_events");
    crashAt("partition:sparkify/events:1");
    expect(await snapshotOf("sparkify_events")).toBe(before);
    await runSilver(stack.env, { log, entities: ["sparkify/events"] });
    const rows = await rowsOf("sparkify_events");
    expect(rows).toHaveLength(sparkifyLog("2018-11-01").split("\n").filter((l) => l.trim()).length);
    expect(new Set(rows.map((r) => r.line_number)).size).toBe(rows.length);
  });
});
