import {
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
  type Column,
  type Table,
  type TableInput,
} from "@aws-sdk/client-glue";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { CommitConflictError, type Catalog, type LoadedTable } from "../iceberg/catalog.ts";
import { uriOf } from "../iceberg/locations.ts";
import { readMetadataFile } from "../iceberg/metadata-json.ts";
import type { IcebergField, TableMetadata } from "../iceberg/types.ts";
import { registerSilverCatalog, SILVER_ROOT } from "../silver/catalog.ts";
import type { Storage } from "../storage/types.ts";

/**
 * The Iceberg catalog on the AWS Glue Data Catalog: each silver table is a Glue table of type EXTERNAL_TABLE
 * with `table_type=ICEBERG` and `metadata_location` (plus `previous_metadata_location`) in its parameters, as
 * Iceberg's own GlueCatalog and Redshift Spectrum expect. Metadata and data files live in the bucket (S3).
 *
 * Commit = UpdateTable with the VersionId read together with the current metadata_location: Glue refuses
 * the update with ConcurrentModificationException when another writer updated the table in between, which
 * surfaces as CommitConflictError so the writer re-reads the table and retries (scripts/iceberg/table.ts).
 */

/** Glue (Hive) column types of the silver types, as Iceberg's Glue catalog writes them. */
export const GLUE_TYPES: Record<IcebergField["type"], string> = {
  boolean: "boolean",
  int: "int",
  long: "bigint",
  double: "double",
  string: "string",
  date: "date",
  timestamp: "timestamp",
};

export interface GlueCatalogOptions {
  /** Glue database of the namespace (prod.yaml silver.glue_database). */
  database: string;
  /** Key prefix of the tables in the bucket (default `warehouse/silver`, as the directory catalog). */
  root?: string;
  /** AWS account of the Data Catalog when not the caller's. */
  catalogId?: string;
}

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? "";
}

function glueError(action: string, error: unknown, table?: string): LakehouseError {
  return new LakehouseError("glue", `${action}: ${errorName(error)}: ${(error as Error).message}`, table ? { file: table } : {}, undefined, { cause: error });
}

/**
 * The Glue (Hive) type of any Iceberg type, as Iceberg's Glue catalog writes it: the silver types, and
 * what another engine may have added (float, decimal(P,S), timestamptz, uuid, fixed[N], binary, nested).
 */
export function glueType(type: unknown): string {
  if (typeof type === "string") {
    if (type in GLUE_TYPES) return GLUE_TYPES[type as IcebergField["type"]];
    if (type === "float" || type === "binary" || /^decimal\(\d+,\s*\d+\)$/.test(type)) return type.replace(/\s+/g, "");
    if (type === "timestamptz" || type === "timestamp_ns" || type === "timestamptz_ns") return "timestamp";
    if (/^fixed\[\d+\]$/.test(type)) return "binary";
    return "string"; // uuid, time, and types Glue has no name for
  }
  const t = type as { type?: string; fields?: { name: string; type: unknown }[]; element?: unknown; key?: unknown; value?: unknown };
  if (t?.type === "struct") return `struct<${(t.fields ?? []).map((f) => `${f.name}:${glueType(f.type)}`).join(",")}>`;
  if (t?.type === "list") return `array<${glueType(t.element)}>`;
  if (t?.type === "map") return `map<${glueType(t.key)},${glueType(t.value)}>`;
  return "string";
}

/** Glue columns from the table's current Iceberg schema (field ids and optionality in column parameters). */
export function glueColumns(metadata: TableMetadata): Column[] {
  const schema = metadata.schemas.find((s) => s["schema-id"] === metadata["current-schema-id"]) ?? metadata.schemas[0];
  return (schema?.fields ?? []).map((field) => ({
    Name: field.name,
    Type: glueType(field.type),
    ...(field.doc ? { Comment: field.doc.slice(0, 255) } : {}),
    Parameters: { "iceberg.field.id": String(field.id), "iceberg.field.optional": String(!field.required), "iceberg.field.current": "true" },
  }));
}

/** The TableInput of an Iceberg table in Glue. */
export function icebergTableInput(name: string, metadataLocation: string, previousMetadataLocation: string | null, metadata: TableMetadata, existing?: Table): TableInput {
  const parameters: Record<string, string> = {
    // Keep parameters others set on the table (e.g. Lake Formation, crawlers), replace ours.
    ...(existing?.Parameters ?? {}),
    table_type: "ICEBERG",
    metadata_location: metadataLocation,
  };
  if (previousMetadataLocation) parameters.previous_metadata_location = previousMetadataLocation;
  else delete parameters.previous_metadata_location;
  return {
    Name: name,
    TableType: "EXTERNAL_TABLE",
    ...(existing?.Description ? { Description: existing.Description } : {}),
    Parameters: parameters,
    StorageDescriptor: { Location: metadata.location, Columns: glueColumns(metadata) },
  };
}

export class GlueCatalog implements Catalog {
  readonly database: string;
  readonly root: string;
  private readonly catalogId?: string;
  private databaseReady = false;

  constructor(
    readonly glue: GlueClient,
    readonly storage: Storage,
    options: GlueCatalogOptions,
  ) {
    this.database = options.database;
    this.root = options.root ?? SILVER_ROOT;
    this.catalogId = options.catalogId;
  }

  private get ids() {
    return this.catalogId ? { CatalogId: this.catalogId } : {};
  }

  tableKey(name: string): string {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new LakehouseError("iceberg", `invalid table name "${name}"`);
    return `${this.root}/${name}`;
  }

  /** Creates the Glue database if it is missing (once per catalog object). */
  async ensureDatabase(): Promise<void> {
    if (this.databaseReady) return;
    try {
      await this.glue.send(new GetDatabaseCommand({ ...this.ids, Name: this.database }));
    } catch (error) {
      if (errorName(error) !== "EntityNotFoundException") throw glueError(`cannot read Glue database ${this.database}`, error);
      try {
        await this.glue.send(
          new CreateDatabaseCommand({
            ...this.ids,
            DatabaseInput: { Name: this.database, Description: "deftunes-lakehouse silver layer (Iceberg tables)", LocationUri: uriOf(this.storage, this.root) },
          }),
        );
      } catch (createError) {
        // Another writer created it in between: that is what we wanted.
        if (errorName(createError) !== "AlreadyExistsException") throw glueError(`cannot create Glue database ${this.database}`, createError);
      }
    }
    this.databaseReady = true;
  }

  /** The Glue table, or null when it does not exist. */
  private async getTable(name: string): Promise<Table | null> {
    try {
      const out = await this.glue.send(new GetTableCommand({ ...this.ids, DatabaseName: this.database, Name: name }));
      return out.Table ?? null;
    } catch (error) {
      if (errorName(error) === "EntityNotFoundException") return null;
      throw glueError(`cannot read Glue table ${this.database}.${name}`, error, name);
    }
  }

  private static metadataLocationOf(table: Table | null, name: string): string | null {
    if (!table) return null;
    if (table.Parameters?.table_type?.toUpperCase() !== "ICEBERG") {
      throw new LakehouseError("glue", `Glue table ${name} exists but is not an Iceberg table (table_type ${table.Parameters?.table_type ?? "unset"})`, { file: name }, "drop it or choose another glue_database");
    }
    const location = table.Parameters?.metadata_location;
    if (!location) throw new LakehouseError("glue", `Glue table ${name} has no metadata_location`, { file: name });
    return location;
  }

  /** The metadata file, 64-bit ids exact (whichever engine wrote it). */
  private readMetadata(location: string): Promise<TableMetadata> {
    return readMetadataFile(this.storage, location);
  }

  async loadTable(name: string): Promise<LoadedTable | null> {
    const location = GlueCatalog.metadataLocationOf(await this.getTable(name), name);
    if (!location) return null;
    return { metadataLocation: location, metadata: await this.readMetadata(location) };
  }

  async commitTable(name: string, expectedMetadataLocation: string | null, newMetadataLocation: string): Promise<void> {
    this.tableKey(name);
    const metadata = await this.readMetadata(newMetadataLocation);
    await this.ensureDatabase();
    if (expectedMetadataLocation === null) {
      try {
        await this.glue.send(new CreateTableCommand({ ...this.ids, DatabaseName: this.database, TableInput: icebergTableInput(name, newMetadataLocation, null, metadata) }));
        return;
      } catch (error) {
        if (errorName(error) !== "AlreadyExistsException") throw glueError(`cannot register Iceberg table ${this.database}.${name}`, error, name);
        const actual = GlueCatalog.metadataLocationOf(await this.getTable(name), name);
        throw new CommitConflictError(name, null, actual);
      }
    }
    const table = await this.getTable(name);
    const actual = GlueCatalog.metadataLocationOf(table, name);
    if (actual !== expectedMetadataLocation || !table) throw new CommitConflictError(name, expectedMetadataLocation, actual);
    try {
      await this.glue.send(
        new UpdateTableCommand({
          ...this.ids,
          DatabaseName: this.database,
          TableInput: icebergTableInput(name, newMetadataLocation, expectedMetadataLocation, metadata, table),
          // Optimistic lock: Glue applies the update only if the table is still at the version read above.
          VersionId: table.VersionId,
          SkipArchive: true,
        }),
      );
    } catch (error) {
      if (errorName(error) === "ConcurrentModificationException") {
        const now = await this.getTable(name).catch(() => null);
        throw new CommitConflictError(name, expectedMetadataLocation, now?.Parameters?.metadata_location ?? null);
      }
      if (errorName(error) === "EntityNotFoundException") throw new CommitConflictError(name, expectedMetadataLocation, null);
      throw glueError(`cannot commit Iceberg table ${this.database}.${name}`, error, name);
    }
  }

  /** Names of the Iceberg tables in the database (GetTables, all pages). */
  async listTables(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.glue.send(new GetTablesCommand({ ...this.ids, DatabaseName: this.database, ...(token ? { NextToken: token } : {}) }));
      } catch (error) {
        if (errorName(error) === "EntityNotFoundException") return [];
        throw glueError(`cannot list Glue database ${this.database}`, error);
      }
      for (const t of out.TableList ?? []) if (t.Name && t.Parameters?.table_type?.toUpperCase() === "ICEBERG") names.push(t.Name);
      token = out.NextToken || undefined;
    } while (token);
    return names.sort();
  }

  /** Removes the table from Glue and its files from the bucket. */
  async dropTable(name: string): Promise<void> {
    try {
      await this.glue.send(new DeleteTableCommand({ ...this.ids, DatabaseName: this.database, Name: name }));
    } catch (error) {
      if (errorName(error) !== "EntityNotFoundException") throw glueError(`cannot drop Glue table ${this.database}.${name}`, error, name);
    }
    await this.storage.deletePrefix(`${this.tableKey(name)}/`);
  }
}

/** The Glue catalog of an environment (prod.yaml: silver.glue_database, region from storage or warehouse). */
export function glueCatalogFor(env: Environment, storage: Storage, glue?: GlueClient): GlueCatalog {
  const database = env.silver.glue_database;
  if (!database) throw new LakehouseError("glue", "silver.glue_database must be set for silver.catalog: glue", { file: env.file, field: "silver.glue_database" });
  const region = (env.storage.type === "s3" ? env.storage.region : undefined) ?? env.warehouse.region;
  return new GlueCatalog(glue ?? new GlueClient({ region }), storage, { database });
}

/** Makes `openSilverCatalog` serve `silver.catalog: glue` (importing this module does it too). */
export function registerGlueCatalog(): void {
  registerSilverCatalog("glue", (env, storage) => glueCatalogFor(env, storage));
}

registerGlueCatalog();
