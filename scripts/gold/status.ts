import type pg from "pg";

/** Schemas whose tables `status.gold` reports. */
export const GOLD_SCHEMAS = ["gold", "sparkify"];

/** `status.gold`: `schema.table` → `{ rows }` for every table and view in the gold schemas (exact counts). */
export async function goldStatus(client: pg.Client): Promise<Record<string, { rows: number }>> {
  const tables = await client.query<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_schema = any($1) order by 1, 2`,
    [GOLD_SCHEMAS],
  );
  const out: Record<string, { rows: number }> = {};
  for (const { schema, name } of tables.rows) {
    const ident = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}`;
    const counted = await client.query<{ n: string }>(`select count(*) as n from ${ident}`);
    out[`${schema}.${name}`] = { rows: Number(counted.rows[0].n) };
  }
  return out;
}
