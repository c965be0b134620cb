import type { Readable } from "node:stream";

/** One object in the bucket. Keys use "/" and never start with "/". */
export interface ObjectInfo {
  key: string;
  size: number;
}

export type Body = Buffer | string | Uint8Array | Readable;

/**
 * The bucket: the local directory (default) or S3. Every stage talks to storage only through this.
 * Keys are relative to the bucket root (plus the configured prefix for S3).
 */
export interface Storage {
  /** Human-readable location, e.g. `file:///…/.lakehouse/bucket` or `s3://bucket/prefix`. */
  readonly location: string;
  put(key: string, body: Body): Promise<void>;
  /** Creates the object only if no object has that key; returns false (and writes nothing) if one exists. */
  putIfAbsent(key: string, body: Body): Promise<boolean>;
  get(key: string): Promise<Buffer>;
  /** Resolves to null when the key does not exist. */
  getIfExists(key: string): Promise<Buffer | null>;
  getStream(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Makes the objects under `stagingPrefix` appear under `finalPrefix`, replacing whatever was there.
   * `markerName` (e.g. `_manifest.json`) is removed from the final prefix first and written last, so at no
   * point is a marker visible beside files that do not belong to it. The staging prefix is gone afterwards.
   */
  publishPartition(stagingPrefix: string, finalPrefix: string, markerName: string): Promise<void>;
  /** A local filesystem path for the key when the storage is a directory (DuckDB/COPY fast paths), else null. */
  localPath(key: string): string | null;
}

export class StorageError extends Error {
  constructor(
    message: string,
    readonly key: string,
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    super(`${message} (key ${key} in ${location})`, options);
    this.name = "StorageError";
  }
}

/** Refuses keys that would escape the bucket or are not plain relative paths. */
export function checkKey(key: string, location: string): string {
  if (
    key.length === 0 ||
    key.startsWith("/") ||
    key.includes("\\") ||
    key.includes("\0") ||
    key.split("/").some((part) => part === ".." || part === ".")
  ) {
    throw new StorageError("refused: the key would escape the bucket or is not a plain relative path", key, location);
  }
  return key;
}
