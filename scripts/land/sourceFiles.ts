import { createReadStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { Readable } from "node:stream";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { S3Storage } from "../storage/s3.ts";

/** A file of a source tree (a local directory or an s3:// prefix). */
export interface SourceFile {
  /** Path relative to the root, with "/" separators. */
  relative: string;
  size: number;
  open(): Promise<Readable>;
}

/** The S3 client settings for s3:// sources: the bucket's endpoint and region when the bucket is S3 too. */
function s3Options(env: Environment) {
  return env.storage.type === "s3" ? { endpoint: env.storage.endpoint, region: env.storage.region } : {};
}

/** Every file under `root` (directory or s3:// URI) whose relative path passes `keep`, sorted by path. */
export async function listSourceFiles(env: Environment, root: string, keep: (relative: string) => boolean = () => true): Promise<SourceFile[]> {
  if (root.startsWith("s3://")) {
    const storage = S3Storage.fromUri(root.endsWith("/") ? root : `${root}/`, s3Options(env));
    let objects;
    try {
      objects = await storage.list("");
    } catch (error) {
      throw new LakehouseError("land", `cannot list ${root}: ${(error as Error).message}`, { file: root }, undefined, { cause: error });
    }
    return objects
      .filter((o) => !o.key.endsWith("/") && keep(o.key))
      .map((o) => ({ relative: o.key, size: o.size, open: () => storage.getStream(o.key) }));
  }
  const base = path.resolve(root);
  try {
    if (!(await fs.stat(base)).isDirectory()) throw new Error("not a directory");
  } catch (error) {
    throw new LakehouseError("land", `source folder not found or not a directory: ${(error as Error).message}`, { file: base }, "check sources.* in the environment file or the --*-path option");
  }
  const out: SourceFile[] = [];
  const walk = async (dir: string, rel: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const relative = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, relative);
      else if (entry.isFile() && keep(relative)) {
        const { size } = await fs.stat(full);
        out.push({ relative, size, open: async () => createReadStream(full) });
      }
    }
  };
  await walk(base, "");
  return out.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

export async function readSourceFile(file: SourceFile): Promise<Buffer> {
  return Buffer.concat(await (await file.open()).toArray());
}
