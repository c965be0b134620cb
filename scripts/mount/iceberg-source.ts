/** MountSource over the environment's silver catalog, read with the project's Iceberg reader. */
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { batchRows, currentSchema, currentSnapshot, DirectoryCatalog, readBatches, snapshotFiles } from "../iceberg/index.ts";
import { openStorage } from "../storage/index.ts";
import type { SilverTable } from "../silver/tables.ts";
import type { MountSource, SilverSnapshot } from "./source.ts";

/** Where `lakehouse silver` keeps the directory catalog's tables in the bucket (scripts/silver). */
export const SILVER_ROOT = "warehouse/silver";

export function icebergSource(env: Environment, batchSize = 50_000): MountSource {
  if (env.silver.catalog !== "directory") {
    throw new LakehouseError("mount", `mount reads the directory catalog; environment ${env.name} uses ${env.silver.catalog}`, { file: env.file, field: "silver.catalog" });
  }
  const storage = openStorage(env);
  const catalog = new DirectoryCatalog(storage, SILVER_ROOT);
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
