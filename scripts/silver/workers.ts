/**
 * Where partitions are transformed: in this thread, or in a pool of worker threads (partitions are
 * independent: ARCHITECTURE.md "Scale"). A worker opens its own storage from the environment's storage
 * settings, takes one PartitionJob at a time and sends back the PartitionOutcome (data file records and
 * counts); only the main thread commits.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { StorageConfig } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import type { DataFile } from "../iceberg/index.ts";
import { LocalStorage } from "../storage/local.ts";
import type { Storage } from "../storage/types.ts";
import { transformPartition, type PartitionJob, type PartitionOutcome } from "./partition.ts";

export type ProgressFn = (job: PartitionJob, records: number, total: number) => void;

export interface PartitionRunner {
  /** Jobs that can run at once. */
  readonly size: number;
  run(job: PartitionJob): Promise<PartitionOutcome>;
  close(): Promise<void>;
}

/**
 * Storage settings a worker can rebuild its storage from (a local root made absolute). The S3 client is
 * loaded only for S3 settings: a worker on a local bucket does not pay for loading the AWS SDK.
 */
export async function storageFromConfig(config: StorageConfig): Promise<Storage> {
  if (config.type === "local") return new LocalStorage(config.root);
  const { S3Storage } = await import("../storage/s3.ts");
  return new S3Storage({ bucket: config.bucket, prefix: config.prefix, region: config.region, endpoint: config.endpoint });
}

export function inProcessRunner(storage: Storage, onProgress: ProgressFn): PartitionRunner {
  return {
    size: 1,
    run: (job) => transformPartition(storage, job, (records, total) => onProgress(job, records, total)),
    close: async () => undefined,
  };
}

/** Default pool size: the machine's cores, at most 4 (each worker holds its own row groups in memory). */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

interface SerialisedError {
  message: string;
  stage?: string;
  context?: LakehouseError["context"];
  hint?: string;
}

export type WorkerReply =
  | { id: number; progress: [number, number] }
  | { id: number; outcome: PartitionOutcome }
  | { id: number; error: SerialisedError };

/** Structured clone turns Buffers into Uint8Arrays; the Avro manifest writer wants Buffers back. */
function reviveDataFile(file: DataFile): DataFile {
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    ...file,
    lower_bounds: file.lower_bounds?.map((b) => ({ key: b.key, value: buf(b.value) })) ?? null,
    upper_bounds: file.upper_bounds?.map((b) => ({ key: b.key, value: buf(b.value) })) ?? null,
    key_metadata: file.key_metadata ? buf(file.key_metadata) : null,
  };
}

function reviveOutcome(outcome: PartitionOutcome): PartitionOutcome {
  const tables: PartitionOutcome["tables"] = {};
  for (const [name, t] of Object.entries(outcome.tables)) tables[name] = { rows: t.rows, files: t.files.map(reviveDataFile) };
  return { ...outcome, tables };
}

export function serialiseError(error: unknown): SerialisedError {
  if (error instanceof LakehouseError) return { message: error.message, stage: error.stage, context: error.context, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error) };
}

function reviveError(error: SerialisedError): Error {
  return new LakehouseError(error.stage ?? "silver", error.message, error.context ?? {}, error.hint);
}

/** A pool of `size` worker threads; each runs one job at a time (`started`: threads started so far). */
export function workerPool(size: number, storage: StorageConfig, onProgress: ProgressFn): PartitionRunner & { readonly started: number } {
  interface Slot {
    worker: Worker;
    busy: boolean;
  }
  const pending = new Map<number, { job: PartitionJob; resolve: (o: PartitionOutcome) => void; reject: (e: Error) => void; slot: Slot }>();
  const slots: Slot[] = [];
  const waiting: (() => void)[] = [];
  let nextId = 1;
  let closed = false;
  let started = 0;

  const release = (slot: Slot) => {
    slot.busy = false;
    waiting.shift()?.();
  };

  const spawn = (): Slot => {
    const worker = new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: { storage } });
    started++;
    const slot: Slot = { worker, busy: false };
    worker.on("message", (reply: WorkerReply) => {
      const task = pending.get(reply.id);
      if (!task) return;
      if ("progress" in reply) return onProgress(task.job, reply.progress[0], reply.progress[1]);
      pending.delete(reply.id);
      release(slot);
      if ("outcome" in reply) task.resolve(reviveOutcome(reply.outcome));
      else task.reject(reviveError(reply.error));
    });
    const fail = (error: Error) => {
      for (const [id, task] of pending) {
        if (task.slot !== slot) continue;
        pending.delete(id);
        task.reject(new LakehouseError("silver", `worker thread failed on ${task.job.entity} ingest_on=${task.job.partition.ingestOn}: ${error.message}`, { file: task.job.partition.prefix }, undefined, { cause: error }));
      }
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
      waiting.shift()?.();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (!closed) fail(new Error(`exited with code ${code}`));
    });
    slots.push(slot);
    return slot;
  };

  /**
   * A slot for one job, claimed (busy) before the caller resumes: two lanes asking at once must not get
   * the same free worker (then one worker would run both jobs and the others never start).
   */
  const acquire = async (): Promise<Slot> => {
    for (;;) {
      const slot = slots.find((s) => !s.busy) ?? (slots.length < size ? spawn() : null);
      if (slot) {
        slot.busy = true;
        return slot;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };

  return {
    size,
    get started() {
      return started;
    },
    async run(job) {
      if (closed) throw new Error("worker pool is closed");
      const slot = await acquire();
      const id = nextId++;
      return new Promise<PartitionOutcome>((resolve, reject) => {
        pending.set(id, { job, resolve, reject, slot });
        slot.worker.postMessage({ id, job });
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
      slots.length = 0;
    },
  };
}
