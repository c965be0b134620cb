import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import { portIsFree } from "../../scripts/stack/process.ts";
import { startPostgres, stopPostgres } from "../../scripts/stack/postgres.ts";

async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    if (await portIsFree("127.0.0.1", port)) return port;
  }
  throw new Error("no free port found");
}

export interface TestStack {
  env: Environment;
  dir: string;
  stop(): Promise<void>;
}

/**
 * A throwaway environment: the ci environment with its own temp folder (stack, bucket) and free ports,
 * so test files never share state. `postgres: true` starts a real embedded PostgreSQL in it.
 */
export async function testEnvironment(options: { postgres?: boolean } = {}): Promise<TestStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-test-"));
  fs.chmodSync(dir, 0o755);
  const base = loadEnvironment("ci");
  const env: Environment = {
    ...base,
    stackDir: path.join(dir, "stack"),
    warehouse: { ...base.warehouse, port: await freePort() },
    api: { ...base.api, port: await freePort() },
    storage: { type: "local", root: path.join(dir, "bucket") },
  };
  if (options.postgres) await startPostgres(env);
  return {
    env,
    dir,
    async stop() {
      if (options.postgres) stopPostgres(env);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
