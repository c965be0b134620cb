/** Table locations (URIs in metadata) ↔ storage keys, and the file names the writer uses. */
import { randomUUID } from "node:crypto";
import type { Storage } from "../storage/types.ts";
import { LakehouseError } from "../core/errors.ts";

/** The URI written into metadata for a storage key (`file:///…/bucket/key` or `s3://bucket/prefix/key`). */
export function uriOf(storage: Storage, key: string): string {
  return `${storage.location.replace(/\/$/, "")}/${key}`;
}

/**
 * The spellings other engines write for the same places: Hadoop's `s3a://`/`s3n://` for `s3://`,
 * `file:/x` and bare absolute paths for `file:///x`.
 */
export function normalizeUri(uri: string): string {
  if (/^s3[an]:\/\//.test(uri)) return `s3://${uri.slice(6)}`;
  if (/^file:\/[^/]/.test(uri)) return `file:///${uri.slice(6)}`;
  if (uri.startsWith("/")) return `file://${uri}`;
  return uri;
}

/** The storage key of a URI written by {@link uriOf} with the same storage (or another engine's spelling of it). */
export function keyOf(storage: Storage, uri: string): string {
  const base = `${storage.location.replace(/\/$/, "")}/`;
  if (!uri.startsWith(base)) uri = normalizeUri(uri);
  if (!uri.startsWith(base)) {
    throw new LakehouseError("iceberg", `path ${uri} is not inside the bucket ${storage.location}`, { file: uri }, "the table was written to another bucket location; re-create it here");
  }
  return uri.slice(base.length);
}

/** A new metadata file of version N: `<NNNNN>-<uuid>.metadata.json` (spec "Metastore Tables"; Java's form). */
export function metadataKey(tableKey: string, version: number): string {
  return `${tableKey}/metadata/${String(version).padStart(5, "0")}-${randomUUID()}.metadata.json`;
}

export function dataFileKey(tableKey: string, partitionPath: string | null): string {
  const dir = partitionPath ? `${tableKey}/data/${partitionPath}` : `${tableKey}/data`;
  return `${dir}/${Date.now().toString(36)}-${randomUUID()}.parquet`;
}

export function manifestKey(tableKey: string, commitId: string, n: number): string {
  return `${tableKey}/metadata/${commitId}-m${n}.avro`;
}

export function manifestListKey(tableKey: string, snapshotId: bigint, commitId: string): string {
  return `${tableKey}/metadata/snap-${snapshotId}-1-${commitId}.avro`;
}
