import * as path from "node:path";
import type { Environment } from "../core/config.ts";

/** Where `lakehouse graph` writes the page by default. */
export function graphPath(env: Environment): string {
  return path.join(env.stackDir, "graph", "index.html");
}
