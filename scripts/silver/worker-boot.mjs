// Entry of a silver worker thread: the project runs TypeScript through tsx (no build step), and a worker
// thread does not inherit the main thread's loader, so it registers tsx before loading the worker module.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
