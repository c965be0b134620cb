/**
 * Tables "written by another engine", built from the reference files of test/iceberg/reference/ (spec
 * metadata vectors and Java-written manifest lists): the vector's placeholders are filled with locations in
 * a temp bucket, the manifest lists copied there, and the metadata registered in a DirectoryCatalog as a
 * foreign writer's commit would be (its own file, then the catalog's swap).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { encodeManifest, encodeManifestList } from "../../scripts/iceberg/avro.ts";
import { metadataVersion, type DirectoryCatalog } from "../../scripts/iceberg/catalog.ts";
import { uriOf } from "../../scripts/iceberg/locations.ts";
import { readManifestList } from "../../scripts/iceberg/manifests.ts";
import { stringifyMetadata } from "../../scripts/iceberg/metadata-json.ts";
import { currentSchema, currentSnapshot, withSnapshot } from "../../scripts/iceberg/metadata.ts";
import { ParquetFileWriter } from "../../scripts/iceberg/parquet.ts";
import { defaultSpec } from "../../scripts/iceberg/partitioning.ts";
import type { DataFile, IcebergField, ManifestEntry, ManifestFile, Row, Snapshot, SnapshotSummary } from "../../scripts/iceberg/types.ts";
import { dataFileOf } from "../../scripts/iceberg/writer.ts";
import type { Storage } from "../../scripts/storage/types.ts";

export const REFERENCE = path.resolve("test/iceberg/reference");

export function referenceText(file: string): string {
  return fs.readFileSync(path.join(REFERENCE, file), "utf8");
}

export function referenceBytes(file: string): Buffer {
  return fs.readFileSync(path.join(REFERENCE, file));
}

/** The manifest list copied for each `{{ manifest_list_N_location }}` placeholder. */
const LISTS = ["manifest-list-v2-1.avro", "manifest-list-v2-2.avro", "simple_manifest_list_v2.avro"];

/**
 * Registers `name` from the metadata vector `file` (placeholders filled) as version 1 of a table in the
 * catalog; returns the metadata text as written and its location.
 */
export async function foreignTable(storage: Storage, catalog: DirectoryCatalog, name: string, file: string): Promise<{ text: string; location: string }> {
  const tableKey = catalog.tableKey(name);
  const tableUri = uriOf(storage, tableKey);
  let text = referenceText(file).replaceAll("{{ table_location }}", tableUri).replaceAll("s3://bucket/test/location", tableUri);
  for (const [i, list] of LISTS.entries()) {
    const key = `${tableKey}/metadata/snap-foreign-${i + 1}.avro`;
    await storage.put(key, referenceBytes(list));
    text = text.replaceAll(`{{ manifest_list_${i + 1}_location }}`, uriOf(storage, key));
  }
  text = text.replaceAll("{{ table_metadata_1_location }}", uriOf(storage, `${tableKey}/metadata/00000-${randomUUID()}.metadata.json`));
  text = text.replaceAll("s3://a/b/1.avro", uriOf(storage, `${tableKey}/metadata/snap-foreign-1.avro`)).replaceAll("s3://a/b/2.avro", uriOf(storage, `${tableKey}/metadata/snap-foreign-2.avro`));
  const key = `${tableKey}/metadata/00001-${randomUUID()}.metadata.json`;
  await storage.put(key, text);
  await catalog.commitTable(name, null, uriOf(storage, key));
  return { text, location: uriOf(storage, key) };
}

/**
 * What another engine's commit does, with this library's encoders standing in for that engine's: writes
 * one manifest per `manifests` group (data or deletes), a manifest list of those plus `keep` (listed
 * unchanged), a snapshot with the given operation and a large (above 2^53) id, a new metadata file, then
 * swaps the catalog pointer.
 */
export interface ForeignManifest {
  content: "data" | "deletes";
  entries: ManifestEntry[];
}

export async function foreignCommit(
  storage: Storage,
  catalog: DirectoryCatalog,
  name: string,
  operation: SnapshotSummary["operation"],
  build: (parentManifests: ManifestFile[], snapshotId: bigint, sequenceNumber: number) => { keep: ManifestFile[]; manifests: ForeignManifest[] },
): Promise<{ snapshotId: bigint; metadataLocation: string }> {
  const loaded = (await catalog.loadTable(name))!;
  const base = loaded.metadata;
  const parent = currentSnapshot(base);
  const parentManifests = parent ? await readManifestList(storage, parent) : [];
  const snapshotId = 7_000_000_000_000_000_000n + BigInt(base.snapshots.length) * 1_000_003n + 17n;
  const sequenceNumber = base["last-sequence-number"] + 1;
  const { keep, manifests } = build(parentManifests, snapshotId, sequenceNumber);
  const tableKey = catalog.tableKey(name);
  const spec = defaultSpec(base);
  const written: ManifestFile[] = [];
  for (const group of manifests) {
    const key = `${tableKey}/metadata/foreign-${randomUUID()}-m0.avro`;
    const bytes = await encodeManifest(group.entries, { schema: currentSchema(base), spec, metadata: base, content: group.content });
    await storage.put(key, bytes);
    const of = (status: number) => group.entries.filter((e) => e.status === status);
    const rows = (list: ManifestEntry[]) => list.reduce((n, e) => n + e.data_file.record_count, 0);
    written.push({
      manifest_path: uriOf(storage, key), manifest_length: bytes.length, partition_spec_id: spec["spec-id"], content: group.content === "data" ? 0 : 1,
      sequence_number: sequenceNumber, min_sequence_number: Math.min(...group.entries.map((e) => e.sequence_number ?? sequenceNumber)), added_snapshot_id: snapshotId,
      added_files_count: of(1).length, existing_files_count: of(0).length, deleted_files_count: of(2).length,
      added_rows_count: rows(of(1)), existing_rows_count: rows(of(0)), deleted_rows_count: rows(of(2)), partitions: null, key_metadata: null,
    });
  }
  const listKey = `${tableKey}/metadata/snap-${snapshotId}-1-${randomUUID()}.avro`;
  await storage.put(listKey, await encodeManifestList([...written, ...keep], { snapshotId, parentSnapshotId: parent?.["snapshot-id"] ?? null, sequenceNumber }));
  const snapshot: Snapshot = {
    "snapshot-id": snapshotId,
    ...(parent ? { "parent-snapshot-id": parent["snapshot-id"] } : {}),
    "sequence-number": sequenceNumber,
    "timestamp-ms": Date.now(),
    "manifest-list": uriOf(storage, listKey),
    summary: { operation, "engine-name": "foreign-test-engine" },
    "schema-id": base["current-schema-id"],
  };
  const next = withSnapshot(base, loaded.metadataLocation, snapshot);
  const key = `${tableKey}/metadata/${String((metadataVersion(loaded.metadataLocation) ?? 0) + 1).padStart(5, "0")}-${randomUUID()}.metadata.json`;
  await storage.put(key, stringifyMetadata(next));
  await catalog.commitTable(name, loaded.metadataLocation, uriOf(storage, key));
  return { snapshotId, metadataLocation: uriOf(storage, key) };
}

/** A position delete file (spec "Position Delete Files": file_path 2147483546, pos 2147483545) as Parquet. */
export async function positionDeleteFile(storage: Storage, key: string, deletes: { path: string; pos: number }[], partition: DataFile["partition"]): Promise<DataFile> {
  const fields: IcebergField[] = [
    { id: 2147483546, name: "file_path", type: "string", required: true },
    { id: 2147483545, name: "pos", type: "long", required: true },
  ];
  return deleteFile(storage, key, fields, deletes.map((d) => ({ file_path: d.path, pos: BigInt(d.pos) })), partition, 1, null);
}

/** An equality delete file over `fields` (the table's columns, by field id). */
export async function equalityDeleteFile(storage: Storage, key: string, fields: IcebergField[], rows: Row[], partition: DataFile["partition"]): Promise<DataFile> {
  return deleteFile(storage, key, fields.map((f) => ({ ...f, required: false })), rows, partition, 2, fields.map((f) => f.id));
}

async function deleteFile(storage: Storage, key: string, fields: IcebergField[], rows: Row[], partition: DataFile["partition"], content: 1 | 2, equalityIds: number[] | null): Promise<DataFile> {
  const writer = new ParquetFileWriter(storage, key, fields, { rowGroupRows: 1000 });
  for (const row of rows) if (writer.append(row)) await writer.flush();
  const written = (await writer.close())!;
  return { ...dataFileOf(storage, written, fields, {}), partition, content, equality_ids: equalityIds, sort_order_id: null };
}

/**
 * A manifest entry for a foreign commit: of a new file (its sequence number: the commit's), or of a live
 * file listed again as EXISTING or DELETED (keeping the data sequence number it had).
 */
export function foreignEntry(status: 0 | 1 | 2, file: { dataFile: DataFile; sequenceNumber: number } | DataFile, snapshotId: bigint, sequenceNumber: number): ManifestEntry {
  const dataFile = "dataFile" in file ? file.dataFile : file;
  const sequence = "dataFile" in file ? file.sequenceNumber : sequenceNumber;
  return { status, snapshot_id: snapshotId, sequence_number: sequence, file_sequence_number: sequence, data_file: dataFile };
}
