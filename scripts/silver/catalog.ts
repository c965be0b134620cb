/**
 * The silver catalog of an environment: where `lakehouse silver` commits and `mount`, `status`, `graph`
 * and the production setup read the Iceberg tables `silver.<table>`.
 *
 * - `silver.catalog: directory` (local, ci): a DirectoryCatalog in the environment's bucket under
 *   `warehouse/silver/<table>/` (metadata pointer files next to the table).
 * - `silver.catalog: glue` (prod): the Glue catalog, registered by the production module with
 *   `registerSilverCatalog("glue", factory)` (so that local runs never load the AWS SDK).
 */
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { DirectoryCatalog, type Catalog } from "../iceberg/catalog.ts";
import { openStorage, type Storage } from "../storage/index.ts";

/** Key prefix of the silver namespace in the bucket. */
export const SILVER_ROOT = "warehouse/silver";

export interface SilverCatalog {
  /** The bucket the tables' files live in. */
  storage: Storage;
  catalog: Catalog;
}

export type SilverCatalogFactory = (env: Environment, storage: Storage) => Catalog;

const factories: Partial<Record<Environment["silver"]["catalog"], SilverCatalogFactory>> = {
  directory: (_env, storage) => new DirectoryCatalog(storage, SILVER_ROOT),
};

/** Lets another module (the Glue catalog of the production path) provide a catalog kind. */
export function registerSilverCatalog(kind: Environment["silver"]["catalog"], factory: SilverCatalogFactory): void {
  factories[kind] = factory;
}

/** The environment's silver catalog and the storage its tables are in. */
export function openSilverCatalog(env: Environment, storage: Storage = openStorage(env)): SilverCatalog {
  const factory = factories[env.silver.catalog];
  if (!factory) {
    throw new LakehouseError(
      "silver",
      `no ${env.silver.catalog} catalog is available in this process`,
      { file: env.file, field: "silver.catalog" },
      env.silver.catalog === "glue" ? "the Glue catalog comes with the production path (issue 8); use silver.catalog: directory locally" : undefined,
    );
  }
  return { storage, catalog: factory(env, storage) };
}
