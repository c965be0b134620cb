/**
 * `lakehouse mount`: loads the current snapshot of each silver Iceberg table into the PostgreSQL schema
 * `silver` (same names and columns, types from SQL_TYPES) with COPY, so that the Dataform declarations
 * see locally what Redshift Spectrum sees in production.
 *
 * - A table whose mounted snapshot id (recorded in silver._mounts) is the current one is skipped.
 * - When the mounted snapshot is an earlier one of the same table and the layout is unchanged, only the
 *   `ingest_on` partitions whose data files changed are reloaded (delete + COPY in one transaction), so
 *   the cost of a mount follows new data, not history: each partition's rows are found through a BRIN index
 *   on `ingest_on` (built with every whole-table load), and the table's new row count is reconciled with
 *   the snapshot's by arithmetic (rows mounted before − rows deleted + rows copied), not by counting it
 *   (rows changed by hand in partitions that are not reloaded go unnoticed until `--force`).
 * - Every load is one transaction, so a failed mount leaves the previous version in place:
 *     no table yet                      create + COPY
 *     no dependent views                COPY into a side table, drop the old one, rename (readers see the
 *                                       old version until the commit)
 *     dependent views, same columns     truncate + COPY (views stay as they are)
 *     dependent views, columns changed  side table; the dependent views (recursively) are dropped and
 *                                       recreated from their definitions in the same transaction; a view
 *                                       that no longer fits fails the mount, naming it
 *   Dependent gold views are therefore never dropped silently.
 * - Tables that must agree (TABLE_GROUPS: sessions and session_items) are loaded in ONE transaction and
 *   committed only if they reconcile per ingest_on (sum(item_count) = item rows): a pair that silver left
 *   half committed (a crash between its two commits) is refused with both snapshots named, and the previous
 *   pair stays mounted.
 */
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { SILVER_TABLES, type SilverTable } from "../silver/tables.ts";
import { encodeRecordBatch } from "./arrow-copy.ts";
import { encodeRows } from "./copy.ts";
import { CopyChunks } from "./copy-chunks.ts";
import {
  createMountsSql,
  createTableSql,
  expectedLayout,
  ident,
  LIVE_LAYOUT_SQL,
  MOUNT_SCHEMA,
  MOUNTS_TABLE,
  partitionIndexSql,
  qualified,
} from "./ddl.ts";
import type { MountSource, SilverBatch, SilverSnapshot, SnapshotChanges } from "./source.ts";

/** Size of the COPY data chunks, and how many may wait encoded ahead of the socket (memory: their product). */
const COPY_CHUNK_BYTES = 1 << 20;
const COPY_AHEAD_CHUNKS = 8;

export type MountMethod = "create" | "swap" | "truncate" | "swap-recreating-views" | "partitions";

export interface TableMountResult {
  table: string;
  action: "mounted" | "skipped" | "missing";
  snapshotId: string | null;
  rows: number;
  method?: MountMethod;
  /** With method "partitions": the partitions reloaded. */
  partitions?: string[];
  /** Views recreated around a layout change (schema.name). */
  recreatedViews?: string[];
  ms: number;
}

export interface MountOptions {
  /** Only these tables (default: all six). */
  tables?: string[];
  /** Reload even when the snapshot id is already mounted. */
  force?: boolean;
  log?: Logger;
  schema?: string;
}

interface DependentView {
  schema: string;
  name: string;
  kind: "v" | "m";
  depth: number;
  definition: string;
  comment: string | null;
}

/** Views (and materialized views) that depend on a relation, directly or through other views, shallowest first. */
const DEPENDENT_VIEWS_SQL = `with recursive deps(oid, depth) as (
  select r.ev_class, 1
    from pg_depend d
    join pg_rewrite r on r.oid = d.objid
   where d.classid = 'pg_rewrite'::regclass and d.refobjid = to_regclass($1) and r.ev_class <> d.refobjid
  union
  select r.ev_class, deps.depth + 1
    from deps
    join pg_depend d on d.refobjid = deps.oid and d.classid = 'pg_rewrite'::regclass
    join pg_rewrite r on r.oid = d.objid
   where r.ev_class <> deps.oid and deps.depth < 100
)
select n.nspname as schema, c.relname as name, c.relkind as kind, max(deps.depth) as depth,
       pg_get_viewdef(c.oid) as definition, obj_description(c.oid, 'pg_class') as comment
  from deps
  join pg_class c on c.oid = deps.oid
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('v', 'm')
 group by c.oid, n.nspname, c.relname, c.relkind
 order by max(deps.depth), n.nspname, c.relname`;

function selectTables(names?: string[]): SilverTable[] {
  if (!names || names.length === 0) return SILVER_TABLES;
  return names.map((name) => {
    const table = SILVER_TABLES.find((t) => t.name === name);
    if (!table) throw new LakehouseError("mount", `unknown silver table "${name}"`, {}, `known: ${SILVER_TABLES.map((t) => t.name).join(", ")}`);
    return table;
  });
}

/** COPY text chunks of a snapshot's batches (Arrow batches column-wise, row batches through copy.ts), counting rows. */
async function* copyText(table: SilverTable, batches: AsyncIterable<SilverBatch>, counted: (rows: number) => void): AsyncGenerator<Buffer | string> {
  const out = new CopyChunks(COPY_CHUNK_BYTES);
  let rows = 0;
  for await (const batch of batches) {
    if (Array.isArray(batch)) {
      if (batch.length === 0) continue;
      const pending = out.take();
      if (pending) yield pending;
      yield encodeRows(table.columns, batch, rows + 1);
      rows += batch.length;
    } else {
      if (batch.numRows === 0) continue;
      yield* encodeRecordBatch(table.columns, batch, out, rows + 1);
      rows += batch.numRows;
    }
    counted(rows);
  }
  const last = out.take();
  if (last) yield last;
}

/**
 * COPY of a snapshot's rows into `target`. `freeze` when `target` was created or truncated in this
 * transaction: rows are written frozen, so that the first scan (the BRIN build, analyze, gold) does not
 * rewrite every page to set hint bits.
 */
async function copyInto(client: pg.Client, table: SilverTable, target: string, snapshot: SilverSnapshot, progress: (rows: number) => void, freeze = false): Promise<number> {
  const columns = table.columns.map((c) => ident(c.name)).join(", ");
  const copy = client.query(copyFrom(`copy ${target} (${columns}) from stdin${freeze ? " with (freeze)" : ""}`)) as Writable;
  let rows = 0;
  const counted = (n: number) => {
    rows = n;
    progress(n);
  };
  // Up to COPY_AHEAD_CHUNKS encoded chunks wait while the socket sends, so that PostgreSQL never waits for the encoder.
  await pipeline(Readable.from(copyText(table, snapshot.batches(), counted), { highWaterMark: COPY_AHEAD_CHUNKS }), copy);
  return rows;
}

async function dependentViews(client: pg.Client, relation: string): Promise<DependentView[]> {
  const result = await client.query<DependentView>(DEPENDENT_VIEWS_SQL, [relation]);
  return result.rows.map((r) => ({ ...r, depth: Number(r.depth) }));
}

async function recreateViews(client: pg.Client, views: DependentView[], tableName: string): Promise<void> {
  for (const view of views) {
    const name = qualified(view.schema, view.name);
    const kind = view.kind === "m" ? "materialized view" : "view";
    try {
      await client.query(`create ${kind} ${name} as ${view.definition}`);
      if (view.comment !== null) await client.query(`comment on ${kind} ${name} is ${client.escapeLiteral(view.comment)}`);
    } catch (error) {
      throw new LakehouseError(
        "mount",
        `the new layout of silver.${tableName} breaks dependent view ${view.schema}.${view.name}: ${(error as Error).message}`,
        { file: `${view.schema}.${view.name}` },
        "nothing was changed; fix the view (or drop it), or run `npx dataform run` after updating the staging models",
      );
    }
  }
}

/**
 * One table load's transaction: its own, or a savepoint inside the transaction of its table group (then the
 * group's commit makes it visible, together with the other tables of the group).
 */
interface LoadTx {
  begin(): Promise<unknown>;
  commit(): Promise<unknown>;
  rollback(): Promise<unknown>;
}

function loadTx(client: pg.Client, inGroup: boolean): LoadTx {
  return inGroup
    ? { begin: () => client.query("savepoint mount_table"), commit: () => client.query("release savepoint mount_table"), rollback: () => client.query("rollback to savepoint mount_table") }
    : { begin: () => client.query("begin"), commit: () => client.query("commit"), rollback: () => client.query("rollback") };
}

/** Loads one table's snapshot in one transaction; see the module comment for the four paths. */
async function loadTable(client: pg.Client, schema: string, table: SilverTable, snapshot: SilverSnapshot, liveLayout: string | null, log?: Logger, tx = loadTx(client, false)) {
  const target = qualified(schema, table.name);
  const side = qualified(schema, `${table.name}__mounting`);
  const progress = (rows: number) => log?.progress(`mount silver.${table.name}`, rows, snapshot.rowCount ?? undefined);
  let method: MountMethod;
  let rows: number;
  let recreated: DependentView[] = [];
  await tx.begin();
  try {
    if (liveLayout === null) {
      method = "create";
      await client.query(createTableSql(table, schema));
      rows = await copyInto(client, table, target, snapshot, progress, true);
      await buildPartitionIndex(client, schema, table);
    } else {
      const views = await dependentViews(client, `${schema}.${table.name}`);
      if (views.length > 0 && liveLayout === expectedLayout(table)) {
        method = "truncate";
        await client.query(`truncate table ${target}`);
        rows = await copyInto(client, table, target, snapshot, progress, true);
        // Truncate empties the index: every range is new (an index missing from an older mount is built).
        await buildPartitionIndex(client, schema, table);
      } else {
        method = views.length > 0 ? "swap-recreating-views" : "swap";
        await client.query(`drop table if exists ${side}`);
        await client.query(createTableSql(table, schema, `${table.name}__mounting`));
        rows = await copyInto(client, table, side, snapshot, progress, true);
        // Only views: a table depending on silver (none expected) would block the drop, loudly.
        await client.query(`drop table ${target}${views.length > 0 ? " cascade" : ""}`);
        await client.query(`alter table ${side} rename to ${ident(table.name)}`);
        await buildPartitionIndex(client, schema, table);
        await recreateViews(client, views, table.name);
        recreated = views;
      }
    }
    await recordMount(client, schema, table, snapshot.snapshotId, rows);
    if (snapshot.rowCount !== null && rows !== snapshot.rowCount) {
      throw new Error(`read ${rows} rows but the snapshot's manifests count ${snapshot.rowCount}`);
    }
    await tx.commit();
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    if (error instanceof LakehouseError) throw error;
    throw new LakehouseError("mount", `silver.${table.name}: ${(error as Error).message}`, { file: `silver.${table.name}` }, "the previously mounted version is unchanged", {
      cause: error,
    });
  }
  await client.query(`analyze ${target}`);
  return { method, rows, recreated: recreated.map((v) => `${v.schema}.${v.name}`) };
}

/** Builds the BRIN index on ingest_on if missing (`create`), and summarizes the ranges it has not summarized yet (`summarize`). */
async function buildPartitionIndex(client: pg.Client, schema: string, table: SilverTable, steps = { create: true, summarize: true }): Promise<void> {
  const sql = partitionIndexSql(table, schema);
  if (!sql) return;
  if (steps.create) await client.query(sql.create);
  if (steps.summarize) await client.query(sql.summarize);
}

async function recordMount(client: pg.Client, schema: string, table: SilverTable, snapshotId: string | null, rows: number): Promise<void> {
  await client.query(
    `insert into ${qualified(schema, MOUNTS_TABLE)} (table_name, snapshot_id, row_count, layout, mounted_at)
     values ($1, $2, $3, $4, now())
     on conflict (table_name) do update
       set snapshot_id = excluded.snapshot_id, row_count = excluded.row_count, layout = excluded.layout, mounted_at = excluded.mounted_at`,
    [table.name, snapshotId, rows, expectedLayout(table)],
  );
}

/**
 * Reloads only the changed partitions of a mounted table, in one transaction (the old version stays on
 * failure). `mountedRows` is the row count recorded with the mounted snapshot (same transaction as its data).
 */
async function loadPartitions(
  client: pg.Client,
  schema: string,
  table: SilverTable,
  snapshot: SilverSnapshot,
  changes: SnapshotChanges,
  mountedRows: number,
  log?: Logger,
  tx = loadTx(client, false),
) {
  const target = qualified(schema, table.name);
  await tx.begin();
  try {
    // An index missing from an older mount is built once; then each day's delete reads its block ranges only.
    await buildPartitionIndex(client, schema, table, { create: true, summarize: false });
    // A bitmap scan of the BRIN index: the block ranges of those days only, not the whole table.
    const deleted = (await client.query(`delete from ${target} where ingest_on = any($1::date[])`, [changes.partitions])).rowCount ?? 0;
    const rows = await copyInto(client, table, target, { ...snapshot, rowCount: changes.rows, batches: () => changes.batches() }, (n) =>
      log?.progress(`mount silver.${table.name} (${changes.partitions.length} partitions)`, n, changes.rows),
    );
    if (rows !== changes.rows) throw new Error(`read ${rows} rows but the snapshot's manifests count ${changes.rows} in the changed partitions`);
    // Exact, in this transaction: what the table now holds, without counting its history.
    const total = mountedRows - deleted + rows;
    if (snapshot.rowCount !== null && total !== snapshot.rowCount) {
      throw new LakehouseError(
        "mount",
        `the table would hold ${total} rows after reloading ${changes.partitions.join(", ")} (${mountedRows} mounted − ${deleted} deleted + ${rows} copied) but the snapshot counts ${snapshot.rowCount}`,
        { file: `silver.${table.name}` },
        "the previously mounted version is unchanged; the mounted table no longer matches its recorded row count: `lakehouse mount --force` reloads it whole",
      );
    }
    await buildPartitionIndex(client, schema, table, { create: false, summarize: true });
    await recordMount(client, schema, table, snapshot.snapshotId, total);
    await tx.commit();
    await client.query(`analyze ${target}`);
    return total;
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    if (error instanceof LakehouseError) throw error;
    throw new LakehouseError("mount", `silver.${table.name}: ${(error as Error).message}`, { file: `silver.${table.name}` }, "the previously mounted version is unchanged", {
      cause: error,
    });
  }
}

/**
 * Tables that must agree: silver commits them one after the other (sessions, then session_items), so a
 * crash between the two commits leaves a pair that does not reconcile until the next silver run repairs it.
 * The mount loads a group in ONE transaction (each table in a savepoint) and commits it only when the
 * group's reconciliation holds: both tables of the group become visible together, or neither does.
 */
export interface TableGroup {
  tables: readonly string[];
  /** Per `ingest_on`: the two sides that must be equal (SQL over the mounted tables, `$schema` replaced). */
  reconcile: { what: string; left: string; right: string };
}

export const TABLE_GROUPS: readonly TableGroup[] = [
  {
    tables: ["sessions", "session_items"],
    reconcile: {
      what: "sum(sessions.item_count) vs rows of session_items",
      left: "select ingest_on, sum(item_count)::bigint as n from $schema.sessions group by ingest_on",
      right: "select ingest_on, count(*)::bigint as n from $schema.session_items group by ingest_on",
    },
  },
];

/** The days where a group's reconciliation fails (at most 5), as text; empty when it holds. */
async function reconciliationFailures(client: pg.Client, schema: string, group: TableGroup): Promise<string[]> {
  const q = (sql: string) => sql.replace(/\$schema\./g, `${ident(schema)}.`);
  const result = await client.query<{ ingest_on: string; left_n: string; right_n: string }>(
    `select to_char(coalesce(l.ingest_on, r.ingest_on), 'YYYY-MM-DD') as ingest_on, coalesce(l.n, 0) as left_n, coalesce(r.n, 0) as right_n
       from (${q(group.reconcile.left)}) l full join (${q(group.reconcile.right)}) r on l.ingest_on = r.ingest_on
      where coalesce(l.n, 0) <> coalesce(r.n, 0)
      order by 1 limit 5`,
  );
  return result.rows.map((r) => `ingest_on=${r.ingest_on}: ${r.left_n} vs ${r.right_n}`);
}

/** Mounts the silver tables; returns one result per table (in contract order). */
export async function mountSilver(client: pg.Client, source: MountSource, options: MountOptions = {}): Promise<TableMountResult[]> {
  const schema = options.schema ?? MOUNT_SCHEMA;
  const tables = selectTables(options.tables);
  await client.query(`create schema if not exists ${ident(schema)}`);
  await client.query(createMountsSql(schema));
  const results: TableMountResult[] = [];
  const grouped = new Set(TABLE_GROUPS.flatMap((g) => g.tables));
  for (const table of tables) {
    if (grouped.has(table.name)) continue;
    results.push(await mountOne(client, source, schema, table, options));
  }
  for (const group of TABLE_GROUPS) {
    const members = tables.filter((t) => group.tables.includes(t.name));
    if (members.length > 0) results.push(...(await mountGroup(client, source, schema, group, members, options)));
  }
  const order = SILVER_TABLES.map((t) => t.name);
  return results.sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
}

/**
 * The selected tables of a group in one transaction, committed only when the group's reconciliation holds
 * (see TABLE_GROUPS). It is checked when the whole group is selected (the default); `--tables` naming only
 * part of a group mounts that part unchecked, as asked.
 */
async function mountGroup(client: pg.Client, source: MountSource, schema: string, group: TableGroup, members: SilverTable[], options: MountOptions): Promise<TableMountResult[]> {
  const results: TableMountResult[] = [];
  await client.query("begin");
  try {
    for (const table of members) results.push(await mountOne(client, source, schema, table, options, loadTx(client, true)));
    const missing = results.filter((r) => r.action === "missing");
    if (missing.length > 0 && missing.length < results.length) {
      throw new LakehouseError(
        "mount",
        `${missing.map((r) => `silver.${r.table}`).join(", ")} not in the silver catalog: the tables ${group.tables.join(", ")} are mounted together or not at all`,
        { file: missing.map((r) => `silver.${r.table}`).join(",") },
        "nothing of the group was mounted; run: npx lakehouse silver",
      );
    }
    if (results.some((r) => r.action === "mounted") && members.length === group.tables.length) {
      const failures = await reconciliationFailures(client, schema, group);
      if (failures.length > 0) {
        throw new LakehouseError(
          "mount",
          `silver.${group.tables.join(" and silver.")} do not reconcile (${group.reconcile.what}): ${failures.join("; ")}; snapshots ${results.map((r) => `${r.table} ${r.snapshotId}`).join(", ")}`,
          { file: group.tables.map((t) => `silver.${t}`).join("+") },
          "nothing of the pair was mounted (the previous version stays); the silver pair is half committed (a crash between its two commits?): run `npx lakehouse silver`, which completes it, then mount again",
        );
      }
    }
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  }
  return results;
}

/** Mounts one table (skipped when its snapshot is mounted, by partitions when it can, else whole). */
async function mountOne(client: pg.Client, source: MountSource, schema: string, table: SilverTable, options: MountOptions, tx?: LoadTx): Promise<TableMountResult> {
  const started = performance.now();
  const snapshot = await source.snapshot(table);
  if (!snapshot) return { table: table.name, action: "missing", snapshotId: null, rows: 0, ms: performance.now() - started };
  const live = await client.query<{ layout: string | null }>(LIVE_LAYOUT_SQL, [`${schema}.${table.name}`]);
  const liveLayout = live.rows[0]?.layout ?? null;
  const mounted = await client.query<{ snapshot_id: string | null; row_count: string; layout: string }>(
    `select snapshot_id, row_count, layout from ${qualified(schema, MOUNTS_TABLE)} where table_name = $1`,
    [table.name],
  );
  const record = mounted.rows[0];
  const unchanged =
    !options.force && record !== undefined && record.snapshot_id === snapshot.snapshotId && liveLayout !== null && liveLayout === expectedLayout(table) && record.layout === liveLayout;
  if (unchanged) return { table: table.name, action: "skipped", snapshotId: snapshot.snapshotId, rows: Number(record.row_count), ms: performance.now() - started };
  const sameLayout = record !== undefined && liveLayout !== null && liveLayout === expectedLayout(table) && record.layout === liveLayout;
  const changes = !options.force && sameLayout && record.snapshot_id !== null && snapshot.changesSince ? await snapshot.changesSince(record.snapshot_id) : null;
  if (changes) {
    const rows = await loadPartitions(client, schema, table, snapshot, changes, Number(record.row_count), options.log, tx);
    return { table: table.name, action: "mounted", snapshotId: snapshot.snapshotId, rows, method: "partitions", partitions: changes.partitions, ms: performance.now() - started };
  }
  const loaded = await loadTable(client, schema, table, snapshot, liveLayout, options.log, tx);
  return {
    table: table.name,
    action: "mounted",
    snapshotId: snapshot.snapshotId,
    rows: loaded.rows,
    method: loaded.method,
    ...(loaded.recreated.length > 0 ? { recreatedViews: loaded.recreated } : {}),
    ms: performance.now() - started,
  };
}
