import type { Environment } from "../core/config.ts";
import { postgresStatus, startPostgres, stopPostgres } from "./postgres.ts";

/** A long-running local service that `lakehouse up` starts and `lakehouse down` stops. */
export interface Service {
  name: string;
  start(env: Environment): Promise<string>;
  stop(env: Environment): Promise<string>;
  status(env: Environment): Promise<Record<string, unknown> & { running: boolean }>;
}

export const postgresService: Service = {
  name: "postgres",
  start: (env) => startPostgres(env),
  stop: async (env) => stopPostgres(env),
  status: async (env) => {
    const { running, pid, host, port, dataDir, stalePid } = postgresStatus(env);
    return { running, pid, address: `${host}:${port}`, data_dir: dataDir, ...(stalePid ? { stale_pid: true } : {}) };
  },
};

/** Started in this order, stopped in reverse. The API simulator (issue 4) registers here. */
export async function services(): Promise<Service[]> {
  const list: Service[] = [postgresService];
  try {
    const api = await import("../api/service.ts");
    list.push(api.apiService);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw error;
  }
  return list;
}
