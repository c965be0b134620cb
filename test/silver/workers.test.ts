/** Partitions transformed in worker threads give the same tables as in-process, and failures keep their context. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../scripts/core/log.ts";
import { LakehouseError } from "../../scripts/core/errors.ts";
import { readRows } from "../../scripts/iceberg/index.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { partitionStates } from "../../scripts/silver/bookkeeping.ts";
import { openSilverCatalog } from "../../scripts/silver/catalog.ts";
import { runSilver } from "../../scripts/silver/run.ts";
import { workerPool } from "../../scripts/silver/workers.ts";
import { createTable } from "../../scripts/iceberg/index.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { apiBody, ITEM, land, SESSION, sparkifyLog } from "./fixtures.ts";

const log = createLogger({ quiet: true });
const DAYS = ["2018-11-01", "2018-11-02", "2018-11-03"];
let serial: TestStack;
let parallel: TestStack;

async function landFixture(stack: TestStack): Promise<void> {
  const { storage } = openSilverCatalog(stack.env);
  for (const [d, day] of DAYS.entries()) {
    const sessions = Array.from({ length: 50 }, (_, i) => SESSION(d * 100 + i, [ITEM("TRAAAAW128F429D538", { price: i === 7 ? -2 : 0.5 }), ITEM("TRAAABD128F429CF47")]));
    await land(storage, "api/sessions", day, [apiBody(sessions)]);
    await land(storage, "sparkify/events", day, [{ body: sparkifyLog(day) }]);
  }
}

/** Rows without processed_at (the run's time), sorted. */
async function rows(stack: TestStack, table: string): Promise<string[]> {
  const { storage, catalog } = openSilverCatalog(stack.env);
  const out: string[] = [];
  for await (const row of readRows(storage, (await catalog.loadTable(table))!.metadata)) {
    const { processed_at: _p, ...rest } = row;
    out.push(JSON.stringify(rest, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
  }
  return out.sort();
}

beforeAll(async () => {
  serial = await testEnvironment();
  parallel = await testEnvironment();
  await landFixture(serial);
  await landFixture(parallel);
});

afterAll(async () => {
  await serial?.stop();
  await parallel?.stop();
});

describe("worker threads", () => {
  it("give the same rows, counts and bookkeeping as the in-process run", async () => {
    const a = await runSilver(serial.env, { log, workers: 1 });
    const b = await runSilver(parallel.env, { log, workers: 2 });
    const strip = (reports: typeof a) => reports.map(({ snapshot_id: _s, duration_ms: _d, ...r }) => r);
    expect(strip(b)).toEqual(strip(a));
    expect(b.find((r) => r.table === "session_items")).toMatchObject({ partitions_processed: 3, quarantined: 3, rows: 2 * 49 * 3 });
    for (const table of ["sessions", "session_items", "sparkify_events"]) {
      expect(await rows(parallel, table), table).toEqual(await rows(serial, table));
      const states = async (stack: TestStack) =>
        partitionStates((await openSilverCatalog(stack.env).catalog.loadTable(table))!.metadata).map(({ quarantineFile: q, ...s }) => ({ ...s, hasQuarantine: q !== null }));
      expect(await states(parallel)).toEqual(await states(serial));
    }
  });

  it("a failure inside a worker reaches the caller with its file, and nothing is committed", async () => {
    const { storage, catalog } = openSilverCatalog(parallel.env);
    for (const day of DAYS) await land(storage, "sparkify/events", day, [{ body: `${sparkifyLog(day)}\n\n` }]);
    const [first] = await listPartitions(storage, "sparkify/events");
    await storage.put(first.manifest.files[0].key, "{}\n");
    const before = (await catalog.loadTable("sparkify_events"))!.metadataLocation;
    const files = async () => (await storage.list("warehouse/silver/sparkify_events/data/")).map((o) => o.key);
    const filesBefore = await files();
    const error = await runSilver(parallel.env, { log, workers: 2, entities: ["sparkify/events"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakehouseError);
    expect((error as LakehouseError).context.file).toBe(first.manifest.files[0].key);
    expect((await catalog.loadTable("sparkify_events"))!.metadataLocation).toBe(before);
    // What the other partitions' workers wrote was removed with the failed run.
    expect(await files()).toEqual(filesBefore);
  });

  it("runs jobs started at once on distinct threads (one per job up to the pool size)", async () => {
    const { storage, catalog } = openSilverCatalog(serial.env);
    const config = serial.env.storage.type === "local" ? { ...serial.env.storage, root: serial.env.resolvePath(serial.env.storage.root) } : serial.env.storage;
    const { metadata } = await createTable(storage, catalog, silverTable("sessions"));
    const pool = workerPool(2, config, () => undefined);
    try {
      const partitions = await listPartitions(storage, "api/sessions");
      const outcomes = await Promise.all(
        partitions.map((partition) => pool.run({ entity: "api/sessions", partition, tables: [{ name: "sessions", metadata }], runId: "pool-test", processedAt: 0n, rowGroupRows: 1000 })),
      );
      expect(outcomes.map((o) => o.landed)).toEqual([50, 50, 50]);
      expect(pool.started).toBe(2);
    } finally {
      await pool.close();
    }
  });
});
