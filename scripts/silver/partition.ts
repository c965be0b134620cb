/**
 * One landed partition → data files (one DataFileWriter per table that needs it) + its quarantine file.
 * Nothing is committed here: the outcome (data file records, counts, quarantine key) goes to the entity's
 * single commit per table. Self-contained and serialisable (job in, outcome out), so it runs in the main
 * thread or in a worker thread alike (workers.ts).
 *
 * Memory: records stream from the landed files; rows are buffered only up to a row group per table (plus
 * the rows of one read chunk on their way to the writers); the writers are closed when the partition ends.
 */
import { LakehouseError } from "../core/errors.ts";
import { DataFileWriter, type DataFile, type TableMetadata } from "../iceberg/index.ts";
import type { EntityName } from "../land/layout.ts";
import type { LandedPartition } from "../land/partitions.ts";
import type { Storage } from "../storage/types.ts";
import { PARSERS } from "./entities/index.ts";
import { readLandedFile } from "./landed.ts";
import { quarantineKey, QuarantineWriter } from "./quarantine.ts";
import { transformRecord } from "./transform.ts";
import { parseDate, type SilverRow } from "./values.ts";

export interface PartitionJob {
  entity: EntityName;
  partition: LandedPartition;
  /** The tables that need this partition, with the metadata their data files are written for. */
  tables: { name: string; metadata: TableMetadata }[];
  runId: string;
  /** `processed_at` of every row: microseconds since epoch. */
  processedAt: bigint;
  rowGroupRows: number;
}

export interface PartitionOutcome {
  ingestOn: string;
  sha256: string;
  landed: number;
  committed: number;
  quarantined: number;
  quarantineFile: string | null;
  /** Per table of the job: data files written (not committed) and rows. */
  tables: Record<string, { files: DataFile[]; rows: number }>;
}

/** Transforms one partition; on failure removes what it wrote and throws a LakehouseError. */
export async function transformPartition(storage: Storage, job: PartitionJob, onProgress?: (records: number, total: number) => void): Promise<PartitionOutcome> {
  const parser = PARSERS[job.entity];
  const { manifest, ingestOn } = job.partition;
  const days = parseDate(ingestOn);
  const writers = new Map<string, DataFileWriter>();
  const rows = new Map<string, number>();
  for (const { name, metadata } of job.tables) {
    writers.set(name, new DataFileWriter(storage, metadata, { rowGroupRows: job.rowGroupRows }));
    rows.set(name, 0);
  }
  const quarantine = new QuarantineWriter(storage, job.entity, ingestOn, quarantineKey(job.entity, ingestOn, job.runId));
  let landed = 0;
  let committed = 0;
  // Rows per table of the records of one read chunk, written in one call per table
  // (DataFileWriter.writeRows awaits only when a row group fills).
  const pending = new Map<string, SilverRow[]>([...writers.keys()].map((name) => [name, []]));
  try {
    for (const file of manifest.files) {
      const context = { key: file.key, original: file.original, lineage: { ingest_on: days, source_file: file.key, processed_at: job.processedAt } };
      for await (const batch of readLandedFile(storage, file, parser.format)) {
        for (const raw of batch) {
          if (++landed % 10_000 === 0) onProgress?.(landed, manifest.rows);
          const result = transformRecord(parser, raw, context);
          if (!result.ok) {
            await quarantine.add(result.entry);
            continue;
          }
          committed++;
          for (const name in result.rows) {
            const out = pending.get(name);
            if (out) for (const row of result.rows[name]) out.push(row);
          }
        }
        for (const [name, out] of pending) {
          if (out.length === 0) continue;
          await writers.get(name)!.writeRows(out);
          rows.set(name, rows.get(name)! + out.length);
          out.length = 0;
        }
      }
    }
    if (landed !== manifest.rows) {
      throw new LakehouseError("silver", `partition holds ${landed} records but its manifest says ${manifest.rows}`, { file: `${job.partition.prefix}_manifest.json` });
    }
    const tables: PartitionOutcome["tables"] = {};
    for (const [name, writer] of writers) tables[name] = { files: await writer.close(), rows: rows.get(name)! };
    const quarantineFile = await quarantine.close();
    return { ingestOn, sha256: manifest.content_sha256, landed, committed, quarantined: quarantine.count, quarantineFile, tables };
  } catch (error) {
    for (const writer of writers.values()) await writer.abort().catch(() => undefined);
    await quarantine.abort();
    if (error instanceof LakehouseError) throw error;
    throw new LakehouseError("silver", `${job.entity} ingest_on=${ingestOn}: ${(error as Error).message}`, { file: job.partition.prefix }, undefined, { cause: error });
  }
}
