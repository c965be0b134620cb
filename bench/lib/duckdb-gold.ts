/**
 * The gold models of `dataform run --tags gold` computed by DuckDB, in process, straight from the Parquet data
 * files of the silver Iceberg tables' current snapshots: the reference figure of the gold benchmark.
 *
 * One SQL file per model under bench/duckdb/<schema>/<name>.sql (the SQLX translated: same keys, md5 surrogate
 * keys, dedupe rules and SCD2 boundaries; verbatim where PostgreSQL's SQL runs in DuckDB). A model refers to
 * others as <schema>.<name> (silver.<table> for the inputs); the files are run in the dependency order those
 * references give, each materialised as a DuckDB table of the same name (staging and reporting views too, so
 * each is computed once). Dataform's silver column checks (pre-operations), indexes (post-operations) and the
 * assertions are not part of the figure.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { Environment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { snapshotFiles } from "../../scripts/iceberg/reader.ts";
import { openSilverCatalog, type SilverCatalog } from "../../scripts/silver/catalog.ts";
import { SILVER_TABLES, SQL_TYPES, type SilverTable } from "../../scripts/silver/tables.ts";

/** Where the models' SQL lives: bench/duckdb/<schema>/<name>.sql. */
export const DUCKDB_MODELS_DIR = fromRoot("bench", "duckdb");

export interface DuckdbModel {
  /** `<schema>.<name>`, as the warehouse names it. */
  name: string;
  file: string;
  sql: string;
  /** Other models it reads (`silver.*` inputs excluded). */
  dependencies: string[];
}

export interface DuckdbGoldOptions {
  /** The silver catalog to read (default: the environment's, openSilverCatalog). */
  silver?: SilverCatalog;
  /** DuckDB database file (default: in memory). */
  database?: string;
  /** DuckDB worker threads (default: DuckDB's, one per core). */
  threads?: number;
  /** Called with the connection once every model is built, before it closes (e.g. to read the marts). */
  inspect?: (connection: DuckDBConnection) => Promise<void>;
}

export interface DuckdbGoldResult {
  /** Wall time from the first statement (silver views) to the last model built. */
  seconds: number;
  /** Row count of every model, by `<schema>.<name>`. */
  rows: Record<string, number>;
  /** Seconds per model, in build order. */
  perModel: { name: string; seconds: number }[];
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const REFERENCE = /\b(gold|gold_internal|sparkify|silver)\.([a-z_][a-z0-9_]*)\b/g;

/** The models under `dir`, in dependency order (Kahn over their references, alphabetical among the ready). */
export function duckdbModels(dir: string = DUCKDB_MODELS_DIR): DuckdbModel[] {
  const models = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((schema) => schema.isDirectory())
    .flatMap((schema) =>
      fs
        .readdirSync(path.join(dir, schema.name))
        .filter((f) => f.endsWith(".sql"))
        .map((f) => {
          const file = path.join(dir, schema.name, f);
          const sql = fs.readFileSync(file, "utf8");
          const code = sql.replace(/--.*$/gm, "");
          const references = [...code.matchAll(REFERENCE)].map((m) => `${m[1]}.${m[2]}`);
          return { name: `${schema.name}.${f.slice(0, -".sql".length)}`, file, sql, references };
        }),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  const names = new Set(models.map((m) => m.name));
  const silver = new Set(SILVER_TABLES.map((t) => `silver.${t.name}`));
  for (const m of models) {
    const unknown = m.references.filter((r) => !names.has(r) && !silver.has(r));
    if (unknown.length > 0) throw new Error(`${m.file}: reads ${unknown.join(", ")}, which is neither a model under ${dir} nor a silver table`);
  }
  const ordered: DuckdbModel[] = [];
  const done = new Set<string>();
  while (ordered.length < models.length) {
    const ready = models.filter((m) => !done.has(m.name) && m.references.every((r) => r === m.name || done.has(r) || silver.has(r)));
    if (ready.length === 0) throw new Error(`dependency cycle among ${models.filter((m) => !done.has(m.name)).map((m) => m.name).join(", ")}`);
    for (const { references, ...m } of ready) {
      done.add(m.name);
      ordered.push({ ...m, dependencies: [...new Set(references.filter((r) => names.has(r) && r !== m.name))] });
    }
  }
  return ordered;
}

/** Local paths of the current snapshot's data files of each silver table (empty: no table or no snapshot). */
export async function silverFiles(env: Environment, silver: SilverCatalog = openSilverCatalog(env)): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const table of SILVER_TABLES) {
    const loaded = await silver.catalog.loadTable(table.name);
    const files = loaded ? await snapshotFiles(silver.storage, loaded.metadata) : [];
    out.set(
      table.name,
      files.map((f) => {
        const local = silver.storage.localPath(f.key);
        if (!local) throw new Error(`duckdbGold reads a local bucket; ${f.path} of silver.${table.name} (environment ${env.name}) has no local path`);
        return local;
      }),
    );
  }
  return out;
}

/** `silver.<table>` over its data files, with the contract's columns and types (an empty relation when it has none). */
export function silverView(table: SilverTable, files: string[]): string {
  const columns = table.columns.map((c) => (files.length ? `cast(${c.name} as ${SQL_TYPES[c.type]}) as ${c.name}` : `cast(null as ${SQL_TYPES[c.type]}) as ${c.name}`));
  const from = files.length ? ` from read_parquet([${files.map(quote).join(", ")}])` : " where false";
  return `create or replace view silver.${table.name} as select ${columns.join(", ")}${from}`;
}

/** Builds every model of bench/duckdb in DuckDB from the environment's silver snapshot; see the file comment. */
export async function duckdbGold(env: Environment, options: DuckdbGoldOptions = {}): Promise<DuckdbGoldResult> {
  const models = duckdbModels();
  const files = await silverFiles(env, options.silver ?? openSilverCatalog(env));
  const instance = await DuckDBInstance.create(options.database ?? ":memory:", options.threads ? { threads: String(options.threads) } : undefined);
  const connection = await instance.connect();
  try {
    const started = performance.now();
    for (const schema of new Set(["silver", ...models.map((m) => m.name.split(".")[0])])) await connection.run(`create schema if not exists ${schema}`);
    for (const table of SILVER_TABLES) await connection.run(silverView(table, files.get(table.name) ?? []));
    const perModel: DuckdbGoldResult["perModel"] = [];
    for (const model of models) {
      const t = performance.now();
      try {
        await connection.run(`create or replace table ${model.name} as\n${model.sql}`);
      } catch (error) {
        throw new Error(`${path.relative(fromRoot(), model.file)}: ${(error as Error).message.split("\n")[0]}`, { cause: error });
      }
      perModel.push({ name: model.name, seconds: (performance.now() - t) / 1000 });
    }
    const seconds = (performance.now() - started) / 1000;
    const rows: Record<string, number> = {};
    for (const model of models) {
      const reader = await connection.runAndReadAll(`select count(*) as n from ${model.name}`);
      rows[model.name] = Number(reader.getRows()[0][0]);
    }
    await options.inspect?.(connection);
    return { seconds, rows, perModel };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
