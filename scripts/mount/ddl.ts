/** PostgreSQL DDL of the mounted silver tables and of the mount bookkeeping. Pure functions. */
import { SQL_TYPES, type SilverTable } from "../silver/tables.ts";

export const MOUNT_SCHEMA = "silver";
/** Bookkeeping: which snapshot of each table is mounted. */
export const MOUNTS_TABLE = "_mounts";

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** Column definitions in contract order (types from SQL_TYPES; required columns not null). */
export function columnDefinitions(table: SilverTable): string {
  return table.columns.map((c) => `${ident(c.name)} ${SQL_TYPES[c.type]}${c.required ? " not null" : ""}`).join(",\n  ");
}

export function createTableSql(table: SilverTable, schema: string, name: string = table.name): string {
  return `create table ${qualified(schema, name)} (\n  ${columnDefinitions(table)}\n)`;
}

/** Name of the BRIN index on `ingest_on` of a mounted table (see partitionIndexSql). */
export function partitionIndexName(table: SilverTable): string {
  return `${table.name}_ingest_on_brin`;
}

export interface PartitionIndexSql {
  /** Creates the index if it is missing. */
  create: string;
  /** Summarizes the block ranges filled since the index was built or last summarized (cost follows those ranges). */
  summarize: { text: string; values: string[] };
}

/**
 * A BRIN index on `ingest_on`, so that reloading a partition finds its rows without scanning the table
 * (rows arrive partition by partition, so block ranges are narrow; a BRIN index is a few pages and costs
 * one pass over the table to build). Null for a table without `ingest_on`. Built after the COPY of a whole
 * table: ranges filled after the build stay unsummarized (then always scanned) until `summarize` runs.
 */
export function partitionIndexSql(table: SilverTable, schema: string): PartitionIndexSql | null {
  if (!table.columns.some((c) => c.name === "ingest_on")) return null;
  return {
    create: `create index if not exists ${ident(partitionIndexName(table))} on ${qualified(schema, table.name)} using brin (ingest_on)`,
    summarize: { text: "select brin_summarize_new_values($1::regclass)", values: [qualified(schema, partitionIndexName(table))] },
  };
}

export function createMountsSql(schema: string): string {
  return `create table if not exists ${qualified(schema, MOUNTS_TABLE)} (
  table_name text primary key,
  snapshot_id text,
  row_count bigint not null,
  layout text not null,
  mounted_at timestamptz not null default now()
)`;
}

/**
 * A fingerprint of the table's layout (column names, types, nullability in order), as PostgreSQL reports it
 * with format_type; compared with the live table to decide between truncate+COPY and a new table.
 */
export function expectedLayout(table: SilverTable): string {
  const pgNames: Record<string, string> = {
    boolean: "boolean",
    integer: "integer",
    bigint: "bigint",
    "double precision": "double precision",
    varchar: "character varying",
    date: "date",
    timestamp: "timestamp without time zone",
  };
  return table.columns.map((c) => `${c.name} ${pgNames[SQL_TYPES[c.type]] ?? SQL_TYPES[c.type]}${c.required ? " not null" : ""}`).join(", ");
}

/** The live layout of a table in the same format as expectedLayout, or null when it does not exist. */
export const LIVE_LAYOUT_SQL = `select string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || case when a.attnotnull then ' not null' else '' end, ', ' order by a.attnum) as layout
  from pg_attribute a
 where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped`;
