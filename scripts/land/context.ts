import type { Environment } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import type { Storage } from "../storage/types.ts";
import type { EntityName } from "./layout.ts";
import type { Manifest } from "./manifest.ts";
import type { RetryPolicy } from "./http.ts";

/** What every source's lander gets. */
export interface LandContext {
  env: Environment;
  storage: Storage;
  log: Logger;
  window: { start_date: string; end_date: string };
  retry: RetryPolicy;
  /** Base URL of the purchase API (default from env.api). */
  apiBaseUrl: string;
  /** Sparkify root: a folder or s3:// URI holding song_data/ and log_data/. */
  sparkifyPath: string;
  /** Sparkify song files (default `<sparkifyPath>/song_data`). */
  songsPath: string;
  /** Catalog rows per part file. */
  catalogPartRows: number;
  /** API days landed at once. */
  apiConcurrency: number;
  /** Follow same-origin HTTP redirects of the API (never other origins). */
  followRedirects: boolean;
  /** Aborted when the run is interrupted (SIGINT/SIGTERM): landers check it between steps. */
  signal?: AbortSignal;
}

/** Per entity: what this run published. */
export interface EntityResult {
  entity: EntityName;
  partitions: number;
  rows: number;
  bytes: number;
  manifests: Manifest[];
}

export function emptyResult(entity: EntityName): EntityResult {
  return { entity, partitions: 0, rows: 0, bytes: 0, manifests: [] };
}

export function addManifest(result: EntityResult, manifest: Manifest): void {
  result.partitions++;
  result.rows += manifest.rows;
  result.bytes += manifest.bytes;
  result.manifests.push(manifest);
}
