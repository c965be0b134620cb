import type pg from "pg";

/** Schemas whose tables `status.gold` reports. */
export const GOLD_SCHEMAS = ["gold", "sparkify"];

export type GoldEntry = { rows: number } | { missing: true };

/**
 * `status.gold`: `schema.table` → `{ rows }` for every table and view in the gold schemas (exact counts); with
 * `missing`, the project's models (`schema.name`) not in the warehouse as `{ missing: true }`.
 */
export async function goldStatus(client: pg.Client, options: { missing?: () => Promise<string[]> } = {}): Promise<Record<string, GoldEntry>> {
  const tables = await client.query<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_schema = any($1) order by 1, 2`,
    [GOLD_SCHEMAS],
  );
  const out: Record<string, GoldEntry> = {};
  for (const { schema, name } of tables.rows) {
    const ident = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
    const counted = await client.query<{ n: string }>(`select count(*) as n from ${ident}`);
    out[`${schema}.${name}`] = { rows: Number(counted.rows[0].n) };
  }
  if (options.missing) {
    // A project that does not compile cannot say which models it has: status then lists what is there.
    const models = await options.missing().catch(() => [] as string[]);
    const present = await client.query<{ name: string }>(
      `select table_schema || '.' || table_name as name from information_schema.tables where table_schema || '.' || table_name = any($1)`,
      [models],
    );
    const found = new Set(present.rows.map((r) => r.name));
    for (const m of models) if (!found.has(m)) out[m] = { missing: true };
  }
  return out;
}
