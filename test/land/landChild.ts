/** Run in a child process by crash.test.ts: lands with LAND_OPTIONS (JSON) for the environment in LAND_ENV. */
import * as path from "node:path";
import type { Environment } from "../../scripts/core/config.ts";
import { landSources, type LandOptions } from "../../scripts/land/index.ts";

const env = JSON.parse(process.env.LAND_ENV!) as Environment;
const root = path.dirname(path.dirname(env.file));
env.resolvePath = (p: string) => path.resolve(root, p);
const summary = await landSources(env, JSON.parse(process.env.LAND_OPTIONS ?? "{}") as LandOptions);
process.stdout.write(`${JSON.stringify(summary.entities.map((e) => ({ entity: e.entity, rows: e.rows })))}\n`);
