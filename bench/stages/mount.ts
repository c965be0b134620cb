import * as fs from "node:fs";
import * as path from "node:path";
import { withClient } from "../../scripts/stack/db.ts";
import type { Benchmark } from "../harness.ts";
import { landHistory, pipeline, type Pipeline } from "../lib/pipeline.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);
const TABLES = ["sessions", "session_items"] as const;

interface Context {
  p: Pipeline;
  rows: Record<(typeof TABLES)[number], number>;
  csv: Record<(typeof TABLES)[number], string>;
}

/**
 * `lakehouse mount --tables sessions,session_items --force` (Iceberg snapshot → PostgreSQL COPY, as a child
 * process) against PostgreSQL's own `COPY … FROM '<file>' (format csv)` of the same rows into a fresh table
 * of the same layout, on the same server in the same run.
 */
export const mountBench: Benchmark = {
  stage: "mount",
  notes: { "mount / COPY FROM CSV (throughput ratio)": "reference: server-side COPY FROM a file" },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    // api/sessions through silver (a no-op when the silver stage did it) and mounted once, untimed: the
    // reference's CSV files are exported from the mounted tables.
    await p.cli(["silver", "--entity", "api/sessions"]);
    await p.cli(["mount", "--tables", TABLES.join(",")]);
    const csv = { sessions: path.join(p.scratch, "sessions.csv"), session_items: path.join(p.scratch, "session_items.csv") };
    const rows = await withClient(p.stack.env, "warehouse", async (c) => {
      const out = { sessions: 0, session_items: 0 };
      for (const table of TABLES) {
        await c.query(`copy silver.${table} to '${csv[table]}' (format csv)`);
        out[table] = Number((await c.query(`select count(*)::bigint as n from silver.${table}`)).rows[0].n);
      }
      await c.query("create schema if not exists bench_ref");
      return out;
    });
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
        await c.query(`drop table if exists bench_ref.${table}`);
        await c.query(`create table bench_ref.${table} (like silver.${table})`);
        await c.query(`copy bench_ref.${table} from '${csv[table]}' (format csv)`);
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
