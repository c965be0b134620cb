/**
 * Entry of the background API simulator (`lakehouse up` runs it detached with `node --import tsx`).
 * The environment comes as JSON in LAKEHOUSE_API_ENV (no secrets in it: the catalog password is read
 * from the stack folder as everywhere else).
 */
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { PROJECT_ROOT } from "../core/paths.ts";
import { apiServerOptions, startApiServer } from "./server.ts";

async function main(): Promise<void> {
  const raw = process.env.LAKEHOUSE_API_ENV;
  if (!raw) throw new Error("LAKEHOUSE_API_ENV is not set (start the simulator with `npx lakehouse up`)");
  const env = JSON.parse(raw) as Environment;
  // Relative paths resolve from the folder holding environments/ (the project, or a test's copy).
  const root = env.file ? path.dirname(path.dirname(path.resolve(PROJECT_ROOT, env.file))) : PROJECT_ROOT;
  env.resolvePath = (p: string) => (/^s3:\/\//.test(p) ? p : path.resolve(root, p));
  const server = await startApiServer({ ...apiServerOptions(env), log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`) });
  process.stdout.write(`${new Date().toISOString()} purchase API simulator listening on ${server.url} (pid ${process.pid})\n`);
  const stop = () => {
    void server.close().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => {
  process.stderr.write(`${new Date().toISOString()} api simulator failed: ${(error as Error).message}\n`);
  process.exit(1);
});
