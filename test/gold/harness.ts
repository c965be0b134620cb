/**
 * Test harness for the gold models: a throwaway embedded PostgreSQL with the silver tables created from
 * the contract (scripts/silver/tables.ts), crafted rows loaded with the mount's COPY path, and the pinned
 * Dataform CLI run against it (its own credentials file in the temp folder).
 */
import type pg from "pg";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { connect } from "../../scripts/stack/db.ts";
import { writeCredentials } from "../../scripts/dataform/credentials.ts";
import { dataform, type DataformResult } from "../../scripts/dataform/runner.ts";
import { mountSilver } from "../../scripts/mount/mount.ts";
import type { MountSource, SilverRow } from "../../scripts/mount/source.ts";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";

/** The DeFtunes gold actions (not Sparkify's, not the YAML assertions). */
export const GOLD_ACTIONS = [
  "stg_catalog__songs",
  "stg_api__users",
  "stg_api__sessions",
  "stg_api__session_items",
  "dim_songs",
  "dim_artists",
  "dim_users",
  "dim_date",
  "fct_session_items",
  "fct_session_items__pending",
  "sales_per_artist",
  "sales_per_country",
  "monthly_active_users",
];

export interface GoldStack extends TestStack {
  client: pg.Client;
  /** Replaces the content of silver tables (others keep theirs), as a new "snapshot". */
  load(tables: Partial<Record<string, SilverRow[]>>): Promise<void>;
  run(options?: { fullRefresh?: boolean; actions?: string[] }): Promise<DataformResult>;
  rows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

let snapshotCounter = 0;

/** A MountSource serving in-memory rows (string timestamps and dates pass through the COPY encoder). */
export function memorySource(tables: Partial<Record<string, SilverRow[]>>): MountSource {
  return {
    describe: () => "memory",
    async snapshot(table) {
      const rows = tables[table.name];
      if (!rows) return null;
      snapshotCounter += 1;
      return {
        snapshotId: `test-${snapshotCounter}`,
        rowCount: rows.length,
        async *batches() {
          for (let i = 0; i < rows.length; i += 1000) yield rows.slice(i, i + 1000);
        },
      };
    },
  };
}

export async function goldStack(): Promise<GoldStack> {
  const stack = await testEnvironment({ postgres: true });
  writeCredentials(stack.env);
  const client = await connect(stack.env, "warehouse");
  // Every silver table exists (empty) so that the staging checks pass for tables a test leaves alone.
  await mountSilver(client, memorySource(Object.fromEntries(SILVER_TABLES.map((t) => [t.name, []]))));
  return {
    ...stack,
    client,
    async load(tables) {
      await mountSilver(client, memorySource(tables), { tables: Object.keys(tables) });
    },
    async run(options = {}) {
      const args = ["run", ...(options.actions ?? GOLD_ACTIONS).flatMap((a) => ["--actions", a])];
      if (options.fullRefresh) args.push("--full-refresh");
      args.push("--timeout", "120s");
      return dataform(stack.env, args, { withCredentials: true });
    },
    async rows<T>(sql: string) {
      return (await client.query(sql)).rows as T[];
    },
    async close() {
      await client.end().catch(() => undefined);
      await stack.stop();
    },
  };
}
