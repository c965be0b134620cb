/**
 * The lake's own layers, upstream of Dataform: the sources (catalog DB, purchase API endpoints, Sparkify
 * files), their landing prefixes and the silver Iceberg tables built from them. Pure: everything it
 * needs about the environment comes in a LakeContext.
 */
import type { SilverTable } from "../silver/tables.ts";
import { SQL_TYPES } from "../silver/tables.ts";
import type { GraphColumn } from "./model.ts";

export interface LakeContext {
  /** The catalog DB: database and schema of `songs`. */
  catalog: { database: string; schema: string; host?: string };
  /** Base URL of the purchase API. */
  apiBaseUrl: string;
  /** Where the Sparkify files come from (directory or s3:// URI). */
  sparkifyPath: string;
  /** Where the bucket is (a directory or s3://bucket/prefix). */
  bucket: string;
  /** Per landed `source/entity`: partitions and rows, when the bucket could be read. */
  landing?: Record<string, { partitions: number; rows: number }>;
  /** Per silver table: whatever the silver stage reports (rows, snapshot…), when it could be read. */
  silver?: Record<string, unknown>;
}

export interface LakeNode {
  id: string;
  name: string;
  schema?: string;
  layer: "source" | "landing" | "iceberg";
  description: string;
  details: [string, string][];
  columns: GraphColumn[];
  /** Upstream node ids. */
  from: string[];
}

interface SourceInfo {
  name: string;
  schema?: string;
  description: string;
  details: [string, string][];
  format: string;
}

function sourceOf(landed: string, ctx: LakeContext): SourceInfo {
  const [source, entity] = landed.split("/");
  switch (landed) {
    case "catalog/songs":
      return {
        name: `${ctx.catalog.schema}.songs`,
        schema: "catalog DB",
        description: `Operational PostgreSQL table ${ctx.catalog.schema}.songs of the catalog database, read with a server-side cursor.`,
        details: [
          ["database", ctx.catalog.database],
          ...(ctx.catalog.host ? ([["host", ctx.catalog.host]] as [string, string][]) : []),
          ["query", `select * from ${ctx.catalog.schema}.songs`],
        ],
        format: "JSON lines (one row per line)",
      };
    case "api/users":
    case "api/sessions":
      return {
        name: `GET /${entity}`,
        schema: "purchase API",
        description: `Purchase API endpoint GET /${entity}?start_date&end_date (dates YYYY-MM-DD), a top-level JSON array per day.`,
        details: [["url", `${ctx.apiBaseUrl.replace(/\/$/, "")}/${entity}?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD`]],
        format: "JSON array, stored as received",
      };
    case "sparkify/songs":
      return {
        name: "song_data/",
        schema: "Sparkify files",
        description: "Sparkify song metadata: one JSON file per track (the file name is the track id).",
        details: [["path", `${ctx.sparkifyPath.replace(/\/$/, "")}/song_data/`]],
        format: "JSON files, copied byte for byte",
      };
    case "sparkify/events":
      return {
        name: "log_data/",
        schema: "Sparkify files",
        description: "Sparkify listening events: JSON lines, one file per day.",
        details: [["path", `${ctx.sparkifyPath.replace(/\/$/, "")}/log_data/`]],
        format: "JSON lines, copied byte for byte",
      };
    default:
      return { name: entity ?? landed, schema: source, description: `Source of ${landed}.`, details: [], format: "as received" };
  }
}

export const sourceId = (landed: string) => `source:${landed}`;
export const landingId = (landed: string) => `landing:${landed}`;
export const icebergId = (table: string) => `iceberg:${table}`;

function statValue(value: unknown): string {
  if (value === null || value === undefined) return "none yet";
  if (typeof value === "number") return value.toLocaleString("en-US");
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** Columns of a silver table as the page shows them (SQL type as mounted; Iceberg type alongside). */
export function silverColumns(table: SilverTable): GraphColumn[] {
  return table.columns.map((c) => ({
    name: c.name,
    type: SQL_TYPES[c.type],
    icebergType: c.type,
    required: c.required,
    description: c.doc,
    origin: "silver",
  }));
}

/** Source, landing and Iceberg nodes for the silver tables, with their lineage. */
export function lakeNodes(tables: SilverTable[], ctx: LakeContext): LakeNode[] {
  const nodes: LakeNode[] = [];
  const landedKeys = [...new Set(tables.map((t) => t.landed))];
  for (const landed of landedKeys) {
    const source = sourceOf(landed, ctx);
    nodes.push({
      id: sourceId(landed),
      name: source.name,
      schema: source.schema,
      layer: "source",
      description: source.description,
      details: [["lands into", `landing/${landed}/`], ...source.details],
      columns: [],
      from: [],
    });
    const stats = ctx.landing?.[landed];
    nodes.push({
      id: landingId(landed),
      name: `landing/${landed}/`,
      schema: "landing",
      layer: "landing",
      description: `Raw ${landed} as received, one partition per landing day; a partition exists once its manifest is written.`,
      details: [
        ["bucket", ctx.bucket],
        ["layout", `landing/${landed}/ingest_on=YYYY-MM-DD/part-NNNNN.<ext>`],
        ["manifest", "_manifest.json per partition (rows, bytes, sha256 per file, source, window)"],
        ["format", source.format],
        ...(stats
          ? ([
              ["partitions", statValue(stats.partitions)],
              ["rows", statValue(stats.rows)],
            ] as [string, string][])
          : []),
      ],
      columns: [],
      from: [sourceId(landed)],
    });
  }
  for (const table of tables) {
    const stats = ctx.silver?.[table.name];
    const statDetails: [string, string][] =
      stats && typeof stats === "object" ? Object.entries(stats as Record<string, unknown>).map(([k, v]) => [k, statValue(v)]) : [];
    nodes.push({
      id: icebergId(table.name),
      name: table.name,
      schema: "silver (Iceberg)",
      layer: "iceberg",
      description: table.doc,
      details: [
        ["table", `silver.${table.name}`],
        ["format", "Iceberg v2, Parquet data files"],
        ["partitioned by", "ingest_on (identity)"],
        ["built from", `landing/${table.landed}/`],
        ...statDetails,
      ],
      columns: silverColumns(table),
      from: [landingId(table.landed)],
    });
  }
  return nodes;
}
