import type { Environment } from "../core/config.ts";
import { LocalStorage } from "./local.ts";
import { S3Storage } from "./s3.ts";
import type { Storage } from "./types.ts";

export type { Storage, ObjectInfo, Body } from "./types.ts";
export { StorageError, checkKey } from "./types.ts";
export { LocalStorage } from "./local.ts";
export { S3Storage } from "./s3.ts";

/** The environment's bucket: a local directory (root resolved from the project root) or S3. */
export function openStorage(env: Environment): Storage {
  const config = env.storage;
  if (config.type === "local") return new LocalStorage(env.resolvePath(config.root));
  return new S3Storage({ bucket: config.bucket, prefix: config.prefix, region: config.region, endpoint: config.endpoint });
}
