import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fromRoot } from "../core/paths.ts";

/**
 * A Dataform project in a temporary folder that uses this project's pinned Dataform (node_modules linked):
 * for tests that break or reshape a project on purpose, and for generated benchmark projects.
 */
export function scratchProject(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.symlinkSync(fromRoot("node_modules"), path.join(dir, "node_modules"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: path.basename(dir), dependencies: { "@dataform/core": "2.6.7" } }));
  return dir;
}

/** Writes files (path relative to the project → text) after removing the `clear` folders; returns the folder. */
export function writeProjectFiles(dir: string, files: Record<string, string>, clear: string[] = []): string {
  for (const folder of clear) fs.rmSync(path.join(dir, folder), { recursive: true, force: true });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
