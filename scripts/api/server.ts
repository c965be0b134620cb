import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Environment } from "../core/config.ts";
import { isIsoDate } from "../land/layout.ts";
import { catalogTracks, type TrackSource } from "./catalog.ts";
import { applyRecordFaults, FaultCounter, parseFaultConfig, requestFaults, requestIdentity, type FaultConfig } from "./faults.ts";
import { API_EPOCH, sessionsOn, usersOn, windowDays, type GeneratorConfig } from "./generate.ts";

export interface ApiServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  generator: GeneratorConfig;
  tracks: TrackSource;
  faults?: FaultConfig;
  /** One line per request (method, URL, status, faults). */
  log?: (line: string) => void;
}

export interface RunningApiServer {
  port: number;
  host: string;
  url: string;
  close(): Promise<void>;
}

/** The longest window one request may ask for. */
export const MAX_WINDOW_DAYS = 366;

/** Generator settings from `env.api` (defaults for what the file leaves out). */
export function generatorConfig(env: Environment): GeneratorConfig {
  return {
    seed: env.api.seed ?? 1,
    usersPerDay: env.api.users_per_day ?? 40,
    sessionsPerDay: env.api.sessions_per_day ?? 120,
    maxItemsPerSession: env.api.max_items_per_session ?? 5,
    epoch: API_EPOCH,
  };
}

/** Everything the simulator needs from an environment (the background service runs this). */
export function apiServerOptions(env: Environment): ApiServerOptions {
  return {
    host: env.api.host ?? "127.0.0.1",
    port: env.api.port ?? 8787,
    generator: generatorConfig(env),
    tracks: catalogTracks(env),
    faults: parseFaultConfig(env.api.faults),
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function window(query: URLSearchParams): string[] {
  const start = query.get("start_date");
  const end = query.get("end_date");
  if (!start || !end) throw new HttpError(400, "start_date and end_date are required (YYYY-MM-DD)");
  for (const [name, value] of [["start_date", start], ["end_date", end]]) {
    if (!isIsoDate(value)) throw new HttpError(400, `${name} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  if (start > end) throw new HttpError(400, "start_date is after end_date");
  const days = windowDays(start, end);
  if (days.length > MAX_WINDOW_DAYS) throw new HttpError(400, `the window is longer than ${MAX_WINDOW_DAYS} days`);
  return days;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the purchase API simulator in this process (tests; the background service calls it too). */
export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const counter = new FaultCounter();
  const configured = options.faults ?? {};
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `internal error: ${(error as Error).message}` }));
      } else res.destroy();
    });
  });

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    // `/moved/…` is where the redirect fault points: the same resources.
    const moved = url.pathname.startsWith("/moved/");
    const path = (moved ? url.pathname.slice("/moved".length) : url.pathname).replace(/\/+$/, "") || "/";
    let status = 200;
    const fired: string[] = [];
    try {
      if (req.method !== "GET") throw new HttpError(405, "only GET");
      if (path === "/health") return send(res, 200, { ok: true });
      if (path !== "/users" && path !== "/sessions") throw new HttpError(404, "unknown path: try /users or /sessions");
      const days = window(url.searchParams);
      const faults: FaultConfig = { ...configured, ...requestFaults(url.searchParams, req.headers) };
      const identity = requestIdentity(path, url.searchParams);
      const requestFaultList = counter.decide(faults, path, identity);
      fired.push(...requestFaultList.map((f) => f.kind));
      const byKind = new Map(requestFaultList.map((f) => [f.kind, f.spec]));
      if (byKind.has("redirect") && !moved) {
        status = 302;
        const to = `${(byKind.get("redirect")!.to ?? `http://${req.headers.host}`).replace(/\/+$/, "")}/moved${path}${url.search}`;
        return send(res, 302, { error: "injected fault: moved" }, { location: to });
      }
      if (byKind.has("slow")) {
        await sleep(byKind.get("slow")!.delay_ms ?? 3000);
        if (req.destroyed || res.destroyed) return;
      }
      if (byKind.has("500")) {
        status = 500;
        return send(res, 500, { error: "injected fault: internal server error" });
      }
      if (byKind.has("429")) {
        status = 429;
        return send(res, 429, { error: "injected fault: too many requests" }, { "retry-after": String(byKind.get("429")!.retry_after ?? 1) });
      }
      let records: Record<string, unknown>[];
      if (path === "/users") {
        records = days.flatMap((day) => usersOn(options.generator, day)) as unknown as Record<string, unknown>[];
      } else {
        const tracks = await options.tracks.tracks().catch((error: Error) => {
          throw new HttpError(503, `the catalog database is unreachable: ${error.message}`);
        });
        if (tracks.length === 0) throw new HttpError(503, "the catalog (deftunes.songs) is empty: seed it first (npx lakehouse seed)");
        records = days.flatMap((day) => sessionsOn(options.generator, tracks, day)) as unknown as Record<string, unknown>[];
      }
      records = applyRecordFaults(records, faults, path, identity);
      let body = Buffer.from(JSON.stringify(records));
      if (byKind.has("malformed")) {
        // Garbage between two records (a structural position, never inside a string).
        const parts = records.map((r) => JSON.stringify(r));
        parts.splice(Math.floor(parts.length / 2), 0, "<!-- malformed -->");
        body = Buffer.from(`[${parts.join(",")}]`);
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
      if (byKind.has("truncate")) {
        // Promise the whole body, send half, then cut the connection.
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.destroy(), 10));
        return;
      }
      res.end(body);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      status = error.status;
      send(res, error.status, { error: error.message });
    } finally {
      options.log?.(`${req.method} ${req.url} ${status}${fired.length ? ` faults=${fired.join(",")}` : ""}`);
    }
  }

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    url: `http://${host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await options.tracks.close();
    },
  };
}
