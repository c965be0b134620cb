import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { createTableSql } from "../../scripts/mount/ddl.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { withClient } from "../../scripts/stack/db.ts";
import type { Benchmark } from "../harness.ts";
import { silverFiles, silverView } from "../lib/duckdb-gold.ts";
import { sqlString } from "../lib/duckdb-silver.ts";
import { landHistory, pipeline, type Pipeline } from "../lib/pipeline.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);
const TABLES = ["sessions", "session_items"] as const;
type Table = (typeof TABLES)[number];

interface Context {
  p: Pipeline;
  rows: Record<Table, number>;
  csv: Record<Table, string>;
}

/**
 * The reference's input: the rows of each table's current silver snapshot as CSV files (columns in the
 * table's order), written by DuckDB from the Parquet data files (untimed). Returns the rows per table.
 */
async function snapshotAsCsv(p: Pipeline, csv: Record<Table, string>): Promise<Record<Table, number>> {
  const files = await silverFiles(p.stack.env);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    await connection.run("create schema silver");
    const rows = { sessions: 0, session_items: 0 };
    for (const table of TABLES) {
      const definition = silverTable(table);
      await connection.run(silverView(definition, files.get(table) ?? []));
      await connection.run(`copy (select ${definition.columns.map((c) => c.name).join(", ")} from silver.${table}) to ${sqlString(csv[table])} (format csv, header false)`);
      rows[table] = Number((await connection.runAndReadAll(`select count(*) from silver.${table}`)).getRows()[0][0]);
    }
    return rows;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * `lakehouse mount --tables sessions,session_items --force` (Iceberg snapshot → PostgreSQL COPY, as a child
 * process) against PostgreSQL's own `COPY … FROM '<file>' (format csv, freeze)` of the same rows into fresh
 * tables of the same layout (created in the same transaction, as the mount does), on the same server in the
 * same run.
 */
export const mountBench: Benchmark = {
  stage: "mount",
  notes: { "mount / COPY FROM CSV (throughput ratio)": "reference: server-side COPY FROM a file, FREEZE" },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    // api/sessions through silver: a no-op when the silver stage did it.
    await p.cli(["silver", "--entity", "api/sessions"]);
    const csv = { sessions: path.join(p.scratch, "sessions.csv"), session_items: path.join(p.scratch, "session_items.csv") };
    const rows = await snapshotAsCsv(p, csv);
    await withClient(p.stack.env, "warehouse", (c) => c.query("create schema if not exists bench_ref"));
    return { p, rows, csv } satisfies Context;
  },
  async run(_scale, context) {
    const { p, rows, csv } = context as Context;
    const total = rows.sessions + rows.session_items;
    const mount = await p.cli(["mount", "--tables", TABLES.join(","), "--force"]);
    p.fullRebuild.mount.push(mount.seconds);
    const reference = await withClient(p.stack.env, "warehouse", async (c) => {
      const started = performance.now();
      for (const table of TABLES) {
        // As the mount loads a whole table: created and filled in one transaction, rows written frozen.
        await c.query("begin");
        await c.query(`drop table if exists bench_ref.${table}`);
        await c.query(createTableSql(silverTable(table), "bench_ref"));
        const copied = await c.query(`copy bench_ref.${table} from '${csv[table]}' (format csv, freeze)`);
        await c.query("commit");
        if (copied.rowCount !== rows[table]) throw new Error(`COPY FROM CSV loaded ${copied.rowCount} rows into bench_ref.${table}, the snapshot has ${rows[table]}`);
      }
      const seconds = (performance.now() - started) / 1000;
      for (const table of TABLES) await c.query(`drop table bench_ref.${table}`);
      return seconds;
    });
    return [
      { metric: `mount sessions + session_items (${total.toLocaleString("en-US")} rows), CLI wall`, value: mount.seconds, unit: "s" },
      { metric: "mount rows/s", value: total / mount.seconds, unit: "rows/s" },
      { metric: "COPY FROM CSV rows/s (reference)", value: total / reference, unit: "rows/s" },
      { metric: "mount / COPY FROM CSV (throughput ratio)", value: reference / mount.seconds, unit: "×" },
      { metric: "mount peak RSS", value: mount.peakRssMb, unit: "MB" },
      { metric: "mount CPU time (user + system, the CLI process)", value: mount.cpuSeconds, unit: "s" },
    ];
  },
  async teardown(context) {
    const { csv } = context as Context;
    for (const file of Object.values(csv)) fs.rmSync(file, { force: true });
  },
};
