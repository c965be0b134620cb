import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { formatDuration } from "../../core/log.ts";
import { ENTITIES, type EntityName } from "../../land/layout.ts";
import { openSilverCatalog } from "../../silver/catalog.ts";
import { runSilver, type TableReport } from "../../silver/run.ts";
import { vacuumSilver, type VacuumReport } from "../../silver/vacuum.ts";

export const command: Command = {
  name: "silver",
  summary: "landed partitions → typed Iceberg tables (silver.*), invalid records → quarantine/",
  usage: "[--entity <source/entity>]… [--full-refresh] [--vacuum]",
  details: [
    "Each landed partition whose sha256 differs from what the table last committed for it is transformed and",
    "replaces that partition (all changed partitions of a table in one snapshot); unchanged partitions are",
    "skipped, so an unchanged rerun makes no new snapshot. Records that fail validation go to",
    "quarantine/<source>/<entity>/ingest_on=…/ with file, line, field and reason.",
    `Entities: ${ENTITIES.join(", ")}.`,
    "--json prints {tables: [...], vacuum?: {...}} on stdout.",
  ].join("\n"),
  options: {
    entity: { type: "string", multiple: true, description: "only this landed entity (repeatable), e.g. api/sessions or sessions" },
    "full-refresh": { type: "boolean", description: "re-process every landed partition; drop silver partitions no longer landed" },
    vacuum: { type: "boolean", description: "afterwards, remove orphan files (tables and quarantine)" },
    workers: { type: "string", description: "worker threads transforming partitions in parallel (default: one per core when there is ≥ 64 MiB to process, else 1)" },
  },
  async run({ env, values, log, json }) {
    const entities = entitiesOf(values.entity as string[] | undefined);
    const workersText = values.workers as string | undefined;
    if (workersText !== undefined && !/^[1-9]\d*$/.test(workersText)) {
      throw new LakehouseError("silver", `--workers must be a whole number ≥ 1, got "${workersText}"`, { field: "workers" });
    }
    const started = performance.now();
    const tables = await runSilver(env, { entities, fullRefresh: Boolean(values["full-refresh"]), workers: workersText ? Number(workersText) : undefined, log });
    let vacuum: VacuumReport | undefined;
    if (values.vacuum) vacuum = await vacuumSilver(openSilverCatalog(env), entities, log, env);
    log.info(summaryLine(tables, performance.now() - started));
    if (json) process.stdout.write(`${JSON.stringify({ tables, ...(vacuum ? { vacuum } : {}) }, null, 2)}\n`);
  },
};

/** `--entity` values: `source/entity`, or a silver table name, or a source (all its entities). */
export function entitiesOf(values: string[] | undefined): EntityName[] {
  if (!values || values.length === 0) return [...ENTITIES];
  const out = new Set<EntityName>();
  const tableEntity: Record<string, EntityName> = {
    songs: "catalog/songs", users: "api/users", sessions: "api/sessions", session_items: "api/sessions",
    sparkify_events: "sparkify/events", sparkify_songs: "sparkify/songs",
  };
  for (const value of values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean)) {
    if ((ENTITIES as readonly string[]).includes(value)) out.add(value as EntityName);
    else if (tableEntity[value]) out.add(tableEntity[value]);
    else if (ENTITIES.some((e) => e.startsWith(`${value}/`))) ENTITIES.filter((e) => e.startsWith(`${value}/`)).forEach((e) => out.add(e));
    else throw new LakehouseError("silver", `unknown entity "${value}"`, { field: "entity" }, `one of ${ENTITIES.join(", ")} (or a silver table name)`);
  }
  return ENTITIES.filter((e) => out.has(e));
}

function summaryLine(tables: TableReport[], ms: number): string {
  const committed = tables.filter((t) => t.snapshot_id !== null).length;
  const rows = tables.reduce((n, t) => n + t.rows, 0);
  const quarantined = tables.filter((t) => t.table !== "session_items").reduce((n, t) => n + t.quarantined, 0);
  return `✔ silver: ${committed}/${tables.length} tables committed a new snapshot, ${rows} rows written, ${quarantined} records quarantined (${formatDuration(ms)})`;
}
