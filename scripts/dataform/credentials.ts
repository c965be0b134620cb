import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { fromRoot } from "../core/paths.ts";
import { warehousePassword } from "../stack/secrets.ts";

/** Where the Dataform credentials of an environment live (never committed: .lakehouse/ and .build/ are git-ignored). */
export function credentialsFile(env: Environment): string {
  return env.name === "prod" ? fromRoot(".build", "prod", ".df-credentials.json") : path.join(env.stackDir, "df-credentials.json");
}

/** Writes Dataform's JDBC credentials for the environment (mode 0600). Local also gets the root file plain `npx dataform` reads. */
export function writeCredentials(env: Environment): string {
  const file = credentialsFile(env);
  const body = JSON.stringify(
    { host: env.warehouse.host, port: env.warehouse.port, username: env.warehouse.user, password: warehousePassword(env), databaseName: env.warehouse.database },
    null,
    2,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${body}\n`, { mode: 0o600 });
  if (env.name === "local") fs.writeFileSync(fromRoot(".df-credentials.json"), `${body}\n`, { mode: 0o600 });
  return file;
}

/** Opts out of Dataform's analytics prompt (asked on a terminal on first use) unless the user has already answered. */
export function ensureDataformSettings(): void {
  const file = path.join(os.homedir(), ".dataform", "settings.json");
  if (fs.existsSync(file)) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ allowAnonymousAnalytics: false }, null, 2)}\n`);
  } catch {
    /* a read-only home only means the prompt may appear */
  }
}
