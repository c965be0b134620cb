/**
 * `lakehouse silver --vacuum`: removes orphan files. Per table, the iceberg vacuum deletes every object
 * under the table that no metadata or snapshot references (left by crashed or conflicting writers); per
 * entity, quarantine files that no current table metadata names are deleted. Run it when no other silver
 * writer is running (an in-flight commit's files are not referenced yet). Given the environment, it also
 * removes the landing staging that interrupted or killed `land` runs left (`_staging/`, `_trash/`), unless
 * a `land` is running (it holds the land lock: then the staging is its own and is left alone).
 */
import type { Environment } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { acquireLandLock, removeStaleStaging } from "../land/run-guard.ts";
import type { Storage } from "../storage/types.ts";
import { vacuum as vacuumTable } from "../iceberg/index.ts";
import type { EntityName } from "../land/layout.ts";
import type { SilverCatalog } from "./catalog.ts";
import { PARSERS } from "./entities/index.ts";
import { referencedQuarantineFiles } from "./run.ts";

export interface VacuumReport {
  table_files_deleted: Record<string, number>;
  quarantine_files_deleted: number;
  /** Stale landing staging files removed (null: not looked at, a land is running or no environment given). */
  staging_files_deleted: number | null;
}

/** The staging a stopped `land` left, removed under the land lock; null when a land holds the lock. */
async function vacuumStaging(env: Environment, storage: Storage, log: Logger): Promise<number | null> {
  let release: () => void;
  try {
    release = acquireLandLock(env, storage);
  } catch (error) {
    log.warn(`vacuum: landing staging left alone: ${(error as Error).message}`);
    return null;
  }
  try {
    return await removeStaleStaging(storage);
  } finally {
    release();
  }
}

export async function vacuumSilver({ storage, catalog }: SilverCatalog, entities: EntityName[], log: Logger, env?: Environment): Promise<VacuumReport> {
  const report: VacuumReport = { table_files_deleted: {}, quarantine_files_deleted: 0, staging_files_deleted: null };
  for (const entity of entities) {
    const parser = PARSERS[entity];
    for (const table of parser.tables) {
      const result = await vacuumTable(storage, catalog, table);
      report.table_files_deleted[table] = result.deleted.length;
    }
    const referenced = await referencedQuarantineFiles(catalog, parser);
    for (const object of await storage.list(`quarantine/${entity}/`)) {
      if (referenced.has(object.key)) continue;
      await storage.delete(object.key);
      report.quarantine_files_deleted++;
    }
  }
  if (env) report.staging_files_deleted = await vacuumStaging(env, storage, log);
  const tables = Object.entries(report.table_files_deleted);
  const staging = report.staging_files_deleted === null ? "" : `, ${report.staging_files_deleted} stale landing staging files`;
  log.info(`✔ vacuum: ${tables.reduce((n, [, d]) => n + d, 0)} orphan table files (${tables.map(([t, d]) => `${t} ${d}`).join(", ")}), ${report.quarantine_files_deleted} orphan quarantine files${staging} deleted`);
  return report;
}
