/**
 * Generation worker thread of the benchmark: builds the catalog's tracks once, then lands the synthetic API
 * days it is sent (one at a time) into the local bucket, replying with the counts of each day. Days are
 * independent, so the pipeline's history is generated on every core (bench/lib/history.ts).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { GeneratorConfig } from "../../scripts/api/generate.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import { landGeneratedDay, syntheticTracks } from "./synthetic-api.ts";

const { generator, songs, bucketRoot } = workerData as { generator: GeneratorConfig; songs: number; bucketRoot: string };
const storage = new LocalStorage(bucketRoot);
const tracks = syntheticTracks(songs);
parentPort!.on("message", (day: string) => {
  landGeneratedDay(storage, generator, tracks, day).then(
    (landed) => parentPort!.postMessage({ landed }),
    (error: unknown) => parentPort!.postMessage({ error: (error as Error).stack ?? String(error) }),
  );
});
parentPort!.postMessage({ ready: true });
