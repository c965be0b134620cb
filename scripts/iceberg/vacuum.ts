/**
 * Vacuum: deletes every object under a table's location that neither the committed metadata chain nor any
 * snapshot references (orphans of crashed or conflicting writers). Run it when no writer of the table is
 * running: an in-flight commit's files are not referenced yet and would be removed.
 */
import type { Storage } from "../storage/types.ts";
import type { Catalog } from "./catalog.ts";
import { keyOf } from "./locations.ts";
import { readManifest, readManifestList } from "./manifests.ts";

export interface VacuumResult {
  table: string;
  kept: number;
  deleted: string[];
}

export async function vacuum(storage: Storage, catalog: Catalog, table: string): Promise<VacuumResult> {
  const loaded = await catalog.loadTable(table);
  if (!loaded) return { table, kept: 0, deleted: [] };
  const { metadata } = loaded;
  const referenced = new Set<string>([keyOf(storage, loaded.metadataLocation)]);
  for (const entry of metadata["metadata-log"]) referenced.add(keyOf(storage, entry["metadata-file"]));
  for (const snapshot of metadata.snapshots) {
    referenced.add(keyOf(storage, snapshot["manifest-list"]));
    for (const manifest of await readManifestList(storage, snapshot)) {
      const manifestKey = keyOf(storage, manifest.manifest_path);
      if (referenced.has(manifestKey)) continue; // shared with an earlier snapshot: already walked
      referenced.add(manifestKey);
      for (const entry of await readManifest(storage, manifest)) referenced.add(keyOf(storage, entry.data_file.file_path));
    }
  }
  const deleted: string[] = [];
  let kept = 0;
  for (const object of await storage.list(`${keyOf(storage, metadata.location.replace(/\/+$/, ""))}/`)) {
    if (referenced.has(object.key) || catalog.isCatalogFile?.(object.key)) {
      kept++;
      continue;
    }
    await storage.delete(object.key);
    deleted.push(object.key);
  }
  return { table, kept, deleted };
}
