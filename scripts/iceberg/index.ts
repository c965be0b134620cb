/**
 * The project's own Iceberg v2 library (no npm package writes Iceberg). Public surface:
 *
 * Catalog
 *   new DirectoryCatalog(storage, root = "warehouse/silver")   tables in the bucket, CAS pointer (catalog.ts)
 *   interface Catalog { tableKey, loadTable, commitTable, listTables, dropTable?, isCatalogFile? }
 *   CommitConflictError                                         thrown by commitTable when the pointer moved
 *
 * Writing (data files first, then one commit)
 *   createTable(storage, catalog, silverTable, properties?) → LoadedTable        idempotent
 *   new DataFileWriter(storage, metadata, { rowGroupRows?, fileRows? })
 *     .write(row) / .writeAll(rows) / .close() → DataFile[] / .abort()          Parquet v1 pages, SNAPPY, field ids
 *   appendFiles(storage, catalog, name, files, options?) → CommitResult         operation "append"
 *   replacePartitions(storage, catalog, name, ["YYYY-MM-DD"], files, options?) → CommitResult
 *                                              operation "overwrite": drops every live file of those partitions
 *   options: { summary?: {k: v}, partitionTags?: {"YYYY-MM-DD": {sha256: "…"}}, properties?, maxAttempts?, hooks? }
 *
 * Skipping unchanged partitions
 *   partitionTags(metadata, "YYYY-MM-DD") → { sha256?: "…", … }   what the commits recorded for that partition
 *   currentSnapshot(metadata)?.summary                             the last commit's summary
 *
 * Reading (any v2 table; position and equality deletes applied, deletes.ts)
 *   snapshotFiles(storage, metadata, { snapshotId?, partitions? }) → LiveDataFile[] (storage key, partition, counts)
 *   snapshotScan(storage, metadata, options?) → { dataFiles, deleteFiles }
 *   readBatches(storage, metadata, options?) → AsyncGenerator<arrow RecordBatch>
 *   readRows(storage, metadata, options?)    → AsyncGenerator<Row> (silver in-memory types)
 *   readDataFile(storage, key) / batchRows(batch, fields)
 *
 * Inspecting (lakehouse iceberg): openTableAt(storage, key) → LoadedTable from a table directory or metadata
 *   file; describeTable, snapshotList, fileList, scanRows (inspect.ts)
 *
 * Maintenance
 *   vacuum(storage, catalog, name) → { deleted: string[] }   removes files no snapshot or metadata references
 *
 * Typical use (the silver stage, one landed partition `day` with manifest sha256 `sha`):
 *   const catalog = new DirectoryCatalog(storage);
 *   const { metadata } = await createTable(storage, catalog, silverTable("songs"));
 *   if (partitionTags(metadata, day).sha256 === sha) return;            // unchanged: no new snapshot
 *   const writer = new DataFileWriter(storage, metadata);
 *   for await (const row of rows) await writer.write(row);              // row groups flushed as they fill
 *   await replacePartitions(storage, catalog, "songs", [day], await writer.close(), {
 *     summary: { "deftunes.landed-sha256": sha, "deftunes.quarantined": "3" },
 *     partitionTags: { [day]: { sha256: sha, committed: "97", quarantined: "3" } },
 *   });
 * A crash anywhere leaves the table at its last snapshot; `vacuum` removes what the crash left behind.
 *
 * Snapshot ids are bigint (64-bit longs, exact); metadata JSON is read and written with parseMetadata /
 * stringifyMetadata (never JSON.parse). Metadata files are named <NNNNN>-<uuid>.metadata.json.
 *
 * Rows are objects keyed by column name with the in-memory types of scripts/silver/tables.ts: string,
 * int/double → number, boolean, long → bigint, date → days since 1970-01-01, timestamp → bigint µs (UTC).
 */
export type { Catalog, LoadedTable } from "./catalog.ts";
export { CommitConflictError, DirectoryCatalog, metadataVersion } from "./catalog.ts";
export { DataFileWriter, type DataFileWriterOptions } from "./writer.ts";
export { appendFiles, createTable, loadTableOrFail, replacePartitions, type CommitHooks, type CommitOptions, type CommitResult } from "./table.ts";
export { currentSchema, currentSnapshot, partitionTags, snapshotById, PARTITION_COLUMN, PARTITION_FIELD_ID } from "./metadata.ts";
export { batchRows, readBatches, readDataFile, readRows, snapshotFiles, snapshotScan, type ReadOptions, type SnapshotScan } from "./reader.ts";
export type { LiveDeleteFile } from "./deletes.ts";
export { readManifest, readManifestList } from "./manifests.ts";
export { parseMetadata, readMetadataFile, stringifyMetadata } from "./metadata-json.ts";
export { vacuum, type VacuumResult } from "./vacuum.ts";
export { formatDate, parseDate } from "./values.ts";
export { NO_SNAPSHOT } from "./types.ts";
export type { DataFile, IcebergField, LiveDataFile, ManifestEntry, ManifestFile, Row, Snapshot, SnapshotSummary, TableMetadata } from "./types.ts";
