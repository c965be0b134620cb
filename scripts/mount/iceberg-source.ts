/** MountSource over the environment's silver catalog (openSilverCatalog), read with the project's Iceberg reader. */
import type { Environment } from "../core/config.ts";
import { batchRows, currentSchema, currentSnapshot, readBatches, snapshotFiles } from "../iceberg/index.ts";
import { openSilverCatalog, type SilverCatalog } from "../silver/catalog.ts";
import type { SilverTable } from "../silver/tables.ts";
import type { MountSource, SilverSnapshot } from "./source.ts";

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
