import pg from "pg";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { warehousePassword } from "./secrets.ts";

export type Database = "warehouse" | "catalog";

export function connectionConfig(env: Environment, database: Database): pg.ClientConfig {
  const local = env.name !== "prod";
  const host = database === "catalog" && env.catalog_db.host ? env.catalog_db.host : env.warehouse.host;
  const port = database === "catalog" && env.catalog_db.port ? env.catalog_db.port : env.warehouse.port;
  const user = database === "catalog" && env.catalog_db.user ? env.catalog_db.user : env.warehouse.user;
  let password: string;
  if (database === "catalog" && !local) {
    const variable = env.catalog_db.password_env ?? "CATALOG_PASSWORD";
    password = process.env[variable] ?? "";
  } else {
    password = warehousePassword(env);
  }
  return {
    host,
    port,
    user,
    password,
    database: database === "catalog" ? env.catalog_db.database : env.warehouse.database,
    // The local server has a self-signed certificate (Dataform's postgres adapter insists on SSL).
    ssl: local ? { rejectUnauthorized: false } : { rejectUnauthorized: true },
    application_name: "lakehouse",
    connectionTimeoutMillis: 10_000,
  };
}

/** A connected client; the error names the address and the cause. */
export async function connect(env: Environment, database: Database = "warehouse"): Promise<pg.Client> {
  const config = connectionConfig(env, database);
  const client = new pg.Client(config);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new LakehouseError(
      "db",
      `cannot connect to ${database} database ${config.database} at ${config.host}:${config.port}: ${(error as Error).message}`,
      {},
      env.name === "prod" ? undefined : `is the stack up? run: npx lakehouse up --env ${env.name}`,
      { cause: error },
    );
  }
  client.on("error", () => undefined);
  return client;
}

/** Runs `fn` with a connected client and always closes it. */
export async function withClient<T>(env: Environment, database: Database, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(env, database);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
