/**
 * Reading landed partitions for the silver stage: the published partitions (landing's `listPartitions`),
 * and the records of each file, streamed and checked against the manifest as they go (the file's sha256
 * and its row count must be what landing recorded: otherwise the landed data was changed or damaged after
 * landing, and the partition fails instead of committing rows that cannot be reconciled).
 */
import { createHash } from "node:crypto";
import { LakehouseError } from "../core/errors.ts";
import type { ManifestFile } from "../land/manifest.ts";
import type { Storage } from "../storage/types.ts";
import type { RecordFormat } from "./entities/types.ts";
import { RecordSplitError, splitRecordBatches, type RawRecord } from "./records.ts";

export { listPartitions, type LandedPartition } from "../land/partitions.ts";

async function* hashed(chunks: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    hash.update(chunk);
    yield chunk;
  }
}

/**
 * The records of one landed file, in arrays of those each chunk read completes (records.ts), verified
 * against its manifest entry once the file is read.
 */
export async function* readLandedFile(storage: Storage, file: ManifestFile, format: RecordFormat): AsyncGenerator<RawRecord[]> {
  const hash = createHash("sha256");
  const stream = await storage.getStream(file.key);
  let count = 0;
  try {
    for await (const batch of splitRecordBatches(format, hashed(stream, hash))) {
      count += batch.length;
      yield batch;
    }
  } catch (error) {
    if (error instanceof RecordSplitError) {
      throw new LakehouseError("silver", `landed file is not well-formed ${format}: ${error.message}`, { file: file.key, record: count + 1 }, "re-land the partition: `lakehouse land`");
    }
    throw error;
  } finally {
    stream.destroy();
  }
  const sha256 = hash.digest("hex");
  if (sha256 !== file.sha256) {
    throw new LakehouseError("silver", `landed file changed after landing: sha256 ${sha256} but the manifest says ${file.sha256}`, { file: file.key }, "re-land the partition: `lakehouse land`");
  }
  if (count !== file.rows) {
    throw new LakehouseError("silver", `landed file holds ${count} records but the manifest says ${file.rows}`, { file: file.key }, "re-land the partition: `lakehouse land`");
  }
}
