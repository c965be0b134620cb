import { createHash } from "node:crypto";
import type { EntityName } from "./layout.ts";

/** One landed file of a partition. */
export interface ManifestFile {
  /** File name inside the partition, e.g. `part-00000.jsonl`. */
  name: string;
  /** Full bucket key of the published file. */
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** Where the bytes came from: the source file (relative to the source root) or the request URL. */
  original?: string;
}

/** Where a partition's data came from. */
export type ManifestOrigin =
  | { kind: "query"; database: string; address: string; query: string }
  /** `url`: the URL that gave the body; `requested_url` only when a same-origin redirect led there. */
  | { kind: "http"; url: string; requested_url?: string }
  | { kind: "files"; root: string };

/** `_manifest.json` of a landed partition; written last, it is what makes the partition exist. */
export interface Manifest {
  manifest_version: 1;
  entity: EntityName;
  source: string;
  ingest_on: string;
  format: "jsonl" | "json";
  origin: ManifestOrigin;
  /** The extraction window this partition covers. */
  window: { start_date: string; end_date: string };
  files: ManifestFile[];
  rows: number;
  bytes: number;
  /** sha256 over the ordered files' sha256s: equal content gives an equal value (silver skips it). */
  content_sha256: string;
  started_at: string;
  finished_at: string;
}

export function contentSha256(files: Pick<ManifestFile, "name" | "sha256">[]): string {
  const hash = createHash("sha256");
  for (const file of files) hash.update(`${file.name}\t${file.sha256}\n`);
  return hash.digest("hex");
}

/** Stable text: fixed key order (the interface's), two-space indent, final newline. */
export function serialiseManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The manifest without its timings (what must be equal between two landings of the same data). */
export function withoutTimings(manifest: Manifest): Omit<Manifest, "started_at" | "finished_at"> {
  const { started_at: _s, finished_at: _f, ...rest } = manifest;
  return rest;
}
