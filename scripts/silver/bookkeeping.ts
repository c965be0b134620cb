/**
 * The silver stage's bookkeeping in Iceberg metadata. Per partition (`YYYY-MM-DD`) of a table, the commit
 * that last replaced it records tags, both in that snapshot's summary and in the table properties
 * (`deftunes.partition.<day>.<tag>`, via the iceberg library's partition tags) so that the current metadata
 * alone tells the state of every partition:
 *
 *   landed-sha256     the landed manifest's content_sha256 (equal → the partition is skipped next run)
 *   landed-rows       records in the landed partition (the manifest's rows)
 *   committed-rows    of those, committed (sessions for both sessions and session_items)
 *   quarantined-rows  of those, quarantined: landed = committed + quarantined
 *   table-rows        rows in this table from the partition (items for session_items)
 *   quarantine-file   key of the partition's quarantine file, "" when nothing was quarantined
 */
import { PARTITION_TAG_PREFIX, partitionTags } from "../iceberg/metadata.ts";
import type { TableMetadata } from "../iceberg/types.ts";

export const TAG = {
  sha256: "landed-sha256",
  landed: "landed-rows",
  committed: "committed-rows",
  quarantined: "quarantined-rows",
  rows: "table-rows",
  quarantineFile: "quarantine-file",
} as const;

export interface PartitionState {
  ingestOn: string;
  sha256: string;
  landed: number;
  committed: number;
  quarantined: number;
  rows: number;
  quarantineFile: string | null;
}

/** The partitions (`YYYY-MM-DD`) the table's current metadata holds tags for, sorted. */
export function taggedPartitions(metadata: TableMetadata): string[] {
  const days = new Set<string>();
  for (const key of Object.keys(metadata.properties)) {
    if (!key.startsWith(PARTITION_TAG_PREFIX)) continue;
    const day = key.slice(PARTITION_TAG_PREFIX.length, PARTITION_TAG_PREFIX.length + 10);
    if (/^\d{4}-\d{2}-\d{2}$/.test(day)) days.add(day);
  }
  return [...days].sort();
}

/** Every tagged partition's state, from the table's current metadata. */
export function partitionStates(metadata: TableMetadata): PartitionState[] {
  return taggedPartitions(metadata).map((ingestOn) => {
    const tags = partitionTags(metadata, ingestOn);
    return {
      ingestOn,
      sha256: tags[TAG.sha256] ?? "",
      landed: Number(tags[TAG.landed] ?? 0),
      committed: Number(tags[TAG.committed] ?? 0),
      quarantined: Number(tags[TAG.quarantined] ?? 0),
      rows: Number(tags[TAG.rows] ?? 0),
      quarantineFile: tags[TAG.quarantineFile] || null,
    };
  });
}
