import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (the folder holding dataform.json), whatever the working directory. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export function fromRoot(...parts: string[]): string {
  return path.resolve(PROJECT_ROOT, ...parts);
}
