import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
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
  /** Environment variables that point the `lakehouse` CLI at this throwaway environment (use with --env ci). */
  cliEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * A throwaway environment: environments/ci.yaml copied into its own temp folder with free ports, its own
 * stack folder and local bucket, so test files never share state. `postgres: true` starts a real embedded
 * PostgreSQL in it. The CLI sees the same environment with `cliEnv` and `--env ci`.
 */
export async function testEnvironment(options: { postgres?: boolean } = {}): Promise<TestStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-test-"));
  fs.chmodSync(dir, 0o755);
  const config = parse(fs.readFileSync(fromRoot("environments", "ci.yaml"), "utf8"));
  config.warehouse.port = await freePort();
  config.api.port = await freePort();
  config.stack = { dir: "stack" };
  config.storage = { type: "local", root: "bucket" };
  config.sources.songs_path = fromRoot(config.sources.songs_path);
  config.sources.sparkify_path = fromRoot(config.sources.sparkify_path);
  fs.mkdirSync(path.join(dir, "environments"));
  fs.writeFileSync(path.join(dir, "environments", "ci.yaml"), stringify(config));
  const env = loadEnvironment("ci", dir);
  if (options.postgres) await startPostgres(env);
  return {
    env,
    dir,
    cliEnv: { ...process.env, LAKEHOUSE_CONFIG_ROOT: dir },
    async stop() {
      try {
        const { services } = await import("../../scripts/stack/services.ts");
        for (const service of (await services()).reverse()) if (service.name !== "postgres") await service.stop(env).catch(() => undefined);
      } finally {
        if (options.postgres) stopPostgres(env);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
