/**
 * The landed and quarantined row counts per entity and `ingest_on`, as a small warehouse table
 * `<assertionSchema>._landing_counts`, so that reconciliation rules (`row_count: {equal_to: {landed: …}}`,
 * `freshness: {reference: {landed: …}}`) can compare silver with what landed, in SQL:
 *
 *   landed rows (the partition's `_manifest.json`) = silver rows + quarantined records, per day.
 *
 * - landed rows: `rows` of each published partition's manifest (a partition without one does not exist);
 * - quarantined: the records in `quarantine/<source>/<entity>/ingest_on=…/*.jsonl` (one line per record).
 *   The silver stage removes the quarantine files of older runs after each commit, so what is left is the
 *   quarantine of the partition's current silver commit.
 *
 * Refreshed by `lakehouse test` (runAssertionReport) and, when the warehouse answers, before
 * `lakehouse compile|run|test|all` (prepareProject), so plain `dataform run` finds it current.
 */
import type pg from "pg";
import type { Environment } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { ENTITIES } from "../land/layout.ts";
import { listPartitions } from "../land/partitions.ts";
import { connect } from "../stack/db.ts";
import { quarantinePrefix } from "../silver/quarantine.ts";
import { openStorage } from "../storage/index.ts";
import type { Storage } from "../storage/types.ts";
import { assertionsInclude, projectSettings } from "./sql.ts";

export interface LandingCount {
  source: string;
  entity: string;
  ingest_on: string;
  landed_rows: number;
  quarantined_rows: number;
}

/** Lines of a quarantine file, streamed (never the whole file in memory). */
async function countLines(storage: Storage, key: string): Promise<number> {
  const stream = await storage.getStream(key);
  let lines = 0;
  let last = 10;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    if (chunk.length) last = chunk[chunk.length - 1];
  }
  return last === 10 ? lines : lines + 1;
}

/** Every landed partition of every entity with its landed and quarantined counts, sorted. */
export async function collectLandingCounts(storage: Storage): Promise<LandingCount[]> {
  const out: LandingCount[] = [];
  for (const entity of ENTITIES) {
    const [source, name] = entity.split("/");
    for (const partition of await listPartitions(storage, entity)) {
      let quarantined = 0;
      for (const object of await storage.list(quarantinePrefix(entity, partition.ingestOn))) {
        if (object.key.endsWith(".jsonl")) quarantined += await countLines(storage, object.key);
      }
      out.push({ source, entity: name, ingest_on: partition.ingestOn, landed_rows: partition.manifest.rows, quarantined_rows: quarantined });
    }
  }
  return out;
}

/** Replaces the table's content in one transaction (creating schema and table when missing). */
export async function writeLandingCounts(client: pg.Client, counts: LandingCount[], schema: string = projectSettings().assertionSchema): Promise<string> {
  const { quoteIdent, LANDING_COUNTS_TABLE } = assertionsInclude();
  const table = `${quoteIdent(schema)}.${quoteIdent(LANDING_COUNTS_TABLE)}`;
  await client.query(`create schema if not exists ${quoteIdent(schema)}`);
  await client.query(
    `create table if not exists ${table} (source varchar(32) not null, entity varchar(64) not null, ingest_on date not null,
       landed_rows bigint not null, quarantined_rows bigint not null, refreshed_at timestamp not null)`,
  );
  await client.query("begin");
  try {
    await client.query(`delete from ${table}`);
    // One timestamp for the whole refresh, in UTC without zone (like every timestamp of the project).
    const refreshedAt = new Date().toISOString().replace("T", " ").replace("Z", "");
    for (let i = 0; i < counts.length; i += 500) {
      const batch = counts.slice(i, i + 500);
      const params: unknown[] = [refreshedAt];
      const rows = batch.map((c) => {
        params.push(c.source, c.entity, c.ingest_on, c.landed_rows, c.quarantined_rows);
        const n = params.length;
        return `($${n - 4}, $${n - 3}, cast($${n - 2} as date), $${n - 1}, $${n}, cast($1 as timestamp))`;
      });
      await client.query(`insert into ${table} (source, entity, ingest_on, landed_rows, quarantined_rows, refreshed_at) values ${rows.join(", ")}`, params);
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
  return table;
}

/** Reads the bucket's manifests and quarantine, writes the table; returns the counts written. */
export async function refreshLandingCounts(env: Environment, client: pg.Client, storage: Storage = openStorage(env)): Promise<LandingCount[]> {
  const counts = await collectLandingCounts(storage);
  await writeLandingCounts(client, counts);
  return counts;
}

/** prepareProject's best effort: refreshes the counts when the warehouse answers, says so when it does not. */
export async function refreshLandingCountsIfReachable(env: Environment, log: Logger): Promise<void> {
  let client: pg.Client;
  try {
    client = await connect(env, "warehouse");
  } catch {
    log.info("landing counts not refreshed: the warehouse is not running (reconciliation assertions read them)");
    return;
  }
  try {
    await log.step("landing counts", () => refreshLandingCounts(env, client), (c) => `${c.length} partitions, ${c.reduce((n, x) => n + x.landed_rows, 0)} landed rows, ${c.reduce((n, x) => n + x.quarantined_rows, 0)} quarantined`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
