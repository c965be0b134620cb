import { createReadStream, createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { checkKey, StorageError, type Body, type ObjectInfo, type Storage } from "./types.ts";

/** The bucket as a local directory. Writes go to a temporary file and are renamed into place. */
export class LocalStorage implements Storage {
  readonly location: string;

  constructor(readonly root: string) {
    this.root = path.resolve(root);
    this.location = pathToFileURL(this.root).href;
  }

  private file(key: string): string {
    return path.join(this.root, ...checkKey(key, this.location).split("/"));
  }

  private async writeTemp(key: string, body: Body): Promise<string> {
    const target = this.file(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${randomUUID()}`;
    try {
      if (body instanceof Readable) {
        await pipeline(body, createWriteStream(tmp));
      } else {
        await fs.writeFile(tmp, body);
      }
    } catch (error) {
      await fs.rm(tmp, { force: true });
      throw new StorageError("write failed", key, this.location, { cause: error });
    }
    return tmp;
  }

  async put(key: string, body: Body): Promise<void> {
    const tmp = await this.writeTemp(key, body);
    await fs.rename(tmp, this.file(key));
  }

  async putIfAbsent(key: string, body: Body): Promise<boolean> {
    const tmp = await this.writeTemp(key, body);
    try {
      // link() fails with EEXIST when the target exists: an atomic create-only publish.
      await fs.link(tmp, this.file(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw new StorageError("create failed", key, this.location, { cause: error });
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Buffer> {
    const found = await this.getIfExists(key);
    if (found === null) throw new StorageError("not found", key, this.location);
    return found;
  }

  async getIfExists(key: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.file(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new StorageError("read failed", key, this.location, { cause: error });
    }
  }

  async getStream(key: string): Promise<Readable> {
    if (!(await this.exists(key))) throw new StorageError("not found", key, this.location);
    return createReadStream(this.file(key));
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fs.stat(this.file(key))).isFile();
    } catch {
      return false;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    // Walk only the deepest directory that the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf("/");
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : "";
    const start = dirKey ? this.file(dirKey) : this.root;
    const out: ObjectInfo[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
        throw error;
      }
      for (const entry of entries) {
        const key = keyPrefix ? `${keyPrefix}/${entry.name}` : entry.name;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(full, key);
        } else if (entry.isFile() && key.startsWith(prefix) && !/\.tmp-[0-9a-f-]{36}$/.test(entry.name)) {
          out.push({ key, size: (await fs.stat(full)).size });
        }
      }
    };
    await walk(start, dirKey);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (const object of objects) await this.delete(object.key);
    return objects.length;
  }

  async publishPartition(stagingPrefix: string, finalPrefix: string, markerName: string): Promise<void> {
    const staging = this.file(stagingPrefix.replace(/\/$/, ""));
    const final = this.file(finalPrefix.replace(/\/$/, ""));
    if (!(await this.exists(`${stagingPrefix.replace(/\/$/, "")}/${markerName}`))) {
      throw new StorageError(`refused to publish: ${markerName} missing in staging`, stagingPrefix, this.location);
    }
    await fs.mkdir(path.dirname(final), { recursive: true });
    // The replaced partition goes to _trash/ (outside every listed prefix) and is removed afterwards.
    const trash = path.join(this.root, "_trash", randomUUID());
    await fs.mkdir(path.dirname(trash), { recursive: true });
    // Hide the old partition (its marker goes with it), then move the complete staged one in place.
    try {
      await fs.rename(final, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    await fs.rename(staging, final);
    await fs.rm(trash, { recursive: true, force: true });
  }

  localPath(key: string): string | null {
    return this.file(key);
  }
}
