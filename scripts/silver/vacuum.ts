/**
 * `lakehouse silver --vacuum`: removes orphan files. Per table, the iceberg vacuum deletes every object
 * under the table that no metadata or snapshot references (left by crashed or conflicting writers); per
 * entity, quarantine files that no current table metadata names are deleted. Run it when no other silver
 * writer is running (an in-flight commit's files are not referenced yet).
 */
import type { Logger } from "../core/log.ts";
import { vacuum as vacuumTable } from "../iceberg/index.ts";
import type { EntityName } from "../land/layout.ts";
import type { SilverCatalog } from "./catalog.ts";
import { PARSERS } from "./entities/index.ts";
import { referencedQuarantineFiles } from "./run.ts";

export interface VacuumReport {
  table_files_deleted: Record<string, number>;
  quarantine_files_deleted: number;
}

export async function vacuumSilver({ storage, catalog }: SilverCatalog, entities: EntityName[], log: Logger): Promise<VacuumReport> {
  const report: VacuumReport = { table_files_deleted: {}, quarantine_files_deleted: 0 };
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
  const tables = Object.entries(report.table_files_deleted);
  log.info(`✔ vacuum: ${tables.reduce((n, [, d]) => n + d, 0)} orphan table files (${tables.map(([t, d]) => `${t} ${d}`).join(", ")}), ${report.quarantine_files_deleted} orphan quarantine files deleted`);
  return report;
}
