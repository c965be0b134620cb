/** Reading a snapshot's manifest list and manifests from storage (sequence-number inheritance applied). */
import type { Storage } from "../storage/types.ts";
import { decodeManifest, decodeManifestList } from "./avro.ts";
import { keyOf } from "./locations.ts";
import type { ManifestEntry, ManifestFile, Snapshot } from "./types.ts";
import { STATUS_ADDED } from "./types.ts";

export async function readManifestList(storage: Storage, snapshot: Snapshot): Promise<ManifestFile[]> {
  return decodeManifestList(await storage.get(keyOf(storage, snapshot["manifest-list"])), snapshot["manifest-list"]);
}

/**
 * Entries of one manifest, with the inheritance rules of spec "Sequence Number Inheritance": ADDED entries
 * without sequence numbers take the manifest's, entries without a snapshot id the manifest's added_snapshot_id.
 */
export async function readManifest(storage: Storage, manifest: ManifestFile): Promise<ManifestEntry[]> {
  const entries = await decodeManifest(await storage.get(keyOf(storage, manifest.manifest_path)), manifest.manifest_path);
  for (const entry of entries) {
    if (entry.status === STATUS_ADDED) {
      entry.sequence_number ??= manifest.sequence_number;
      entry.file_sequence_number ??= manifest.sequence_number;
    }
    entry.snapshot_id ??= manifest.added_snapshot_id;
  }
  return entries;
}
