/**
 * The synthetic API history (days landed straight into the bucket), generated on every core: one worker
 * thread per core takes the next day until all are landed. Deterministic: each day depends only on the
 * generator config and the day, whichever worker lands it.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { GeneratorConfig } from "../../scripts/api/generate.ts";
import type { LandedDay } from "./synthetic-api.ts";

type Reply = { ready: true } | { landed: LandedDay } | { error: string };

export async function landDaysInParallel(
  days: string[],
  options: { generator: GeneratorConfig; songs: number; bucketRoot: string; workers?: number; onDay?: (landed: LandedDay, done: number) => void },
): Promise<LandedDay[]> {
  const size = Math.max(1, Math.min(options.workers ?? availableParallelism(), days.length));
  const queue = [...days];
  const out: LandedDay[] = [];
  const lane = () =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL("./history-worker-boot.mjs", import.meta.url), {
        workerData: { generator: options.generator, songs: options.songs, bucketRoot: options.bucketRoot },
      });
      const next = () => {
        const day = queue.shift();
        if (day === undefined) {
          void worker.terminate().then(() => resolve());
          return;
        }
        worker.postMessage(day);
      };
      worker.on("message", (reply: Reply) => {
        if ("error" in reply) {
          queue.length = 0;
          void worker.terminate();
          reject(new Error(`generating a synthetic API day failed: ${reply.error}`));
          return;
        }
        if ("landed" in reply) {
          out.push(reply.landed);
          options.onDay?.(reply.landed, out.length);
        }
        next();
      });
      worker.on("error", reject);
      worker.on("exit", (code) => {
        if (queue.length > 0) reject(new Error(`a synthetic API generation worker exited with code ${code}`));
      });
    });
  await Promise.all(Array.from({ length: size }, lane));
  return out.sort((a, b) => (a.day < b.day ? -1 : 1));
}
