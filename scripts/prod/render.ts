import * as fs from "node:fs";
import * as path from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { fromRoot, PROJECT_ROOT } from "../core/paths.ts";
import { credentialsFile } from "../dataform/credentials.ts";
import { compileProject, type CompiledGraph } from "../dataform/compile.ts";
import { projectDir } from "../dataform/runner.ts";
import { silverSchema } from "./config.ts";

export { silverSchema };

/**
 * What Dataform reads from a project folder besides dataform.json. `.build/prod/` holds a symlink to each
 * (so edits show up at once, and nothing is copied) plus its own rendered dataform.json and credentials.
 */
export const LINKED_ENTRIES = ["definitions", "includes", "node_modules", "package.json", "package-lock.json"] as const;

/** The Dataform project configuration rendered for prod (no secret ever goes in here). */
export interface ProdProjectConfig {
  warehouse: "redshift";
  defaultSchema: string;
  assertionSchema?: string;
  vars: Record<string, string>;
  [key: string]: unknown;
}


/** The rendered dataform.json for prod: the root file with warehouse redshift and prod vars. Pure. */
export function prodProjectConfig(env: Environment, rootConfig: Record<string, unknown>): ProdProjectConfig {
  if (env.warehouse.type !== "redshift") {
    throw new LakehouseError("prod", `warehouse.type is "${env.warehouse.type}", the prod variant needs "redshift"`, { file: env.file, field: "warehouse.type" });
  }
  const missing = [
    ["silver.glue_database", env.silver.glue_database],
    ["warehouse.iam_role", env.warehouse.iam_role],
  ].filter(([, value]) => !value);
  if (missing.length > 0) {
    throw new LakehouseError("prod", `${missing.map(([k]) => k).join(" and ")} must be set: the external-schema setup needs them`, { file: env.file, field: missing[0][0] });
  }
  const rootVars = (rootConfig.vars ?? {}) as Record<string, string>;
  return {
    ...rootConfig,
    warehouse: "redshift",
    defaultSchema: String(rootConfig.defaultSchema ?? "gold"),
    ...(rootConfig.assertionSchema ? { assertionSchema: String(rootConfig.assertionSchema) } : {}),
    vars: {
      ...rootVars,
      silver_schema: silverSchema(env),
      glue_database: env.silver.glue_database!,
      iam_role: env.warehouse.iam_role!,
    },
  };
}

/** Redshift credentials as Dataform's JDBC credentials file wants them. */
export interface RedshiftCredentials {
  host: string;
  port: number;
  username: string;
  password: string;
  databaseName: string;
}

/**
 * The warehouse password for prod: the environment variable named by `warehouse.password_env` (default
 * REDSHIFT_PASSWORD) if set, else the Secrets Manager secret `warehouse.secret_name` (a Redshift secret:
 * JSON with `password` and optionally `username`, or a plain string). Never logged.
 */
export async function prodCredentials(env: Environment, options: { secrets?: SecretsManagerClient } = {}): Promise<RedshiftCredentials> {
  const base = { host: env.warehouse.host, port: env.warehouse.port, username: env.warehouse.user, databaseName: env.warehouse.database };
  const variable = env.warehouse.password_env ?? "REDSHIFT_PASSWORD";
  const fromEnv = process.env[variable];
  if (fromEnv) return { ...base, password: fromEnv };
  const secretName = env.warehouse.secret_name;
  if (!secretName) {
    throw new LakehouseError("prod", "no Redshift password: the environment variable is not set and no secret is configured", { field: "warehouse.password_env" }, `export ${variable}=… or set warehouse.secret_name in ${path.basename(env.file)}`);
  }
  const client = options.secrets ?? new SecretsManagerClient({ region: env.warehouse.region });
  let secret: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretName }));
    secret = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString("utf8") : undefined);
  } catch (error) {
    // The SDK's message names the secret and the reason (access denied, not found); it never holds the value.
    throw new LakehouseError("prod", `cannot read the Redshift secret ${secretName} from Secrets Manager: ${(error as Error).name}: ${(error as Error).message}`, { field: "warehouse.secret_name" }, `or export ${variable}=…`, { cause: error });
  } finally {
    if (!options.secrets) client.destroy();
  }
  if (!secret) throw new LakehouseError("prod", `the Redshift secret ${secretName} has no value`, { field: "warehouse.secret_name" });
  let password = secret;
  let username = base.username;
  if (secret.trimStart().startsWith("{")) {
    let parsed: { password?: unknown; username?: unknown };
    try {
      parsed = JSON.parse(secret) as { password?: unknown; username?: unknown };
    } catch {
      // Do not echo the parser's message: it may quote part of the secret.
      throw new LakehouseError("prod", `the Redshift secret ${secretName} looks like JSON but does not parse`, { field: "warehouse.secret_name" });
    }
    if (typeof parsed.password !== "string" || parsed.password === "") {
      throw new LakehouseError("prod", `the Redshift secret ${secretName} has no "password" key`, { field: "warehouse.secret_name" });
    }
    password = parsed.password;
    if (typeof parsed.username === "string" && parsed.username) username = parsed.username;
  }
  return { ...base, username, password };
}

export interface RenderOptions {
  /** Write `.df-credentials.json` (for run/test). Compiling needs none and reads no secret. */
  credentials?: boolean;
  /** A Secrets Manager client to use (tests pass a mocked one). */
  secrets?: SecretsManagerClient;
  /** Where to render (default: the environment's Dataform project folder, `.build/prod`). */
  dir?: string;
}

function ensureSymlink(target: string, link: string): void {
  let current: string | null = null;
  try {
    current = fs.readlinkSync(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EINVAL") {
      // A real file or folder where a link belongs: a stale render; replace it.
      fs.rmSync(link, { recursive: true, force: true });
    } else if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw error;
    }
  }
  if (current === target) return;
  if (current !== null) fs.rmSync(link, { force: true });
  try {
    fs.symlinkSync(target, link);
  } catch (error) {
    // Another process (a parallel compile) made the same link first.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST" || fs.readlinkSync(link) !== target) throw error;
  }
}

/** Writes a file only when its content changes, through a temporary file and a rename (parallel readers never see half a file). */
function writeIfChanged(file: string, text: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) return;
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/**
 * Builds the prod Dataform project folder (`.build/prod/`): symlinks to the project's definitions/,
 * includes/, node_modules/ and package files, a rendered dataform.json (warehouse redshift, vars
 * silver_schema, glue_database, iam_role from prod.yaml) and, only with `credentials`, the Redshift
 * credentials file (mode 0600; from the environment or Secrets Manager). Without `credentials` any
 * credentials file left by an earlier run is removed, so a compile never sits next to a secret it does not need.
 * Returns the folder.
 */
export async function renderProd(env: Environment, options: RenderOptions = {}): Promise<string> {
  const dir = options.dir ?? projectDir(env);
  const rootConfig = JSON.parse(fs.readFileSync(fromRoot("dataform.json"), "utf8")) as Record<string, unknown>;
  const config = prodProjectConfig(env, rootConfig);
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of LINKED_ENTRIES) {
    const target = path.join(PROJECT_ROOT, entry);
    if (!fs.existsSync(target)) continue;
    ensureSymlink(target, path.join(dir, entry));
  }
  writeIfChanged(path.join(dir, "dataform.json"), `${JSON.stringify(config, null, 2)}\n`);
  const credentials = options.dir ? path.join(dir, ".df-credentials.json") : credentialsFile(env);
  if (options.credentials) {
    const body = await prodCredentials(env, { secrets: options.secrets });
    fs.mkdirSync(path.dirname(credentials), { recursive: true });
    // Write to a fresh file with mode 0600 (writeFileSync's mode does not apply to an existing file).
    fs.rmSync(credentials, { force: true });
    fs.writeFileSync(credentials, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  } else {
    fs.rmSync(credentials, { force: true });
  }
  return dir;
}

/** Renders `.build/prod` (no credentials) and runs `dataform compile --json` there. Needs no AWS access. */
export async function compileProd(env: Environment): Promise<CompiledGraph> {
  await renderProd(env, { credentials: false });
  return compileProject(env);
}

/** Removes the prod credentials file (call after a run or test has finished with it). */
export function removeProdCredentials(env: Environment): void {
  fs.rmSync(credentialsFile(env), { force: true });
}
