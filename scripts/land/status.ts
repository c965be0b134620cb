import type { Environment } from "../core/config.ts";
import { openStorage } from "../storage/index.ts";
import type { Storage } from "../storage/types.ts";
import { ENTITIES } from "./layout.ts";
import { listPartitions } from "./partitions.ts";

export interface EntityStatus {
  partitions: number;
  rows: number;
  bytes: number;
  first_ingest_on: string | null;
  last_ingest_on: string | null;
}

/** What the landing zone holds per `source/entity`, from the published manifests only. */
export async function landingStatusOf(storage: Storage): Promise<Record<string, EntityStatus>> {
  const out: Record<string, EntityStatus> = {};
  for (const entity of ENTITIES) {
    const partitions = await listPartitions(storage, entity);
    out[entity] = {
      partitions: partitions.length,
      rows: partitions.reduce((n, p) => n + p.manifest.rows, 0),
      bytes: partitions.reduce((n, p) => n + p.manifest.bytes, 0),
      first_ingest_on: partitions[0]?.ingestOn ?? null,
      last_ingest_on: partitions.at(-1)?.ingestOn ?? null,
    };
  }
  return out;
}

/** `status.landing`: one key per `source/entity` with its partitions and rows. */
export async function landingStatus(env: Environment): Promise<Record<string, EntityStatus>> {
  return landingStatusOf(openStorage(env));
}
