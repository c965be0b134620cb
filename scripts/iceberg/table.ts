/**
 * Table operations: create, append, replace partitions. Each commit writes its files first (data files are
 * written beforehand by DataFileWriter; then manifests and the manifest list), then a new metadata file
 * `v{N+1}.metadata.json` created only if absent, then swaps the catalog pointer. On a conflict it re-reads
 * the table and re-applies its change on the new base (bounded attempts): no data is lost.
 */
import { randomUUID } from "node:crypto";
import type { Storage } from "../storage/types.ts";
import type { SilverTable } from "../silver/tables.ts";
import { LakehouseError } from "../core/errors.ts";
import { encodeManifest, encodeManifestList } from "./avro.ts";
import { CommitConflictError, metadataVersion, type Catalog, type LoadedTable } from "./catalog.ts";
import { keyOf, manifestKey, manifestListKey, metadataKey, uriOf } from "./locations.ts";
import { readManifest, readManifestList } from "./manifests.ts";
import { currentSchema, currentSnapshot, newSnapshotId, newTableMetadata, partitionColumn, partitionTagProperties, withSnapshot } from "./metadata.ts";
import { STATUS_ADDED, STATUS_DELETED, STATUS_EXISTING, type DataFile, type ManifestEntry, type ManifestFile, type Snapshot, type SnapshotSummary, type TableMetadata } from "./types.ts";
import { encodeValue, formatDate, parseDate } from "./values.ts";

/** Points where tests inject a failure (a crash) during a commit. */
export interface CommitHooks {
  afterManifests?(): void | Promise<void>;
  afterMetadataFile?(metadataLocation: string): void | Promise<void>;
}

export interface CommitOptions {
  /** Extra snapshot summary keys (e.g. landed sha256, quarantined counts). Values are strings. */
  summary?: Record<string, string>;
  /** Per-partition tags (`{"2026-11-01": {sha256: "…"}}`) recorded in table properties; read with partitionTags(). */
  partitionTags?: Record<string, Record<string, string>>;
  /** Other table properties to set ("" removes one). */
  properties?: Record<string, string>;
  /** Commit attempts before giving up on conflicts (default 10). */
  maxAttempts?: number;
  hooks?: CommitHooks;
}

export interface CommitResult {
  snapshotId: number;
  sequenceNumber: number;
  metadataLocation: string;
  attempts: number;
  addedFiles: number;
  deletedFiles: number;
  addedRecords: number;
  deletedRecords: number;
}

/** Creates the table in the catalog (no snapshot yet) or returns it when it exists. */
export async function createTable(storage: Storage, catalog: Catalog, table: SilverTable, properties: Record<string, string> = {}): Promise<LoadedTable> {
  const existing = await catalog.loadTable(table.name);
  if (existing) return existing;
  const tableKey = catalog.tableKey(table.name);
  const metadata = newTableMetadata(table, uriOf(storage, tableKey), properties);
  const location = await writeMetadataFile(storage, tableKey, 0, metadata);
  try {
    await catalog.commitTable(table.name, null, location);
  } catch (error) {
    await storage.delete(keyOf(storage, location)).catch(() => undefined);
    if (!(error instanceof CommitConflictError)) throw error;
    const created = await catalog.loadTable(table.name);
    if (!created) throw error;
    return created;
  }
  return { metadataLocation: location, metadata };
}

export async function loadTableOrFail(catalog: Catalog, name: string): Promise<LoadedTable> {
  const loaded = await catalog.loadTable(name);
  if (!loaded) throw new LakehouseError("iceberg", `table ${name} does not exist in the catalog`, { file: name }, "create it first (createTable)");
  return loaded;
}

/** Adds `files` to the table in one snapshot (operation "append"). */
export function appendFiles(storage: Storage, catalog: Catalog, name: string, files: DataFile[], options: CommitOptions = {}): Promise<CommitResult> {
  return commitWithRetry(storage, catalog, name, { operation: "append", files, dropPartitions: new Set() }, options);
}

/**
 * Replaces the given `ingest_on` partitions (`YYYY-MM-DD`): one snapshot (operation "overwrite") removes
 * every live data file of those partitions and adds `files` (which must belong to them).
 */
export async function replacePartitions(
  storage: Storage,
  catalog: Catalog,
  name: string,
  partitions: string[],
  files: DataFile[],
  options: CommitOptions = {},
): Promise<CommitResult> {
  const drop = new Set(partitions.map(parseDate));
  for (const file of files) {
    if (file.partition.ingest_on === null || !drop.has(file.partition.ingest_on)) {
      throw new LakehouseError("iceberg", `data file ${file.file_path} is outside the partitions being replaced (${partitions.join(", ")})`, { file: file.file_path });
    }
  }
  return commitWithRetry(storage, catalog, name, { operation: "overwrite", files, dropPartitions: drop }, options);
}

interface Change {
  operation: "append" | "overwrite";
  files: DataFile[];
  dropPartitions: Set<number>;
}

async function commitWithRetry(storage: Storage, catalog: Catalog, name: string, change: Change, options: CommitOptions): Promise<CommitResult> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    const loaded = await loadTableOrFail(catalog, name);
    const written: string[] = [];
    try {
      const result = await commitOnce(storage, catalog, name, loaded, change, options, written);
      return { ...result, attempts: attempt };
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      // Nothing points at what this attempt wrote: remove it, re-read the table and re-apply the change.
      for (const key of written) await storage.delete(key).catch(() => undefined);
      if (attempt >= maxAttempts) {
        throw new LakehouseError("iceberg", `gave up committing to ${name} after ${attempt} conflicting attempts`, { file: name }, "too many concurrent writers; run again", { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 10 * 2 ** attempt) * Math.random()));
    }
  }
}

function summaryNumber(summary: SnapshotSummary | undefined, key: string): number {
  const value = summary?.[key];
  return value === undefined ? 0 : Number(value);
}

async function commitOnce(
  storage: Storage,
  catalog: Catalog,
  name: string,
  loaded: LoadedTable,
  change: Change,
  options: CommitOptions,
  written: string[],
): Promise<Omit<CommitResult, "attempts">> {
  const base = loaded.metadata;
  const tableKey = catalog.tableKey(name);
  const parent = currentSnapshot(base);
  const sequenceNumber = base["last-sequence-number"] + 1;
  const snapshotId = newSnapshotId();
  const commitId = randomUUID();
  const schema = currentSchema(base);
  const spec = base["partition-specs"].find((s) => s["spec-id"] === base["default-spec-id"])!;
  const partitionType = partitionColumn(base).type;

  const manifests: ManifestFile[] = [];
  let manifestCount = 0;
  const writeManifest = async (entries: ManifestEntry[]): Promise<ManifestFile> => {
    const key = manifestKey(tableKey, commitId, manifestCount++);
    const bytes = await encodeManifest(entries, { schema, spec });
    await storage.put(key, bytes);
    written.push(key);
    const live = entries.filter((e) => e.status !== STATUS_DELETED);
    const count = (status: number) => entries.filter((e) => e.status === status);
    const rows = (list: ManifestEntry[]) => list.reduce((n, e) => n + e.data_file.record_count, 0);
    const days = entries.map((e) => e.data_file.partition.ingest_on).filter((d): d is number => d !== null);
    return {
      manifest_path: uriOf(storage, key),
      manifest_length: bytes.length,
      partition_spec_id: spec["spec-id"],
      content: 0,
      sequence_number: sequenceNumber,
      min_sequence_number: Math.min(sequenceNumber, ...live.map((e) => e.sequence_number ?? sequenceNumber)),
      added_snapshot_id: snapshotId,
      added_files_count: count(STATUS_ADDED).length,
      existing_files_count: count(STATUS_EXISTING).length,
      deleted_files_count: count(STATUS_DELETED).length,
      added_rows_count: rows(count(STATUS_ADDED)),
      existing_rows_count: rows(count(STATUS_EXISTING)),
      deleted_rows_count: rows(count(STATUS_DELETED)),
      partitions: [
        {
          contains_null: entries.some((e) => e.data_file.partition.ingest_on === null),
          contains_nan: false,
          lower_bound: days.length ? encodeValue(partitionType, Math.min(...days)) : null,
          upper_bound: days.length ? encodeValue(partitionType, Math.max(...days)) : null,
        },
      ],
      key_metadata: null,
    };
  };

  // New files first in the manifest list.
  if (change.files.length > 0) {
    manifests.push(
      await writeManifest(
        change.files.map((file) => ({ status: STATUS_ADDED, snapshot_id: snapshotId, sequence_number: sequenceNumber, file_sequence_number: sequenceNumber, data_file: file })),
      ),
    );
  }

  // Existing manifests: kept as they are, unless they hold files of a replaced partition.
  const deleted: DataFile[] = [];
  if (parent) {
    for (const manifest of await readManifestList(storage, parent)) {
      const bounds = manifest.partitions?.[0];
      const lower = bounds?.lower_bound ? Buffer.from(bounds.lower_bound).readInt32LE(0) : -Infinity;
      const upper = bounds?.upper_bound ? Buffer.from(bounds.upper_bound).readInt32LE(0) : Infinity;
      const touches = [...change.dropPartitions].some((d) => d >= lower && d <= upper);
      if (!touches) {
        manifests.push(manifest);
        continue;
      }
      const entries = (await readManifest(storage, manifest)).filter((e) => e.status !== STATUS_DELETED);
      const removed = entries.filter((e) => e.data_file.partition.ingest_on !== null && change.dropPartitions.has(e.data_file.partition.ingest_on));
      if (removed.length === 0) {
        manifests.push(manifest);
        continue;
      }
      const rewritten: ManifestEntry[] = entries.map((e) =>
        removed.includes(e)
          ? { ...e, status: STATUS_DELETED, snapshot_id: snapshotId }
          : { ...e, status: STATUS_EXISTING },
      );
      for (const e of removed) deleted.push(e.data_file);
      manifests.push(await writeManifest(rewritten));
    }
  }

  const added = change.files;
  const addedRecords = added.reduce((n, f) => n + f.record_count, 0);
  const deletedRecords = deleted.reduce((n, f) => n + f.record_count, 0);
  const addedSize = added.reduce((n, f) => n + f.file_size_in_bytes, 0);
  const deletedSize = deleted.reduce((n, f) => n + f.file_size_in_bytes, 0);
  const changedPartitions = new Set([...added.map((f) => f.partition.ingest_on), ...deleted.map((f) => f.partition.ingest_on)]);
  const summary: SnapshotSummary = { operation: change.operation };
  const put = (key: string, value: number) => {
    if (value !== 0) summary[key] = String(value);
  };
  put("added-data-files", added.length);
  put("deleted-data-files", deleted.length);
  put("added-records", addedRecords);
  put("deleted-records", deletedRecords);
  put("added-files-size", addedSize);
  put("removed-files-size", deletedSize);
  summary["changed-partition-count"] = String(changedPartitions.size);
  summary["total-records"] = String(summaryNumber(parent?.summary, "total-records") + addedRecords - deletedRecords);
  summary["total-files-size"] = String(summaryNumber(parent?.summary, "total-files-size") + addedSize - deletedSize);
  summary["total-data-files"] = String(summaryNumber(parent?.summary, "total-data-files") + added.length - deleted.length);
  summary["total-delete-files"] = "0";
  summary["total-position-deletes"] = "0";
  summary["total-equality-deletes"] = "0";
  if (change.operation === "overwrite") {
    summary["replace-partitions"] = "true";
    summary["deftunes.replaced-partitions"] = [...change.dropPartitions].sort((a, b) => a - b).map(formatDate).join(",");
  }
  for (const [k, v] of Object.entries(options.summary ?? {})) {
    if (k !== "operation") summary[k] = String(v);
  }

  const listKey = manifestListKey(tableKey, snapshotId, commitId);
  await storage.put(listKey, await encodeManifestList(manifests, { snapshotId, parentSnapshotId: parent?.["snapshot-id"] ?? null, sequenceNumber }));
  written.push(listKey);
  await options.hooks?.afterManifests?.();

  const snapshot: Snapshot = {
    "snapshot-id": snapshotId,
    ...(parent ? { "parent-snapshot-id": parent["snapshot-id"] } : {}),
    "sequence-number": sequenceNumber,
    "timestamp-ms": Math.max(Date.now(), base["last-updated-ms"]),
    "manifest-list": uriOf(storage, listKey),
    summary,
    "schema-id": schema["schema-id"],
  };
  const properties = { ...(options.properties ?? {}), ...partitionTagProperties(options.partitionTags ?? {}) };
  const next: TableMetadata = withSnapshot(base, loaded.metadataLocation, snapshot, properties);
  const location = await writeMetadataFile(storage, tableKey, metadataVersion(loaded.metadataLocation), next);
  written.push(keyOf(storage, location));
  await options.hooks?.afterMetadataFile?.(location);
  await catalog.commitTable(name, loaded.metadataLocation, location);
  return {
    snapshotId,
    sequenceNumber,
    metadataLocation: location,
    addedFiles: added.length,
    deletedFiles: deleted.length,
    addedRecords,
    deletedRecords,
  };
}

/**
 * Creates `v{N}.metadata.json` for the first free N above `baseVersion` (putIfAbsent: never overwrites;
 * a number left by a crashed or concurrent writer is skipped). Returns its URI.
 */
export async function writeMetadataFile(storage: Storage, tableKey: string, baseVersion: number, metadata: TableMetadata): Promise<string> {
  const body = `${JSON.stringify(metadata, null, 2)}\n`;
  for (let version = baseVersion + 1; version <= baseVersion + 1000; version++) {
    const key = metadataKey(tableKey, version);
    if (await storage.putIfAbsent(key, body)) return uriOf(storage, key);
  }
  throw new LakehouseError("iceberg", `no free metadata version after v${baseVersion} under ${tableKey}`, { file: tableKey }, "run vacuum to remove orphan metadata files");
}
