import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { PROJECT_ROOT } from "../core/paths.ts";
import { commandLine, isAlive, portAcceptsConnections, portIsFree, readPid, startDetached, stopProcess, waitFor } from "../stack/process.ts";
import type { Service } from "../stack/services.ts";

const ENTRY = fileURLToPath(new URL("./main.ts", import.meta.url));

function files(env: Environment) {
  return { pid: path.join(env.stackDir, "api.pid"), log: path.join(env.stackDir, "api.log") };
}

function address(env: Environment) {
  return { host: env.api.host ?? "127.0.0.1", port: env.api.port ?? 8787 };
}

/** The simulator's pid when it is running (pid file, live process, our entry script), else null. */
function runningPid(env: Environment): number | null {
  const pid = readPid(files(env).pid);
  return pid !== null && isAlive(pid) && (commandLine(pid) ?? "").includes(ENTRY) ? pid : null;
}

function logTail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim().split("\n").slice(-3).join(" | ");
  } catch {
    return "";
  }
}

/** The purchase API simulator as a background process of the local stack. */
export const apiService: Service = {
  name: "api",
  async start(env) {
    if (runningPid(env) !== null) return "already running";
    const { host, port } = address(env);
    if (!(await portIsFree(host, port))) {
      throw new LakehouseError("stack", `port ${port} on ${host} is taken by another program`, { file: path.relative(process.cwd(), env.file), field: "api.port" }, `stop that program or choose another api.port in ${path.basename(env.file)}`);
    }
    const f = files(env);
    fs.mkdirSync(env.stackDir, { recursive: true });
    const { resolvePath: _resolve, ...plain } = env;
    const pid = startDetached(process.execPath, ["--import", "tsx", ENTRY], {
      logFile: f.log,
      cwd: PROJECT_ROOT,
      env: { ...process.env, LAKEHOUSE_API_ENV: JSON.stringify(plain) },
    });
    fs.writeFileSync(f.pid, `${pid}\n`);
    const up = await waitFor(async () => !isAlive(pid) || (await portAcceptsConnections(host, port, 300)), 20_000, 100);
    if (!up || !isAlive(pid)) {
      await stopProcess(pid, 2000);
      fs.rmSync(f.pid, { force: true });
      throw new LakehouseError("stack", `the API simulator did not start on ${host}:${port}: ${logTail(f.log) || "no output"}`, { file: f.log });
    }
    return "started";
  },
  async stop(env) {
    const pid = runningPid(env);
    fs.rmSync(files(env).pid, { force: true });
    if (pid === null) return "not running";
    await stopProcess(pid);
    return "stopped";
  },
  async status(env) {
    const pid = runningPid(env);
    const { host, port } = address(env);
    return { running: pid !== null, pid, address: `${host}:${port}`, log: files(env).log };
  },
};
