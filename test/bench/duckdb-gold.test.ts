/**
 * duckdbGold (bench/lib/duckdb-gold.ts), the DuckDB reference of the gold benchmark, against the warehouse: the
 * default sample data through the real pipeline on a throwaway environment (`lakehouse up, seed, land, silver,
 * mount, run --tags gold`: Dataform on the embedded PostgreSQL), then the same silver snapshot through DuckDB.
 * Every model `--tags gold` builds must exist on both sides with the same columns, types, row counts and rows
 * (compared as sorted row texts, each value formatted the same way on both engines).
 */
import { spawnSync } from "node:child_process";
import type pg from "pg";
import type { DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { connect } from "../../scripts/stack/db.ts";
import { dryRun } from "../../bench/lib/dryrun.ts";
import { duckdbGold, duckdbModels, type DuckdbGoldResult } from "../../bench/lib/duckdb-gold.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const PIPELINE = [["up"], ["seed"], ["land"], ["silver"], ["mount"], ["run", "--tags", "gold"]];
const MODELS = duckdbModels().map((m) => m.name);

interface Column {
  name: string;
  /** DuckDB's type, e.g. VARCHAR, DECIMAL(12,2), TIMESTAMP. */
  type: string;
}

/** PostgreSQL's information_schema data_type for each DuckDB type the models produce. */
const POSTGRES_TYPE: Record<string, string> = {
  VARCHAR: "character varying",
  INTEGER: "integer",
  BIGINT: "bigint",
  DOUBLE: "double precision",
  BOOLEAN: "boolean",
  DATE: "date",
  TIMESTAMP: "timestamp without time zone",
};
const postgresType = (duckdbType: string) => (duckdbType.startsWith("DECIMAL") ? "numeric" : (POSTGRES_TYPE[duckdbType] ?? duckdbType));

/**
 * One value as text, the same on both engines: timestamps to the microsecond, doubles read as numbers (both
 * drivers give the exact double) and printed by JavaScript, everything else cast to text in SQL.
 */
function selectList(columns: Column[], engine: "postgres" | "duckdb"): string {
  return columns
    .map(({ name, type }) => {
      const c = `"${name}"`;
      if (type === "DOUBLE") return c;
      if (type === "TIMESTAMP") return engine === "postgres" ? `to_char(${c}, 'YYYY-MM-DD HH24:MI:SS.US') as ${c}` : `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f') as ${c}`;
      return `cast(${c} as ${engine === "postgres" ? "text" : "varchar"}) as ${c}`;
    })
    .join(", ");
}

/**
 * A finding, not bent away: the embedded PostgreSQL runs with `--locale=C` (scripts/stack/postgres.ts), where
 * lower() changes only ASCII letters, so the Sparkify match keys keep non-ASCII capitals ('É hora da virada');
 * DuckDB's lower() (like Redshift's, and like the rule "trimmed, case-insensitive") lowers every letter. The
 * warehouse's value of these columns is compared after a full Unicode lower-casing; every other difference fails.
 * While it lasts, a play whose title or artist differs from the song file only in the case of a non-ASCII letter
 * is not matched locally (none on the default data: songplays and top_songs are equal row for row).
 */
const ASCII_ONLY_LOWER: Record<string, string[]> = {
  "sparkify.stg_sparkify__events": ["song_title_key", "artist_name_key"],
  "sparkify.stg_sparkify__songs": ["title_key", "artist_name_key"],
};

function rowText(row: Record<string, unknown>, columns: Column[], lowerCase: string[] = []): string {
  return JSON.stringify(
    columns.map(({ name, type }) => {
      const value = row[name];
      if (value === null) return null;
      if (type === "DOUBLE") return String(Number(value));
      return lowerCase.includes(name) ? String(value).toLowerCase() : String(value);
    }),
  );
}

let stack: TestStack;
let client: pg.Client;
let duck: DuckdbGoldResult;
const duckColumns = new Map<string, Column[]>();
const duckRows = new Map<string, string[]>();

async function readDuckdb(connection: DuckDBConnection): Promise<void> {
  for (const model of MODELS) {
    const described = (await connection.runAndReadAll(`describe ${model}`)).getRowObjectsJson() as { column_name: string; column_type: string }[];
    const columns = described.map((d) => ({ name: d.column_name, type: d.column_type }));
    duckColumns.set(model, columns);
    const rows = (await connection.runAndReadAll(`select ${selectList(columns, "duckdb")} from ${model}`)).getRowObjectsJson() as Record<string, unknown>[];
    duckRows.set(model, rows.map((r) => rowText(r, columns)).sort());
  }
}

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  for (const args of PIPELINE) {
    const run = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), ...args, "--env", "ci", "--quiet"], { env: stack.cliEnv, encoding: "utf8", timeout: 300_000 });
    if (run.status !== 0) throw new Error(`lakehouse ${args.join(" ")} exited with ${run.status}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  }
  client = await connect(stack.env, "warehouse");
  duck = await duckdbGold(stack.env, { inspect: readDuckdb });
  process.stderr.write(`duckdbGold on the default data: ${duck.seconds.toFixed(3)} s for ${MODELS.length} models\n`);
}, 600_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await stack?.stop();
});

describe("duckdbGold: the gold models in DuckDB from the silver Parquet files", () => {
  it("covers exactly the tables and views `dataform run --tags gold` builds", async () => {
    const plan = await dryRun(stack.env, ["--tags", "gold"]);
    // Datasets only: the setup operation that creates the incremental state tables is no model.
    const built = plan.filter((a) => a.type === "table").map((a) => a.name);
    expect(plan.some((a) => a.type === "operation")).toBe(true);
    expect(MODELS.slice().sort()).toEqual(built.slice().sort());
  });

  it("builds every model, timed, with its row count", () => {
    expect(Object.keys(duck.rows).sort()).toEqual(MODELS.slice().sort());
    expect(duck.perModel.map((m) => m.name)).toEqual(MODELS);
    expect(duck.seconds).toBeGreaterThan(0);
    // the default data is not trivial: every source feeds its marts
    for (const mart of ["gold.fct_session_items", "gold.dim_users", "gold.sales_per_country", "sparkify.songplays", "sparkify.user_level_history"]) {
      expect(duck.rows[mart]).toBeGreaterThan(10);
    }
  });

  it("gives every model the row count of the warehouse", async () => {
    const warehouse: Record<string, number> = {};
    for (const model of MODELS) warehouse[model] = Number((await client.query(`select count(*) as n from ${model}`)).rows[0].n);
    expect(duck.rows).toEqual(warehouse);
  });

  it.each(MODELS)("%s: same columns and types as the warehouse", async (model) => {
    const [schema, name] = model.split(".");
    const { rows } = await client.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
      [schema, name],
    );
    const duckdb = duckColumns.get(model) ?? [];
    // DuckDB has one string type; PostgreSQL's md5() and case … then '…' give text, casts varchar
    const warehouse = rows.map((r) => `${r.column_name} ${r.data_type === "text" ? "character varying" : r.data_type}`);
    expect(duckdb.map((c) => `${c.name} ${postgresType(c.type)}`)).toEqual(warehouse);
  });

  it("finding: the warehouse's lower() leaves non-ASCII capitals in the Sparkify match keys (PostgreSQL locale C)", async () => {
    const keys = (await client.query<{ title_key: string }>(`select title_key from sparkify.stg_sparkify__songs where title_key is not null`)).rows.map((r) => r.title_key);
    const nonAscii = keys.filter((k) => /[^\x00-\x7f]/.test(k));
    const notLowered = nonAscii.filter((k) => k !== k.toLowerCase());
    process.stderr.write(`stg_sparkify__songs: ${notLowered.length} of ${nonAscii.length} non-ASCII title keys keep a capital in the warehouse (${notLowered.slice(0, 3).join(" | ")})\n`);
    // When this fails, the warehouse lowers Unicode: drop ASCII_ONLY_LOWER.
    expect(notLowered.length).toBeGreaterThan(0);
  });

  it.each(MODELS)("%s: same rows as the warehouse", async (model) => {
    const columns = duckColumns.get(model) ?? [];
    const { rows } = await client.query(`select ${selectList(columns, "postgres")} from ${model}`);
    const postgres = rows.map((r) => rowText(r, columns, ASCII_ONLY_LOWER[model])).sort();
    const duckdb = duckRows.get(model) ?? [];
    const inDuckdb = new Set(duckdb);
    const inPostgres = new Set(postgres);
    expect({
      onlyInPostgres: postgres.filter((r) => !inDuckdb.has(r)).slice(0, 5),
      onlyInDuckdb: duckdb.filter((r) => !inPostgres.has(r)).slice(0, 5),
    }).toEqual({ onlyInPostgres: [], onlyInDuckdb: [] });
    expect(duckdb).toEqual(postgres);
  });
});
