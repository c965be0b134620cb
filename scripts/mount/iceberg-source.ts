/** MountSource over the environment's silver catalog, read with the project's Iceberg reader. */
import type { Environment } from "../core/config.ts";
import { batchRows, currentSchema, currentSnapshot, readBatches, snapshotFiles } from "../iceberg/index.ts";
import { openSilverCatalog } from "../silver/catalog.ts";
import type { SilverTable } from "../silver/tables.ts";
import type { MountSource, SilverSnapshot } from "./source.ts";

export function icebergSource(env: Environment, batchSize = 50_000): MountSource {
  const { storage, catalog } = openSilverCatalog(env);
  return {
    describe: () => `${env.silver.catalog} catalog of environment ${env.name}`,
    async snapshot(table: SilverTable): Promise<SilverSnapshot | null> {
      const loaded = await catalog.loadTable(table.name);
      if (!loaded) return null;
      const { metadata } = loaded;
      const snapshot = currentSnapshot(metadata);
      if (!snapshot) return { snapshotId: null, rowCount: 0, batches: async function* () {} };
      const snapshotId = snapshot["snapshot-id"];
      const files = await snapshotFiles(storage, metadata, { snapshotId });
      const fields = currentSchema(metadata).fields;
      return {
        snapshotId: String(snapshotId),
        rowCount: files.reduce((n, f) => n + Number(f.recordCount), 0),
        async *batches() {
          for await (const batch of readBatches(storage, metadata, { snapshotId, batchSize })) yield batchRows(batch, fields);
        },
      };
    },
  };
}
