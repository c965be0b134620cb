/**
 * Table operations: create, append, replace partitions. Each commit writes its files first (data files are
 * written beforehand by DataFileWriter; then manifests and the manifest list), then a new metadata file
 * `<NNNNN>-<uuid>.metadata.json` (spec "Metastore Tables": N = the base's version + 1), then swaps the
 * catalog pointer. On a conflict it re-reads the table and re-applies its change on the new base (bounded
 * attempts): no data is lost.
 *
 * A commit keeps what it does not change as it was: manifests of other writers (delete manifests
 * included, content type and all) are listed again unchanged; a data manifest is rewritten only when a
 * replaced partition has files in it. Any v2 base is accepted (no snapshot yet, other partition specs,
 * several schemas, other refs); replacing partitions needs the identity(date) spec of the silver tables.
 */
import { randomUUID } from "node:crypto";
import type { Storage } from "../storage/types.ts";
import type { SilverTable } from "../silver/tables.ts";
import { LakehouseError } from "../core/errors.ts";
import { encodeManifest, encodeManifestList } from "./avro.ts";
import { CommitConflictError, metadataVersion, type Catalog, type LoadedTable } from "./catalog.ts";
import { keyOf, manifestKey, manifestListKey, metadataKey, uriOf } from "./locations.ts";
import { readManifest, readManifestList } from "./manifests.ts";
import { stringifyMetadata } from "./metadata-json.ts";
import { currentSchema, currentSnapshot, newSnapshotId, newTableMetadata, partitionTagProperties, withSnapshot } from "./metadata.ts";
import { defaultSpec, partitionResultType, writerPartitionField } from "./partitioning.ts";
import {
  CONTENT_DATA,
  STATUS_ADDED,
  STATUS_DELETED,
  STATUS_EXISTING,
  type DataFile,
  type ManifestEntry,
  type ManifestFile,
  type PartitionValue,
  type Snapshot,
  type SnapshotSummary,
  type TableMetadata,
} from "./types.ts";
import { compareValues, decodeValue, encodeValue, formatDate, parseDate } from "./values.ts";

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
  snapshotId: bigint;
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
  const location = await writeMetadataFile(storage, tableKey, 1, metadata);
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
 * every live data file of those partitions and adds `files` (which must belong to them). The table's
 * default spec must be identity on one date column (the silver tables' spec).
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

/** The partition field replacePartitions works on: the one identity(date) field of the default spec. */
function replacedField(base: TableMetadata, name: string): string {
  const field = writerPartitionField(base);
  if (!field) throw new LakehouseError("iceberg", `table ${name} is unpartitioned: it has no partition to replace`, { file: name, field: "partition-specs" }, "append to it instead");
  return field.name;
}

/** Whether a data manifest may hold files of the dropped days (its partition summary's bounds). */
function mayHoldDays(manifest: ManifestFile, days: Set<number>): boolean {
  const bounds = manifest.partitions?.[0];
  const lower = bounds?.lower_bound ? (decodeValue("date", bounds.lower_bound) as number) : -Infinity;
  const upper = bounds?.upper_bound ? (decodeValue("date", bounds.upper_bound) as number) : Infinity;
  return [...days].some((d) => d >= lower && d <= upper);
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
  // New files go under the table's own location (another engine may have registered it elsewhere than
  // where this catalog would put a table of that name).
  const tableKey = keyOf(storage, base.location.replace(/\/+$/, ""));
  const parent = currentSnapshot(base);
  const sequenceNumber = base["last-sequence-number"] + 1;
  const snapshotId = newSnapshotId(base.snapshots.map((s) => s["snapshot-id"]));
  const commitId = randomUUID();
  const schema = currentSchema(base);
  const spec = defaultSpec(base);
  const dropField = change.dropPartitions.size > 0 || change.operation === "overwrite" ? replacedField(base, name) : null;
  for (const file of change.files) {
    const keys = Object.keys(file.partition).sort().join(",");
    const expected = spec.fields.map((f) => f.name).sort().join(",");
    if (keys !== expected) {
      throw new LakehouseError("iceberg", `data file ${file.file_path} has partition fields (${keys}), the table's spec ${spec["spec-id"]} has (${expected})`, { file: file.file_path, field: "partition" }, "write the files with a DataFileWriter of the table's current metadata");
    }
    if (file.content !== CONTENT_DATA) throw new LakehouseError("iceberg", `file ${file.file_path} is a delete file (content ${file.content}); only data files can be appended`, { file: file.file_path, field: "content" });
    if (dropField !== null) {
      const day = file.partition[dropField];
      if (typeof day !== "number" || !change.dropPartitions.has(day)) {
        throw new LakehouseError("iceberg", `data file ${file.file_path} is outside the partitions being replaced (${[...change.dropPartitions].map(formatDate).join(", ")})`, { file: file.file_path });
      }
    }
  }

  const manifests: ManifestFile[] = [];
  let manifestCount = 0;
  const writeManifest = async (entries: ManifestEntry[]): Promise<ManifestFile> => {
    const key = manifestKey(tableKey, commitId, manifestCount++);
    const bytes = await encodeManifest(entries, { schema, spec, metadata: base });
    await storage.put(key, bytes);
    written.push(key);
    const live = entries.filter((e) => e.status !== STATUS_DELETED);
    const count = (status: number) => entries.filter((e) => e.status === status);
    const rows = (list: ManifestEntry[]) => list.reduce((n, e) => n + e.data_file.record_count, 0);
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
      partitions: spec.fields.map((field) => partitionSummary(entries.map((e) => e.data_file.partition[field.name] ?? null), partitionResultType(field, base, schema))),
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

  // Existing manifests: kept as they are (delete manifests always), unless they hold files of a replaced partition.
  const deleted: DataFile[] = [];
  if (parent) {
    for (const manifest of await readManifestList(storage, parent)) {
      if (dropField === null || manifest.content !== CONTENT_DATA || !mayHoldDays(manifest, change.dropPartitions)) {
        manifests.push(manifest);
        continue;
      }
      if (manifest.partition_spec_id !== spec["spec-id"]) {
        throw new LakehouseError(
          "iceberg",
          `cannot replace partitions of ${name}: data manifest ${manifest.manifest_path} was written for partition spec ${manifest.partition_spec_id}, not the current spec ${spec["spec-id"]}`,
          { file: manifest.manifest_path, field: "partition_spec_id" },
          "rewrite the table's files into the current spec first (e.g. Spark rewrite_data_files)",
        );
      }
      const entries = (await readManifest(storage, manifest)).filter((e) => e.status !== STATUS_DELETED);
      const inDropped = (e: ManifestEntry) => {
        const day = e.data_file.partition[dropField];
        return typeof day === "number" && change.dropPartitions.has(day);
      };
      const removed = entries.filter(inDropped);
      if (removed.length === 0) {
        manifests.push(manifest);
        continue;
      }
      const rewritten: ManifestEntry[] = entries.map((e) => (inDropped(e) ? { ...e, status: STATUS_DELETED, snapshot_id: snapshotId } : { ...e, status: STATUS_EXISTING }));
      for (const e of removed) deleted.push(e.data_file);
      manifests.push(await writeManifest(rewritten));
    }
  }

  const summary = commitSummary(change, parent, deleted, manifests, options);
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
  const location = await writeMetadataFile(storage, tableKey, nextVersion(loaded), next);
  written.push(keyOf(storage, location));
  await options.hooks?.afterMetadataFile?.(location);
  await catalog.commitTable(name, loaded.metadataLocation, location);
  const added = change.files;
  return {
    snapshotId,
    sequenceNumber,
    metadataLocation: location,
    addedFiles: added.length,
    deletedFiles: deleted.length,
    addedRecords: added.reduce((n, f) => n + f.record_count, 0),
    deletedRecords: deleted.reduce((n, f) => n + f.record_count, 0),
  };
}

/** The partition summary of one partition field over the entries' values (spec "Manifest Lists"). */
function partitionSummary(values: PartitionValue[], type: ReturnType<typeof partitionResultType>): NonNullable<ManifestFile["partitions"]>[number] {
  const present = values.filter((v) => v !== null);
  const nan = type === "double" && present.some((v) => Number.isNaN(v));
  const ordered = present.filter((v) => !(type === "double" && Number.isNaN(v)));
  let lower: PartitionValue = null;
  let upper: PartitionValue = null;
  if (type !== null) {
    for (const v of ordered) {
      if (lower === null || compareValues(type, v, lower) < 0) lower = v;
      if (upper === null || compareValues(type, v, upper) > 0) upper = v;
    }
  }
  return {
    contains_null: present.length < values.length,
    contains_nan: nan,
    lower_bound: type !== null && lower !== null ? encodeValue(type, lower) : null,
    upper_bound: type !== null && upper !== null ? encodeValue(type, upper) : null,
  };
}

/**
 * The snapshot summary (spec "Snapshot Summary", "Optional Snapshot Summary Fields"): this commit's counts,
 * the totals carried from the parent. When the parent has no total (another engine left it out), the
 * totals the manifest list's counts give exactly are derived from them (records and files of data and
 * delete manifests), the others are left out.
 */
function commitSummary(change: Change, parent: Snapshot | null, deleted: DataFile[], manifests: ManifestFile[], options: CommitOptions): SnapshotSummary {
  const added = change.files;
  const addedRecords = added.reduce((n, f) => n + f.record_count, 0);
  const deletedRecords = deleted.reduce((n, f) => n + f.record_count, 0);
  const addedSize = added.reduce((n, f) => n + f.file_size_in_bytes, 0);
  const deletedSize = deleted.reduce((n, f) => n + f.file_size_in_bytes, 0);
  const tuple = (f: DataFile) => JSON.stringify(Object.entries(f.partition).map(([k, v]) => [k, typeof v === "bigint" ? String(v) : v]));
  const changedPartitions = new Set([...added.map(tuple), ...deleted.map(tuple)]);
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
  const live = (content: 0 | 1, count: (m: ManifestFile) => number) => manifests.filter((m) => m.content === content).reduce((n, m) => n + count(m), 0);
  const fromManifests: Record<string, number> = {
    "total-records": live(0, (m) => m.added_rows_count + m.existing_rows_count),
    "total-data-files": live(0, (m) => m.added_files_count + m.existing_files_count),
    "total-delete-files": live(1, (m) => m.added_files_count + m.existing_files_count),
  };
  const total = (key: string, delta: number) => {
    if (!parent || parent.summary?.[key] !== undefined) summary[key] = String(summaryNumber(parent?.summary, key) + delta);
    else if (key in fromManifests) summary[key] = String(fromManifests[key]);
  };
  total("total-records", addedRecords - deletedRecords);
  total("total-files-size", addedSize - deletedSize);
  total("total-data-files", added.length - deleted.length);
  total("total-delete-files", 0);
  total("total-position-deletes", 0);
  total("total-equality-deletes", 0);
  if (change.operation === "overwrite") {
    summary["replace-partitions"] = "true";
    summary["deftunes.replaced-partitions"] = [...change.dropPartitions].sort((a, b) => a - b).map(formatDate).join(",");
  }
  for (const [k, v] of Object.entries(options.summary ?? {})) {
    if (k !== "operation") summary[k] = String(v);
  }
  return summary;
}

function summaryNumber(summary: SnapshotSummary | undefined, key: string): number {
  const value = summary?.[key];
  return value === undefined ? 0 : Number(value);
}

/** N of the metadata file after the loaded one (its name's version + 1; for a name without one, the log's length + 2). */
function nextVersion(loaded: LoadedTable): number {
  return (metadataVersion(loaded.metadataLocation) ?? loaded.metadata["metadata-log"].length + 1) + 1;
}

/**
 * Creates the metadata file `<NNNNN>-<uuid>.metadata.json` of version `version` (putIfAbsent: never
 * overwrites). Returns its URI. Concurrent writers of one version write different files; the catalog's
 * compare-and-swap lets one of them win.
 */
export async function writeMetadataFile(storage: Storage, tableKey: string, version: number, metadata: TableMetadata): Promise<string> {
  const body = stringifyMetadata(metadata);
  for (let attempt = 0; attempt < 3; attempt++) {
    const key = metadataKey(tableKey, version);
    if (await storage.putIfAbsent(key, body)) return uriOf(storage, key);
  }
  throw new LakehouseError("iceberg", `cannot create metadata file version ${version} under ${tableKey}`, { file: tableKey }, "check the bucket is writable");
}
