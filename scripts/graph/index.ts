/**
 * `writeGraph`: compile (or read a compiled graph), add the lake layers, the last run's results and what
 * the bucket and warehouse can tell, and write the page. I/O lives here; build.ts and layout.ts are pure.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { PROJECT_ROOT } from "../core/paths.ts";
import { graphPath } from "../dataform/paths.ts";
import { lastRunFile } from "../dataform/results.ts";
import { SILVER_TABLES } from "../silver/tables.ts";
import { buildGraph, type DataformCompiled, type LastRun } from "./build.ts";
import { renderHtml } from "./html.ts";
import type { LakeContext } from "./lake.ts";
import type { GraphData } from "./model.ts";

export interface WriteGraphOptions {
  /** Output file (default: the environment's graph path, .lakehouse/<env>/graph/index.html). */
  out?: string;
  /** Read this `dataform compile --json` output instead of compiling. */
  fromJson?: string;
  /** An already compiled graph (e.g. `lakehouse all`'s own compile). */
  compiled?: DataformCompiled;
  /** Last run results (default: the environment's last-run.json; absent means every status is unknown). */
  lastRunFile?: string;
  /** Do not ask the bucket or the warehouse anything (only the compiled graph and the silver schemas). */
  offline?: boolean;
  log?: Logger;
}

export interface WriteGraphResult {
  path: string;
  nodes: number;
  edges: number;
  assertions: number;
  bytes: number;
}

/** Where the page goes by default: `<stack dir>/graph/index.html`, i.e. .lakehouse/<env>/graph/index.html. */
export const defaultGraphPath: (env: Environment) => string = graphPath;

/** The latest run invocation: `<stack dir>/runs/latest.json` (scripts/dataform/artifacts.ts). */
export const defaultLastRunFile: (env: Environment) => string = lastRunFile;

function readJson<T>(file: string, what: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new LakehouseError("graph", `cannot read ${what}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new LakehouseError("graph", `${what} is not valid JSON: ${(error as Error).message}`, { file });
  }
}

/** The compiled graph from --from-json: `dataform compile --json` output or `lakehouse compile --json`'s. */
export function readCompiledJson(file: string): DataformCompiled {
  const data = readJson<DataformCompiled>(file, "the compiled graph");
  if (typeof data !== "object" || data === null || Array.isArray(data) || (!data.projectConfig && !data.tables && !data.declarations)) {
    throw new LakehouseError("graph", "not a Dataform compiled graph (no projectConfig, tables or declarations)", { file }, "produce it with: npx lakehouse compile --json > graph.json");
  }
  return data;
}

function readLastRun(file: string, log: Logger): { file: string; data: LastRun } | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as LastRun;
    if (typeof data !== "object" || data === null || (data.actions !== undefined && typeof data.actions !== "object")) throw new Error("no actions object");
    return { file: path.relative(PROJECT_ROOT, file) || file, data };
  } catch (error) {
    log.warn(`ignoring the last-run file ${file}: ${(error as Error).message} (statuses shown as unknown)`);
    return undefined;
  }
}

function lakeContext(env: Environment): LakeContext {
  const storage = env.storage;
  const api = env.api;
  return {
    catalog: { database: env.catalog_db.database, schema: env.catalog_db.schema, ...(env.catalog_db.host ? { host: env.catalog_db.host } : {}) },
    apiBaseUrl: api.base_url ?? `http://${api.host ?? "127.0.0.1"}:${api.port ?? 8787}`,
    sparkifyPath: env.sources.sparkify_path,
    bucket: storage.type === "local" ? storage.root : `s3://${storage.bucket}/${storage.prefix ?? ""}`,
  };
}

/** A promise that gives up after `ms` (the page must not wait on a slow bucket or warehouse). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Counts of the landing and silver layers, when their stages can report them. */
async function lakeStats(env: Environment, ctx: LakeContext, notes: string[]): Promise<void> {
  try {
    const { landingStatus } = await import("../land/status.ts");
    const landing = await within(5000, landingStatus(env));
    if (Object.keys(landing).length) ctx.landing = landing;
  } catch (error) {
    notes.push(`Landing counts not shown: ${(error as Error).message}`);
  }
  try {
    const { silverStatus } = await import("../silver/status.ts");
    const silver = (await within(5000, silverStatus(env))) as Record<string, unknown>;
    if (Object.keys(silver).length) ctx.silver = silver;
  } catch (error) {
    notes.push(`Silver counts not shown: ${(error as Error).message}`);
  }
}

/** Column types of the Dataform targets, from the warehouse's catalog, when it answers quickly. */
async function warehouseColumns(env: Environment, schemas: string[], notes: string[]): Promise<Record<string, { name: string; type: string }[]> | undefined> {
  if (env.name === "prod" || schemas.length === 0) return undefined;
  try {
    const [{ connectionConfig }, pg] = await Promise.all([import("../stack/db.ts"), import("pg")]);
    const client = new pg.default.Client({ ...connectionConfig(env, "warehouse"), connectionTimeoutMillis: 1500 });
    client.on("error", () => undefined);
    try {
      await within(3000, client.connect());
      const { rows } = await within(
        5000,
        client.query<{ table_schema: string; table_name: string; column_name: string; data_type: string }>(
          `select table_schema, table_name, column_name, data_type
             from information_schema.columns
            where table_schema = any($1::text[])
            order by table_schema, table_name, ordinal_position`,
          [schemas],
        ),
      );
      const out: Record<string, { name: string; type: string }[]> = {};
      for (const r of rows) (out[`${r.table_schema}.${r.table_name}`] ??= []).push({ name: r.column_name, type: r.data_type });
      return out;
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (error) {
    notes.push(`Column types of models not shown (the ${env.name} warehouse did not answer: ${(error as Error).message.split("\n")[0]}); run the stack and rebuild the page to add them.`);
    return undefined;
  }
}

async function compile(env: Environment, log: Logger): Promise<DataformCompiled> {
  const [{ withPreparedProject }, { compileProject }] = await Promise.all([import("../dataform/environment.ts"), import("../dataform/compile.ts")]);
  return (await withPreparedProject(env, log, { credentials: false }, () => log.step("compile", () => compileProject(env), (g) => `${(g.tables?.length ?? 0) + (g.declarations?.length ?? 0) + (g.operations?.length ?? 0) + (g.assertions?.length ?? 0)} actions`))) as DataformCompiled;
}

/** Builds the page's data (without writing anything). */
export async function graphData(env: Environment, options: WriteGraphOptions = {}): Promise<GraphData> {
  const log = options.log ?? createLogger();
  const compiled = options.compiled ?? (options.fromJson ? readCompiledJson(options.fromJson) : await compile(env, log));
  const notes: string[] = [];
  const lake = lakeContext(env);
  let warehouse: Record<string, { name: string; type: string }[]> | undefined;
  if (!options.offline) {
    const schemas = [...new Set([...(compiled.tables ?? []), ...(compiled.operations ?? [])].map((a) => a.target.schema))];
    await Promise.all([lakeStats(env, lake, notes), warehouseColumns(env, schemas, notes).then((w) => (warehouse = w))]);
  }
  const actions = (compiled.tables?.length ?? 0) + (compiled.declarations?.length ?? 0) + (compiled.operations?.length ?? 0);
  if (actions === 0) notes.push("The Dataform project has no actions yet: the page shows the lake layers only.");
  return buildGraph({
    compiled,
    silverTables: SILVER_TABLES,
    lake,
    env: env.name,
    lastRun: readLastRun(options.lastRunFile ?? defaultLastRunFile(env), log),
    warehouseColumns: warehouse,
    notes,
  });
}

/** `--out -`: the page goes to stdout. */
export const STDOUT = "-";

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isFIFO()) return "a named pipe";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Where the page goes: an absolute path to a regular file that exists or not. The empty path, a directory,
 * a device, a pipe or a socket are refused before anything is built. A symbolic link is followed on purpose:
 * the file it points to is replaced and the link stays (a link to nothing is refused).
 */
export function graphTarget(out: string): string {
  if (out.trim() === "") throw new LakehouseError("graph", "the output path is empty", { field: "--out" }, "give a file path, or --out - to write the page to stdout");
  const wanted = path.resolve(out);
  let target = wanted;
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(wanted);
    if (stat.isSymbolicLink()) {
      try {
        target = fs.realpathSync(wanted);
      } catch {
        throw new LakehouseError("graph", `the output path is a symbolic link to a missing file (${fs.readlinkSync(wanted)})`, { file: wanted }, "point --out at a regular file");
      }
      stat = fs.statSync(target);
    }
  } catch (error) {
    if (error instanceof LakehouseError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new LakehouseError("graph", `cannot use the output path: ${(error as Error).message}`, { file: wanted });
    stat = undefined;
  }
  if (stat && !stat.isFile()) {
    throw new LakehouseError("graph", `the output path is ${kindOf(stat)}: graph writes only regular files`, { file: target }, stat.isDirectory() ? `name a file inside it, e.g. --out ${path.join(out, "index.html")}` : "give a file path, or --out - for stdout");
  }
  return target;
}

/** Writes `text` to `target` through a temporary file beside it that never outlives the call. */
function writeAtomically(target: string, text: string): void {
  const dir = path.dirname(target);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new LakehouseError("graph", `cannot create the output folder: ${(error as Error).message}`, { file: dir });
  }
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { flag: "wx" });
    // Checked again right before the move: a directory or device put there meanwhile is not replaced.
    graphTarget(target);
    fs.renameSync(tmp, target);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    if (error instanceof LakehouseError) throw error;
    throw new LakehouseError("graph", `cannot write the page: ${(error as Error).message}`, { file: target });
  }
}

/** Writes the graph page (or, with out = "-", prints it on stdout); returns where, and how big the graph is. */
export async function writeGraph(env: Environment, options: WriteGraphOptions = {}): Promise<WriteGraphResult> {
  const log = options.log ?? createLogger();
  const toStdout = options.out === STDOUT;
  const out = toStdout ? STDOUT : graphTarget(options.out ?? defaultGraphPath(env));
  const data = await graphData(env, { ...options, log });
  const html = await renderHtml(data);
  if (toStdout) await new Promise<void>((resolve, reject) => process.stdout.write(html, (error) => (error ? reject(error) : resolve())));
  else writeAtomically(out, html);
  return { path: out, nodes: data.nodes.length, edges: data.edges.length, assertions: data.assertions.length, bytes: Buffer.byteLength(html) };
}
