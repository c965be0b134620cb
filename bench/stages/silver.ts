import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { createLogger } from "../../scripts/core/log.ts";
import { runSilver } from "../../scripts/silver/run.ts";
import type { Benchmark, Sample } from "../harness.ts";
import { bucketDir, landHistory, pipeline, totalItems, totalSessions, type Pipeline } from "../lib/pipeline.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The same rows silver writes (sessions and session_items, with ingest_on and source file), by DuckDB. */
export async function duckdbSessionsToParquet(p: Pipeline, outDir: string): Promise<number> {
  const files = p.days.map((d) => path.join(bucketDir(p), "landing", "api", "sessions", `ingest_on=${d}`, "part-00000.json"));
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
  const columns =
    "{session_id: 'VARCHAR', user_id: 'VARCHAR', session_start_time: 'TIMESTAMP', user_agent: 'VARCHAR', " +
    "session_items: 'STRUCT(song_id VARCHAR, song_name VARCHAR, artist_id VARCHAR, artist_name VARCHAR, price DOUBLE, currency VARCHAR, liked BOOLEAN, liked_since TIMESTAMP)[]'}";
  fs.mkdirSync(outDir, { recursive: true });
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const started = performance.now();
  try {
    await connection.run(
      `create temp table landed as select *, cast(regexp_extract(filename, 'ingest_on=([0-9-]+)', 1) as date) as ingest_on ` +
        `from read_json([${list}], format = 'array', columns = ${columns}, filename = true)`,
    );
    await connection.run(
      `copy (select session_id, user_id, session_start_time, user_agent, len(session_items)::integer as item_count, ingest_on, filename as source_file, now()::timestamp as processed_at from landed) ` +
        `to '${path.join(outDir, "sessions.parquet")}' (format parquet, compression snappy)`,
    );
    await connection.run(
      `copy (select session_id, user_id, session_start_time, user_agent, generate_subscripts(session_items, 1)::integer as item_number, unnest(session_items, recursive := true), ingest_on, filename as source_file, now()::timestamp as processed_at from landed) ` +
        `to '${path.join(outDir, "session_items.parquet")}' (format parquet, compression snappy)`,
    );
    return (performance.now() - started) / 1000;
  } finally {
    connection.closeSync();
    instance.closeSync();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * Silver on `scale.sessionItems` session items over `scale.days` landed days (synthetic API files written
 * straight into the landing layout): a full rebuild (`lakehouse silver --entity api/sessions --full-refresh`
 * as a child process, its peak RSS), an unchanged rerun, and DuckDB reading the same landed JSON files and
 * writing the same rows (sessions + session_items) to Parquet.
 */
export const silverBench: Benchmark = {
  stage: "silver",
  notes: {
    "silver / DuckDB (throughput ratio)": "target ≥ 0.3",
    "silver full rebuild peak RSS": "target < 1024 MB",
    "unchanged rerun (CLI wall, incl. process start)": "target < 2 s",
  },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    return p;
  },
  async run(_scale, context) {
    const p = context as Pipeline;
    const items = totalItems(p);
    const sessions = totalSessions(p);
    const full = await p.cli(["silver", "--entity", "api/sessions", "--full-refresh"]);
    p.fullRebuild.silver.push(full.seconds);
    const rerun = await p.cli(["silver", "--entity", "api/sessions"]);
    const started = performance.now();
    const reports = await runSilver(p.stack.env, { entities: ["api/sessions"], log: createLogger({ quiet: true }) });
    const inProcess = (performance.now() - started) / 1000;
    if (reports.some((r) => r.snapshot_id !== null)) throw new Error("the unchanged rerun committed a snapshot");
    const duck = await duckdbSessionsToParquet(p, path.join(p.scratch, "duckdb-silver"));
    const samples: Sample[] = [
      { metric: `silver full rebuild (${items.toLocaleString("en-US")} items, ${sessions.toLocaleString("en-US")} sessions, ${p.days.length} days)`, value: full.seconds, unit: "s" },
      { metric: "silver session items/s", value: items / full.seconds, unit: "rows/s" },
      { metric: "DuckDB JSON → Parquet session items/s (reference)", value: items / duck, unit: "rows/s" },
      { metric: "silver / DuckDB (throughput ratio)", value: duck / full.seconds, unit: "×" },
      { metric: "silver full rebuild peak RSS", value: full.peakRssMb, unit: "MB" },
      { metric: "unchanged rerun (CLI wall, incl. process start)", value: rerun.seconds, unit: "s" },
      { metric: "unchanged rerun (in process)", value: inProcess, unit: "s" },
    ];
    return samples;
  },
};
