import * as fs from "node:fs";
import * as path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import { LakehouseError } from "./errors.ts";
import { fromRoot, PROJECT_ROOT } from "./paths.ts";

export const ENV_NAMES = ["local", "ci", "prod"] as const;
export type EnvName = (typeof ENV_NAMES)[number];

export interface WarehouseConfig {
  type: "postgres" | "redshift";
  host: string;
  port: number;
  database: string;
  user: string;
  password_env?: string;
  secret_name?: string;
  workgroup?: string;
  cluster_identifier?: string;
  iam_role?: string;
  region?: string;
}

export interface ApiConfig {
  host?: string;
  port?: number;
  base_url?: string;
  seed?: number;
  users_per_day?: number;
  sessions_per_day?: number;
  max_items_per_session?: number;
  faults?: Record<string, unknown>;
}

export type StorageConfig =
  | { type: "local"; root: string }
  | { type: "s3"; bucket: string; prefix?: string; region?: string; endpoint?: string };

export interface EnvironmentConfig {
  name: EnvName;
  warehouse: WarehouseConfig;
  catalog_db: { database: string; schema: string; host?: string; port?: number; user?: string; password_env?: string };
  stack?: { dir?: string };
  api: ApiConfig;
  storage: StorageConfig;
  silver: { catalog: "directory" | "glue"; glue_database?: string; row_group_rows?: number };
  sources: { songs_path: string; sparkify_path: string; start_date: string; end_date: string };
}

/** A loaded environment: the validated file plus where it came from and resolved paths. */
export interface Environment extends EnvironmentConfig {
  file: string;
  /** Absolute path of the local stack's folder (data directory, pid files, logs). */
  stackDir: string;
  /** Resolves a path from the environment file (relative to the project root). */
  resolvePath(p: string): string;
}

let validator: ReturnType<Ajv["compile"]> | undefined;

function schemaValidator() {
  if (!validator) {
    const schema = JSON.parse(fs.readFileSync(fromRoot("environments", "schema.json"), "utf8"));
    validator = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
  }
  return validator;
}

/** The YAML node at a JSON pointer path, to give a line number with the error. */
function nodeAt(root: YamlNode | null, pointer: string): YamlNode | null {
  let node: YamlNode | null = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (isMap(node)) node = (node.get(key, true) as YamlNode | undefined) ?? null;
    else if (isSeq(node)) node = (node.get(Number(key), true) as YamlNode | undefined) ?? null;
    else return node;
  }
  return node;
}

function describeAjvError(error: ErrorObject): { keyPath: string; reason: string } {
  let instancePath = error.instancePath;
  let reason = error.message ?? "is invalid";
  if (error.keyword === "additionalProperties") {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    instancePath = `${instancePath}/${extra}`;
    reason = "is not a known key";
  } else if (error.keyword === "required") {
    instancePath = `${instancePath}/${(error.params as { missingProperty: string }).missingProperty}`;
    reason = "is required";
  } else if (error.keyword === "enum") {
    reason = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
  }
  const keyPath = instancePath.split("/").slice(1).join(".") || "(root)";
  return { keyPath, reason };
}

/** Parses and validates a YAML environment file; throws a LakehouseError naming file, key path and reason. */
export function parseEnvironmentFile(file: string, text: string): EnvironmentConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = first.linePos?.[0].line;
    throw new LakehouseError("config", `invalid YAML: ${first.message.split("\n")[0]}`, { file, record: line });
  }
  const data = doc.toJS();
  const validate = schemaValidator();
  if (!validate(data)) {
    // Prefer the most specific error (oneOf adds a vague one on top of its branches' errors).
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== "oneOf" && e.keyword !== "const");
    const error = errors[0] ?? validate.errors![0];
    const { keyPath, reason } = describeAjvError(error);
    const node = nodeAt(doc.contents as YamlNode, error.keyword === "additionalProperties" || error.keyword === "required" ? error.instancePath : error.instancePath);
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    throw new LakehouseError("config", `${keyPath} ${reason}`, { file, record: line, field: keyPath }, "see environments/schema.json");
  }
  const config = data as EnvironmentConfig;
  if (config.sources.start_date > config.sources.end_date) {
    throw new LakehouseError("config", "sources.start_date is after sources.end_date", { file, field: "sources.start_date" });
  }
  return config;
}

/**
 * Loads `environments/<name>.yaml`. The folder holding `environments/` is the project root, or
 * LAKEHOUSE_CONFIG_ROOT when set (tests point the CLI at a throwaway copy this way); relative paths in the
 * file resolve against that folder.
 */
export function loadEnvironment(name: string = process.env.LAKEHOUSE_ENV ?? "local", root: string = process.env.LAKEHOUSE_CONFIG_ROOT ?? PROJECT_ROOT): Environment {
  if (!(ENV_NAMES as readonly string[]).includes(name)) {
    throw new LakehouseError("config", `unknown environment "${name}"`, {}, `use --env ${ENV_NAMES.join("|")}`);
  }
  const file = path.join(root, "environments", `${name}.yaml`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new LakehouseError("config", "environment file not found", { file });
  }
  const config = parseEnvironmentFile(path.relative(process.cwd(), file) || file, text);
  if (config.name !== name) {
    throw new LakehouseError("config", `name is "${config.name}" but the file is for "${name}"`, { file, field: "name" });
  }
  const resolvePath = (p: string) => (/^s3:\/\//.test(p) ? p : path.resolve(root, p));
  return { ...config, file, stackDir: resolvePath(config.stack?.dir ?? ".lakehouse"), resolvePath };
}
