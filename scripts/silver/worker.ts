/** A silver worker thread: transforms the PartitionJobs the pool sends (workers.ts), one at a time. */
import { parentPort, workerData } from "node:worker_threads";
import type { StorageConfig } from "../core/config.ts";
import { transformPartition, type PartitionJob } from "./partition.ts";
import { serialiseError, storageFromConfig, type WorkerReply } from "./workers.ts";

const port = parentPort;
if (!port) throw new Error("scripts/silver/worker.ts runs only as a worker thread");
const storage = await storageFromConfig((workerData as { storage: StorageConfig }).storage);
const reply = (message: WorkerReply) => port.postMessage(message);

port.on("message", async ({ id, job }: { id: number; job: PartitionJob }) => {
  try {
    const outcome = await transformPartition(storage, job, (records, total) => reply({ id, progress: [records, total] }));
    reply({ id, outcome });
  } catch (error) {
    reply({ id, error: serialiseError(error) });
  }
});
