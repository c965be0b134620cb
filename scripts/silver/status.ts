import type { Environment } from "../core/config.ts";
import { currentSnapshot } from "../iceberg/metadata.ts";
import { partitionStates } from "./bookkeeping.ts";
import { openSilverCatalog } from "./catalog.ts";
import { SILVER_TABLES } from "./tables.ts";

export interface SilverTableStatus {
  /** Current snapshot id (a string: Iceberg ids are 64-bit), null before the first commit. */
  snapshot_id: string | null;
  /** Rows of the current snapshot. */
  rows: number;
  /** Records quarantined for the partitions the table holds (for sessions and session_items: sessions). */
  quarantined: number;
  /** Live data files of the current snapshot. */
  files: number;
}

/**
 * `status.silver`: per silver table its current snapshot, read from the table metadata only (no manifest or
 * data file is opened, so it costs the same whatever the table size). A table not created yet has
 * `snapshot_id: null` and zeros.
 */
export async function silverStatus(env: Environment): Promise<Record<string, SilverTableStatus>> {
  const { catalog } = openSilverCatalog(env);
  const out: Record<string, SilverTableStatus> = {};
  for (const table of SILVER_TABLES) {
    const loaded = await catalog.loadTable(table.name);
    const snapshot = loaded ? currentSnapshot(loaded.metadata) : null;
    const quarantined = loaded ? partitionStates(loaded.metadata).reduce((n, p) => n + p.quarantined, 0) : 0;
    out[table.name] = {
      snapshot_id: snapshot ? String(snapshot["snapshot-id"]) : null,
      rows: Number(snapshot?.summary["total-records"] ?? 0),
      quarantined,
      files: Number(snapshot?.summary["total-data-files"] ?? 0),
    };
  }
  return out;
}
