// Entry of a benchmark generation worker: a worker thread does not inherit the main thread's tsx loader.
import { register } from "tsx/esm/api";

register();
await import("./history-worker.ts");
