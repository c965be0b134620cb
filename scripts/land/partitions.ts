import type { Storage } from "../storage/types.ts";
import { LakehouseError } from "../core/errors.ts";
import { entityPrefix, MANIFEST_NAME, type EntityName } from "./layout.ts";
import type { Manifest } from "./manifest.ts";

export interface LandedPartition {
  ingestOn: string;
  /** `landing/<source>/<entity>/ingest_on=YYYY-MM-DD/` */
  prefix: string;
  manifest: Manifest;
}

const PARTITION_MANIFEST = /^ingest_on=(\d{4}-\d{2}-\d{2})\/_manifest\.json$/;

/**
 * The published partitions of an entity, oldest first, each with its manifest. A partition without a
 * manifest does not exist; keys with a part starting with `_` (staging, trash) are never looked at.
 */
export async function listPartitions(storage: Storage, entity: EntityName): Promise<LandedPartition[]> {
  const base = entityPrefix(entity);
  const out: LandedPartition[] = [];
  for (const object of await storage.list(base)) {
    const rest = object.key.slice(base.length);
    const match = PARTITION_MANIFEST.exec(rest);
    if (!match || rest.split("/").slice(0, -1).some((part) => part.startsWith("_"))) continue;
    const text = await storage.get(object.key);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(text.toString("utf8")) as Manifest;
    } catch (error) {
      throw new LakehouseError("land", `unreadable manifest: ${(error as Error).message}`, { file: `${storage.location}${object.key}` });
    }
    out.push({ ingestOn: match[1], prefix: `${base}ingest_on=${match[1]}/`, manifest });
  }
  return out.sort((a, b) => (a.ingestOn < b.ingestOn ? -1 : a.ingestOn > b.ingestOn ? 1 : 0));
}

/** One partition's manifest, or null when it is not published. */
export async function readManifest(storage: Storage, entity: EntityName, ingestOn: string): Promise<Manifest | null> {
  const text = await storage.getIfExists(`${entityPrefix(entity)}ingest_on=${ingestOn}/${MANIFEST_NAME}`);
  return text ? (JSON.parse(text.toString("utf8")) as Manifest) : null;
}
