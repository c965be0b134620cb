/**
 * What keeps `land` runs from colliding and from leaving litter:
 *
 * - one `land` at a time per bucket: a lock file created with O_EXCL (for a local bucket under its
 *   `_locks/`, for S3 in the environment's stack folder, keyed by the bucket's location) holding the pid and
 *   start time; a second run refuses with "another `land` is running (pid N, since …)"; a lock whose process
 *   is gone (a killed run) is taken over;
 * - stale staging: with the lock held no other landing is in flight, so everything under `_staging/` and
 *   `_trash/` (and the local bucket's `*.tmp-*` files there) is a leftover of an interrupted or killed run
 *   and is removed, by the next `land` and by `silver --vacuum`;
 * - interrupts: `interrupted(signal)` is checked between the steps of every lander; SIGINT/SIGTERM abort
 *   the run's signal, each lander then discards its staged partition (as on any failure) and the command
 *   says what was stopped and what was kept.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import type { Storage } from "../storage/types.ts";

interface LockContent {
  pid: number;
  started_at: string;
  command: string;
}

/** The lock file of `land` runs on this bucket. */
export function landLockPath(env: Environment, storage: Storage): string {
  const local = storage.localPath("_locks/land.lock");
  if (local) return local;
  const key = createHash("sha256").update(storage.location).digest("hex").slice(0, 16);
  return path.join(env.stackDir, "locks", `land-${key}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(file: string): LockContent | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as LockContent;
  } catch {
    return null;
  }
}

/** Lock files this process holds (a second run in the same process is refused like one in another). */
const held = new Set<string>();

/** Takes the `land` lock of the bucket, or refuses naming the run that holds it. Returns the release. */
export function acquireLandLock(env: Environment, storage: Storage): () => void {
  const file = landLockPath(env, storage);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const mine: LockContent = { pid: process.pid, started_at: new Date().toISOString(), command: "land" };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx");
      fs.writeSync(fd, JSON.stringify(mine));
      fs.closeSync(fd);
      held.add(file);
      return () => {
        held.delete(file);
        if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw new LakehouseError("land", `cannot create the lock file: ${(error as Error).message}`, { file });
    }
    const holder = readLock(file);
    if (holder && (holder.pid === process.pid ? held.has(file) : alive(holder.pid))) {
      throw new LakehouseError(
        "land",
        `another \`land\` is running (pid ${holder.pid}, since ${holder.started_at}) on ${storage.location}`,
        { file },
        "wait for it to finish (or stop it), then land again",
      );
    }
    // A lock being written (unreadable for a moment) is waited for once; a dead holder's lock is taken over.
    if (!holder && attempt === 0) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    fs.rmSync(file, { force: true });
  }
  throw new LakehouseError("land", "could not take the land lock", { file }, "remove the lock file if no land is running");
}

/**
 * Removes what interrupted or killed landings left: `_staging/` and `_trash/` (call with the land lock
 * held). Returns the number of objects removed.
 */
export async function removeStaleStaging(storage: Storage): Promise<number> {
  let removed = 0;
  for (const prefix of ["_staging/", "_trash/"]) removed += await storage.deletePrefix(prefix);
  // A local bucket keeps empty directories (and temp files a kill left mid-write, which list() hides).
  for (const dir of ["_staging", "_trash"]) {
    const local = storage.localPath(dir);
    if (local && fs.existsSync(local)) {
      for (const entry of fs.readdirSync(local)) {
        removed += countFiles(path.join(local, entry));
        fs.rmSync(path.join(local, entry), { recursive: true, force: true });
      }
    }
  }
  return removed;
}

function countFiles(p: string): number {
  const stat = fs.lstatSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return 1;
  return fs.readdirSync(p).reduce((n, e) => n + countFiles(path.join(p, e)), 0);
}

/** Why a run was stopped: the abort reason of its signal. */
export class Interrupted extends LakehouseError {
  constructor(readonly signalName: NodeJS.Signals) {
    super("land", `stopped by ${signalName}`, {}, "partitions published before the signal are kept; rerun the same land to complete the window");
    this.name = "Interrupted";
  }
}

/** Throws the run's Interrupted when its signal was aborted (checked between the steps of a lander). */
export function checkInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Interrupted ? signal.reason : new Interrupted("SIGINT");
}

/**
 * Runs `fn` with SIGINT/SIGTERM turned into an abort of its signal (a second signal exits at once).
 * Returns what `fn` returns; rethrows its error (an Interrupted one when a signal stopped it).
 */
export async function withInterrupts<T>(fn: (signal: AbortSignal) => Promise<T>, onSignal: (name: NodeJS.Signals) => void): Promise<T> {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === "SIGINT" ? 130 : 143);
    onSignal(name);
    controller.abort(new Interrupted(name));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  }
}
