// Warehouse fixtures for the CLI tests: the silver tables of the contract, created empty or with rows.
import type { Environment } from "../../scripts/core/config.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { mountSilver } from "../../scripts/mount/mount.ts";
import type { SilverRow } from "../../scripts/mount/source.ts";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";
import { memorySource } from "../gold/harness.ts";

/** Every silver table of the contract, empty, plus the given rows (what `mount` would leave). */
export async function emptySilver(env: Environment, rows: Partial<Record<string, SilverRow[]>> = {}): Promise<void> {
  await withClient(env, "warehouse", (client) => mountSilver(client, memorySource({ ...Object.fromEntries(SILVER_TABLES.map((t) => [t.name, []])), ...rows })));
}
