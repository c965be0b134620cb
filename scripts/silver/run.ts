/**
 * The silver stage (`lakehouse silver`): landed partitions → typed Iceberg tables + quarantine.
 *
 * Per landed entity:
 * 1. list the published landing partitions (manifests) and load (or create) the entity's tables;
 * 2. a partition needs processing for a table when its manifest's `content_sha256` differs from the
 *    `landed-sha256` the table's current metadata recorded for that partition (or with --full-refresh);
 *    unchanged partitions are skipped without reading a byte of data;
 * 3. each partition needing work is streamed file by file, record by record: typed rows go to one
 *    DataFileWriter per table (row groups of `silver.row_group_rows` flushed as they fill; writers are closed
 *    at the end of each partition, so memory is bounded by row groups, never by a partition), invalid
 *    records to the partition's quarantine file;
 * 4. per table, all the partitions of the run are replaced in ONE snapshot (`replacePartitions`), whose
 *    summary records, per partition, the landed sha256, landed / committed / quarantined record counts, the
 *    table's row count and the quarantine file; the same values are kept as per-partition tags in the
 *    table properties (the state the next run compares against);
 * 5. the quarantine files these commits replaced are removed (unless a table still names them); orphans of
 *    crashed runs are left to `--vacuum`, since a file no table names yet may be a concurrent run's.
 *
 * Reconciliation, per partition: landed records (the manifest's rows, checked against the records read)
 * = committed records + quarantined records. For api/sessions the record is the session: `sessions` has
 * one row per committed session and `session_items` the items of exactly those sessions.
 */
import { randomUUID } from "node:crypto";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { formatDuration, type Logger } from "../core/log.ts";
import { ENTITIES, type EntityName } from "../land/layout.ts";
import type { Storage } from "../storage/types.ts";
import { createTable, partitionTags, replacePartitions, type Catalog, type CommitOptions, type LoadedTable } from "../iceberg/index.ts";
import { keyOf } from "../iceberg/locations.ts";
import { PARTITION_TAG_PREFIX } from "../iceberg/metadata.ts";
import { partitionStates, taggedPartitions, TAG } from "./bookkeeping.ts";
import { openSilverCatalog } from "./catalog.ts";
import { PARSERS, type EntityParser } from "./entities/index.ts";
import { listPartitions, type LandedPartition } from "./landed.ts";
import type { PartitionJob, PartitionOutcome } from "./partition.ts";
import { silverTable } from "./tables.ts";
import { defaultWorkers, inProcessRunner, workerPool, type PartitionRunner, type ProgressFn } from "./workers.ts";

/** Landed bytes of an entity's partitions to process from which worker threads are used by default. */
export const AUTO_WORKERS_BYTES = 64 * 1024 * 1024;

export interface SilverRunOptions {
  /** Landed entities to process (`source/entity`), default all. */
  entities?: EntityName[];
  /** Re-process every landed partition, and drop silver partitions that are no longer landed. */
  fullRefresh?: boolean;
  log: Logger;
  /** The run's time (`processed_at`), default now. */
  now?: Date;
  /** Rows per Parquet row group (default env.silver.row_group_rows, else 50,000). */
  rowGroupRows?: number;
  /**
   * Worker threads transforming partitions in parallel; 1 = in this thread. Default: one per core (at most
   * 4) when an entity has at least 64 MiB of landed data to process, else 1 (a worker costs ~1 s to start).
   */
  workers?: number;
  /** For tests (crash points): called after each partition has been transformed, before any commit. */
  afterPartition?(entity: EntityName, ingestOn: string): void | Promise<void>;
  /** For tests (crash points): called after each table's commit. */
  afterCommit?(table: string): void | Promise<void>;
}

export interface TableReport {
  table: string;
  entity: EntityName;
  partitions_processed: number;
  partitions_skipped: number;
  /** Partitions removed because they are no longer landed (--full-refresh only). */
  partitions_dropped: number;
  /** Rows written to this table by this run. */
  rows: number;
  /** Landed records of the processed partitions. */
  landed: number;
  /** Of those, committed (for session_items: sessions whose items were committed). */
  committed: number;
  quarantined: number;
  /** The snapshot this run committed, or null when nothing changed. */
  snapshot_id: string | null;
  duration_ms: number;
}

/**
 * The partitions on which the tables of one entity (sessions and session_items) disagree: a different
 * landed sha256 or committed count in their tags, or tagged in one only. Empty when they agree (or for a
 * single table). A crash between the pair's commits leaves such partitions; the run that follows completes them.
 */
export function halfCommitted(tables: Map<string, LoadedTable>): string[] {
  if (tables.size < 2) return [];
  const views = [...tables.values()].map((t) => new Map(partitionStates(t.metadata).map((p) => [p.ingestOn, `${p.sha256}/${p.committed}`])));
  const days = new Set(views.flatMap((v) => [...v.keys()]));
  return [...days].filter((day) => new Set(views.map((v) => v.get(day) ?? "")).size > 1).sort();
}

function tagsOf(outcome: PartitionOutcome, table: string): Record<string, string> {
  return {
    [TAG.sha256]: outcome.sha256,
    [TAG.landed]: String(outcome.landed),
    [TAG.committed]: String(outcome.committed),
    [TAG.quarantined]: String(outcome.quarantined),
    [TAG.rows]: String(outcome.tables[table]?.rows ?? 0),
    [TAG.quarantineFile]: outcome.quarantineFile ?? "",
  };
}

const REMOVED_TAGS: Record<string, string> = Object.fromEntries(Object.values(TAG).map((t) => [t, ""]));

class EntityRun {
  private readonly processedAt: bigint;
  private readonly runId: string;
  private readonly rowGroupRows: number;

  constructor(
    private readonly storage: Storage,
    private readonly catalog: Catalog,
    private readonly parser: EntityParser,
    private readonly options: SilverRunOptions & { runId: string; processedAt: bigint; rowGroupRows: number },
    private readonly runnerFor: (todo: LandedPartition[]) => PartitionRunner,
  ) {
    this.processedAt = options.processedAt;
    this.runId = options.runId;
    this.rowGroupRows = options.rowGroupRows;
  }

  async run(): Promise<TableReport[]> {
    const { log } = this.options;
    const entity = this.parser.entity;
    const started = performance.now();
    const partitions = await listPartitions(this.storage, entity);
    const tables = new Map<string, LoadedTable>();
    for (const name of this.parser.tables) tables.set(name, await createTable(this.storage, this.catalog, silverTable(name)));

    // Which partitions each table needs, and which are stale (tagged but no longer landed).
    const needs = new Map<string, Set<string>>();
    const stale = new Map<string, string[]>();
    const landedDays = new Set(partitions.map((p) => p.ingestOn));
    for (const [name, loaded] of tables) {
      const need = new Set<string>();
      for (const partition of partitions) {
        const committed = partitionTags(loaded.metadata, partition.ingestOn)[TAG.sha256];
        if (this.options.fullRefresh || committed !== partition.manifest.content_sha256) need.add(partition.ingestOn);
      }
      needs.set(name, need);
      stale.set(name, this.options.fullRefresh ? taggedPartitions(loaded.metadata).filter((d) => !landedDays.has(d)) : []);
    }
    const todo = partitions.filter((p) => [...needs.values()].some((need) => need.has(p.ingestOn)));
    const half = halfCommitted(tables);
    if (half.length > 0) log.warn(`silver ${entity}: ${this.parser.tables.join(" and ")} were left half committed (a run stopped between their commits) for ${half.join(", ")}: completing the pair`);

    // Transform the partitions (in parallel when the runner has several workers), then commit.
    const runner = this.runnerFor(todo);
    const outcomes: PartitionOutcome[] = [];
    let failure: unknown = null;
    let next = 0;
    const lane = async () => {
      while (failure === null && next < todo.length) {
        const partition = todo[next++];
        const job: PartitionJob = {
          entity,
          partition,
          tables: this.parser.tables.filter((t) => needs.get(t)!.has(partition.ingestOn)).map((name) => ({ name, metadata: tables.get(name)!.metadata })),
          runId: this.runId,
          processedAt: this.processedAt,
          rowGroupRows: this.rowGroupRows,
        };
        try {
          outcomes.push(await runner.run(job));
          log.progress(`silver ${entity}: partitions`, outcomes.length, todo.length);
          await this.options.afterPartition?.(entity, partition.ingestOn);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(runner.size, todo.length) }, lane));
    if (failure !== null) {
      await this.discard(outcomes);
      throw failure;
    }
    outcomes.sort((a, b) => (a.ingestOn < b.ingestOn ? -1 : 1));

    const reports: TableReport[] = [];
    for (const name of this.parser.tables) {
      const mine = outcomes.filter((o) => o.tables[name] !== undefined);
      const drop = stale.get(name)!;
      const report: TableReport = {
        table: name,
        entity,
        partitions_processed: mine.length,
        partitions_skipped: partitions.length - mine.length,
        partitions_dropped: drop.length,
        rows: mine.reduce((n, o) => n + o.tables[name].rows, 0),
        landed: mine.reduce((n, o) => n + o.landed, 0),
        committed: mine.reduce((n, o) => n + o.committed, 0),
        quarantined: mine.reduce((n, o) => n + o.quarantined, 0),
        snapshot_id: null,
        duration_ms: 0,
      };
      if (mine.length > 0 || drop.length > 0) {
        const result = await this.commit(name, mine, drop);
        report.snapshot_id = String(result.snapshotId);
        await this.options.afterCommit?.(name);
      }
      report.duration_ms = Math.round(performance.now() - started);
      reports.push(report);
    }
    // The quarantine files these commits replaced (named by the metadata the run started from), unless a
    // table still names them (e.g. a table that did not need the partition).
    const touched = new Set([...outcomes.map((o) => o.ingestOn), ...[...stale.values()].flat()]);
    const replaced = [...tables.values()].flatMap((t) => partitionStates(t.metadata)).filter((p) => touched.has(p.ingestOn) && p.quarantineFile);
    await this.removeQuarantineFiles(replaced.map((p) => p.quarantineFile!));
    // The tables of one entity commit one after the other: once all are committed they must agree per partition.
    const after = new Map<string, LoadedTable>();
    for (const name of this.parser.tables) after.set(name, (await this.catalog.loadTable(name))!);
    const disagree = halfCommitted(after);
    if (disagree.length > 0) {
      throw new LakehouseError("silver", `${this.parser.tables.join(" and ")} disagree after the run for ${disagree.join(", ")} (another silver run committed meanwhile?)`, { file: entity }, "run `npx lakehouse silver` again (one at a time)");
    }
    return reports;
  }

  private async commit(name: string, outcomes: PartitionOutcome[], drop: string[]) {
    const summary: Record<string, string> = {
      "deftunes.run-id": this.runId,
      "deftunes.entity": this.parser.entity,
      "deftunes.landed-rows": String(outcomes.reduce((n, o) => n + o.landed, 0)),
      "deftunes.committed-rows": String(outcomes.reduce((n, o) => n + o.committed, 0)),
      "deftunes.quarantined-rows": String(outcomes.reduce((n, o) => n + o.quarantined, 0)),
    };
    const tags: Record<string, Record<string, string>> = {};
    for (const outcome of outcomes) {
      tags[outcome.ingestOn] = tagsOf(outcome, name);
      for (const [k, v] of Object.entries(tags[outcome.ingestOn])) summary[`${PARTITION_TAG_PREFIX}${outcome.ingestOn}.${k}`] = v;
    }
    for (const day of drop) tags[day] = REMOVED_TAGS;
    if (drop.length > 0) summary["deftunes.dropped-partitions"] = drop.join(",");
    const options: CommitOptions = { summary, partitionTags: tags };
    const files = outcomes.flatMap((o) => o.tables[name].files);
    try {
      return await replacePartitions(this.storage, this.catalog, name, [...outcomes.map((o) => o.ingestOn), ...drop], files, options);
    } catch (error) {
      for (const file of files) await this.storage.delete(keyOf(this.storage, file.file_path)).catch(() => undefined);
      throw error;
    }
  }

  /** After a failure before any commit: remove what this run wrote. */
  private async discard(outcomes: PartitionOutcome[]): Promise<void> {
    for (const outcome of outcomes) {
      for (const { files } of Object.values(outcome.tables)) {
        for (const file of files) await this.storage.delete(keyOf(this.storage, file.file_path)).catch(() => undefined);
      }
      if (outcome.quarantineFile) await this.storage.delete(outcome.quarantineFile).catch(() => undefined);
    }
  }

  /**
   * Deletes quarantine files this run's commits replaced, unless a current table still names them. Only
   * those: a file no table names yet may belong to a concurrent run about to commit (orphans of crashed
   * runs are left to --vacuum).
   */
  private async removeQuarantineFiles(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const referenced = await referencedQuarantineFiles(this.catalog, this.parser);
    for (const key of new Set(keys)) if (!referenced.has(key)) await this.storage.delete(key);
  }
}

/** Quarantine keys named by the current metadata of an entity's tables. */
export async function referencedQuarantineFiles(catalog: Catalog, parser: EntityParser): Promise<Set<string>> {
  const out = new Set<string>();
  for (const name of parser.tables) {
    const loaded = await catalog.loadTable(name);
    if (!loaded) continue;
    for (const state of partitionStates(loaded.metadata)) if (state.quarantineFile) out.add(state.quarantineFile);
  }
  return out;
}

function reportLine(r: TableReport, ms: number): string {
  const dropped = r.partitions_dropped ? `, ${r.partitions_dropped} dropped` : "";
  const snapshot = r.snapshot_id ? `, snapshot ${r.snapshot_id}` : ", no new snapshot";
  return `✔ silver.${r.table}: ${r.partitions_processed} partitions processed, ${r.partitions_skipped} skipped${dropped}, ${r.rows} rows, ${r.quarantined} quarantined${snapshot} (${formatDuration(ms)})`;
}

/** Runs the silver stage; returns one report per table. Throws the first failure after trying every entity. */
export async function runSilver(env: Environment, options: SilverRunOptions): Promise<TableReport[]> {
  const { storage, catalog } = openSilverCatalog(env);
  const entities = options.entities ?? [...ENTITIES];
  const now = options.now ?? new Date();
  const common = {
    ...options,
    runId: `${now.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomUUID().slice(0, 8)}`,
    processedAt: BigInt(now.getTime()) * 1000n,
    rowGroupRows: options.rowGroupRows ?? env.silver.row_group_rows ?? 50_000,
  };
  const progress: ProgressFn = (job, records, total) => options.log.progress(`silver ${job.entity} ingest_on=${job.partition.ingestOn}: records`, records, total);
  const inProcess = inProcessRunner(storage, progress);
  let pool: PartitionRunner | null = null;
  const runnerFor = (todo: LandedPartition[]): PartitionRunner => {
    const bytes = todo.reduce((n, p) => n + p.manifest.bytes, 0);
    const workers = options.workers ?? (bytes >= AUTO_WORKERS_BYTES ? defaultWorkers() : 1);
    if (workers <= 1 || todo.length <= 1) return inProcess;
    const config = env.storage.type === "local" ? { ...env.storage, root: env.resolvePath(env.storage.root) } : env.storage;
    pool ??= workerPool(workers, config, progress);
    return pool;
  };
  const reports: TableReport[] = [];
  const failures: { entity: EntityName; error: unknown }[] = [];
  try {
    for (const entity of entities) {
      const parser = PARSERS[entity];
      if (!parser) throw new LakehouseError("silver", `unknown entity "${entity}"`, { field: "entity" }, `one of ${ENTITIES.join(", ")}`);
      const started = performance.now();
      try {
        const tableReports = await new EntityRun(storage, catalog, parser, common, runnerFor).run();
        reports.push(...tableReports);
        for (const r of tableReports) options.log.info(reportLine(r, performance.now() - started));
      } catch (error) {
        failures.push({ entity, error });
        options.log.warn(`silver ${entity} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await (pool as PartitionRunner | null)?.close();
  }
  if (failures.length > 0) {
    const first = failures[0].error;
    if (failures.length === 1) throw first;
    const message = `${failures.length} entities failed (${failures.map((f) => f.entity).join(", ")}); first: ${(first as Error).message}`;
    throw first instanceof LakehouseError ? new LakehouseError("silver", message, first.context, first.hint, { cause: first }) : new LakehouseError("silver", message, {}, undefined, { cause: first });
  }
  return reports;
}
