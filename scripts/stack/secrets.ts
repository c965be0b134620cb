import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";

/** The local stack's generated password: created by `lakehouse up`, kept in the git-ignored stack folder (mode 0600). */
export function localPasswordFile(env: Environment): string {
  return path.join(env.stackDir, "secrets", "pg-password");
}

export function ensureLocalPassword(env: Environment): string {
  const file = localPasswordFile(env);
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  // The stack folder stays traversable (the server may run as another account); only secrets/ is private.
  fs.mkdirSync(env.stackDir, { recursive: true, mode: 0o755 });
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString("base64url");
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The warehouse password: local/ci from the stack folder; prod from the environment variable named in the file. */
export function warehousePassword(env: Environment): string {
  if (env.warehouse.type === "postgres" && env.name !== "prod") {
    const file = localPasswordFile(env);
    if (!fs.existsSync(file)) {
      throw new LakehouseError("stack", "the local stack has not been created yet", { file }, `run: npx lakehouse up --env ${env.name}`);
    }
    return fs.readFileSync(file, "utf8").trim();
  }
  const variable = env.warehouse.password_env ?? "REDSHIFT_PASSWORD";
  const value = process.env[variable];
  if (!value) {
    throw new LakehouseError("config", `the warehouse password is not set`, { field: "warehouse.password_env" }, `export ${variable}=… (or use the Secrets Manager secret ${env.warehouse.secret_name ?? "named in warehouse.secret_name"})`);
  }
  return value;
}
