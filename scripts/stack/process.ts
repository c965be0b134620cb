import { spawn, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";

/** True when a process with this pid exists (signal 0 checks without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The command line of a live process (Linux /proc), or null. */
export function commandLine(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return null;
  }
}

export function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, "utf8").split("\n")[0], 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Resolves true when something accepts TCP connections on host:port. */
export function portAcceptsConnections(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Resolves true when host:port can be bound now (nobody listens there). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return check();
}

/** Sends SIGTERM, waits, then SIGKILL. Resolves when the process is gone. */
export async function stopProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  if (await waitFor(() => !isAlive(pid), timeoutMs)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
  await waitFor(() => !isAlive(pid), 2000);
}

/** Starts a process that outlives this one, with output appended to `logFile`; returns its pid. */
export function startDetached(command: string, args: string[], options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number }): number {
  const out = fs.openSync(options.logFile, "a");
  const child = spawn(command, args, {
    detached: true,
    stdio: ["ignore", out, out],
    env: options.env ?? process.env,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
  });
  child.unref();
  fs.closeSync(out);
  if (!child.pid) throw new Error(`could not start ${command}`);
  return child.pid;
}

/** The unprivileged account the server runs as when we are root (PostgreSQL refuses to run as root). */
export function serviceAccount(): { uid: number; gid: number; name: string } | null {
  if (os.userInfo().uid !== 0) return null;
  for (const name of ["postgres", "lakehouse"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
      return { uid, gid, name };
    } catch {
      /* try the next one */
    }
  }
  execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "lakehouse"]);
  const uid = Number(execFileSync("id", ["-u", "lakehouse"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "lakehouse"], { encoding: "utf8" }).trim());
  return { uid, gid, name: "lakehouse" };
}
