/** MountSource over the environment's silver catalog (openSilverCatalog), read with the project's Iceberg reader as Arrow batches. */
import type { Environment } from "../core/config.ts";
import { currentSnapshot, readBatches, snapshotFiles } from "../iceberg/index.ts";
import { snapshotScan } from "../iceberg/reader.ts";
import { openSilverCatalog, type SilverCatalog } from "../silver/catalog.ts";
import type { SilverTable } from "../silver/tables.ts";
import type { MountSource, SilverSnapshot, SnapshotChanges } from "./source.ts";

export function icebergSource(env: Environment, options: { batchSize?: number; silver?: SilverCatalog } = {}): MountSource {
  const { storage, catalog } = options.silver ?? openSilverCatalog(env);
  const batchSize = options.batchSize ?? 50_000;
  return {
    describe: () => `${env.silver.catalog} silver catalog of environment ${env.name}`,
    async snapshot(table: SilverTable): Promise<SilverSnapshot | null> {
      const loaded = await catalog.loadTable(table.name);
      if (!loaded) return null;
      const { metadata } = loaded;
      const snapshot = currentSnapshot(metadata);
      if (!snapshot) return { snapshotId: null, rowCount: 0, batches: async function* () {} };
      const snapshotId = snapshot["snapshot-id"];
      const { dataFiles: files, deleteFiles } = await snapshotScan(storage, metadata, { snapshotId });
      // Row-level deletes (another engine's DELETE/MERGE): the manifests' counts are before deletes, and
      // which partitions a delete touched since an earlier snapshot is not tracked here: count unknown,
      // and a full reload instead of partitions.
      const deletes = deleteFiles.length > 0;
      return {
        snapshotId: String(snapshotId),
        rowCount: deletes ? null : files.reduce((n, f) => n + Number(f.recordCount), 0),
        async *batches() {
          yield* readBatches(storage, metadata, { snapshotId, batchSize });
        },
        async changesSince(since: string): Promise<SnapshotChanges | null> {
          const previous = (metadata.snapshots ?? []).find((s) => String(s["snapshot-id"]) === since);
          if (!previous || deletes) return null;
          if ((await snapshotScan(storage, metadata, { snapshotId: previous["snapshot-id"] })).deleteFiles.length > 0) return null;
          const before = await snapshotFiles(storage, metadata, { snapshotId: previous["snapshot-id"] });
          const keys = (list: typeof files) => new Set(list.map((f) => f.key));
          const [now, then] = [keys(files), keys(before)];
          const partitions = [
            ...new Set([...files.filter((f) => !then.has(f.key)), ...before.filter((f) => !now.has(f.key))].map((f) => f.partition)),
          ]
            .filter((p): p is string => p !== null)
            .sort();
          return {
            partitions,
            rows: files.filter((f) => f.partition !== null && partitions.includes(f.partition)).reduce((n, f) => n + Number(f.recordCount), 0),
            async *batches() {
              if (partitions.length === 0) return;
              yield* readBatches(storage, metadata, { snapshotId, batchSize, partitions });
            },
          };
        },
      };
    },
  };
}
