import * as path from "node:path";
import { createLogger } from "../../scripts/core/log.ts";
import { runSilver } from "../../scripts/silver/run.ts";
import type { Benchmark, Sample } from "../harness.ts";
import type { EntityName } from "../../scripts/land/layout.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { duckdbEventsToParquet } from "../lib/duckdb-events.ts";
import { duckdbSessionsToParquet } from "../lib/duckdb-silver.ts";
import { landHistory, landSparkify, pipeline, totalItems, totalSessions, type Pipeline } from "../lib/pipeline.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The landed files of an entity (local paths, in partition order) and the records their manifests count. */
export async function landedFiles(p: Pipeline, entity: EntityName): Promise<{ files: string[]; rows: number }> {
  const storage = openStorage(p.stack.env);
  const partitions = await listPartitions(storage, entity);
  const files = partitions.flatMap((part) => part.manifest.files.map((f) => storage.localPath(f.key)!));
  return { files, rows: partitions.reduce((n, part) => n + part.manifest.rows, 0) };
}

/**
 * Silver on `scale.sessionItems` session items over `scale.days` landed days (synthetic API files written
 * straight into the landing layout) and on `scale.events` Sparkify-like events (synthetic log files landed
 * by `lakehouse land --source sparkify`): per entity a full rebuild (`lakehouse silver --entity …
 * --full-refresh` as a child process, its peak RSS) against DuckDB reading the same landed files and writing
 * the same rows to SNAPPY Parquet; and an unchanged rerun of api/sessions.
 */
export const silverBench: Benchmark = {
  stage: "silver",
  notes: {
    "silver / DuckDB, session items (throughput ratio)": "target ≥ 0.3",
    "silver / DuckDB, Sparkify events (throughput ratio)": "target ≥ 0.3",
    "silver full rebuild peak RSS, api/sessions": "target < 1024 MB",
    "silver full rebuild peak RSS, sparkify/events": "target < 1024 MB",
    "unchanged rerun (CLI wall, incl. process start)": "target < 2 s",
  },
  async setup(scale) {
    const p = await pipeline(scale);
    await landHistory(p, scale.days, log);
    await landSparkify(p, log);
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
    const duck = await duckdbSessionsToParquet((await landedFiles(p, "api/sessions")).files, path.join(p.scratch, "duckdb-silver"));
    const landedEvents = await landedFiles(p, "sparkify/events");
    const events = await p.cli(["silver", "--entity", "sparkify/events", "--full-refresh"]);
    const duckEvents = await duckdbEventsToParquet(landedEvents.files, path.join(p.scratch, "duckdb-events"));
    const samples: Sample[] = [
      { metric: `silver full rebuild, api/sessions (${items.toLocaleString("en-US")} items, ${sessions.toLocaleString("en-US")} sessions, ${p.days.length} days)`, value: full.seconds, unit: "s" },
      { metric: "silver session items/s", value: items / full.seconds, unit: "rows/s" },
      { metric: "DuckDB JSON → Parquet session items/s (reference)", value: items / duck, unit: "rows/s" },
      { metric: "silver / DuckDB, session items (throughput ratio)", value: duck / full.seconds, unit: "×" },
      { metric: "silver full rebuild peak RSS, api/sessions", value: full.peakRssMb, unit: "MB" },
      { metric: "silver full rebuild CPU time, api/sessions (user + system, all threads)", value: full.cpuSeconds, unit: "s" },
      { metric: `silver full rebuild, sparkify/events (${landedEvents.rows.toLocaleString("en-US")} events)`, value: events.seconds, unit: "s" },
      { metric: "silver Sparkify events/s", value: landedEvents.rows / events.seconds, unit: "rows/s" },
      { metric: "DuckDB JSON lines → Parquet events/s (reference)", value: landedEvents.rows / duckEvents, unit: "rows/s" },
      { metric: "silver / DuckDB, Sparkify events (throughput ratio)", value: duckEvents / events.seconds, unit: "×" },
      { metric: "silver full rebuild peak RSS, sparkify/events", value: events.peakRssMb, unit: "MB" },
      { metric: "unchanged rerun (CLI wall, incl. process start)", value: rerun.seconds, unit: "s" },
      { metric: "unchanged rerun (in process)", value: inProcess, unit: "s" },
    ];
    return samples;
  },
};
