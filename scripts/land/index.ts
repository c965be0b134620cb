import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { createLogger, type Logger } from "../core/log.ts";
import { openStorage } from "../storage/index.ts";
import type { Storage } from "../storage/types.ts";
import { landApi } from "./api.ts";
import { landCatalog } from "./catalog.ts";
import type { EntityResult, LandContext } from "./context.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "./http.ts";
import { checkDate, SOURCES, type SourceName } from "./layout.ts";
import { acquireLandLock, checkInterrupted, removeStaleStaging } from "./run-guard.ts";
import { joinSourcePath, landSparkifyEvents, landSparkifySongs } from "./sparkify.ts";

export interface LandOptions {
  /** Default: all three. */
  sources?: SourceName[];
  startDate?: string;
  endDate?: string;
  /** Sparkify song files (default `<sparkify path>/song_data`). */
  songsPath?: string;
  /** Sparkify root folder or s3:// URI (default env.sources.sparkify_path). */
  sparkifyPath?: string;
  apiBaseUrl?: string;
  retry?: Partial<RetryPolicy>;
  catalogPartRows?: number;
  /** API days landed at once (default 4). */
  apiConcurrency?: number;
  /** Follow same-origin redirects of the API (default: refuse every redirect). */
  followRedirects?: boolean;
  storage?: Storage;
  log?: Logger;
  /** Aborted by SIGINT/SIGTERM (run-guard.ts withInterrupts): the run stops between steps, discarding its staging. */
  signal?: AbortSignal;
}

export interface LandSummary {
  window: { start_date: string; end_date: string };
  location: string;
  entities: EntityResult[];
}

/** The API's base URL from the environment (base_url in prod, the local simulator otherwise). */
export function apiBaseUrl(env: Environment): string {
  return env.api.base_url ?? `http://${env.api.host ?? "127.0.0.1"}:${env.api.port ?? 8787}`;
}

export function landContext(env: Environment, options: LandOptions = {}): LandContext {
  const start = checkDate(options.startDate ?? env.sources.start_date, "start_date");
  // A start date alone is one day (`land --start-date D`): the end defaults to it, not to the environment's.
  const end = checkDate(options.endDate ?? (options.startDate !== undefined ? start : env.sources.end_date), "end_date");
  if (start > end) throw new LakehouseError("land", `start date ${start} is after end date ${end}`, { field: "start_date" });
  const sparkifyPath = env.resolvePath(options.sparkifyPath ?? env.sources.sparkify_path);
  const partRows = options.catalogPartRows ?? 100_000;
  if (!Number.isSafeInteger(partRows) || partRows < 1) throw new LakehouseError("land", `catalog part rows must be ≥ 1, got ${partRows}`);
  return {
    env,
    storage: options.storage ?? openStorage(env),
    log: options.log ?? createLogger({ quiet: true }),
    window: { start_date: start, end_date: end },
    retry: { ...DEFAULT_RETRY, ...options.retry },
    apiBaseUrl: options.apiBaseUrl ?? apiBaseUrl(env),
    sparkifyPath,
    songsPath: options.songsPath ? env.resolvePath(options.songsPath) : joinSourcePath(sparkifyPath, "song_data"),
    catalogPartRows: partRows,
    apiConcurrency: options.apiConcurrency ?? 4,
    followRedirects: options.followRedirects ?? false,
    signal: options.signal,
  };
}

/**
 * Lands the chosen sources for the window. Each partition is published whole (manifest last) or not at
 * all; re-landing replaces partitions. Stops at the first failure (earlier partitions stay published).
 * One run at a time per bucket (run-guard.ts): a second one refuses naming the first; the staging a killed
 * or interrupted run left behind is removed first.
 */
export async function landSources(env: Environment, options: LandOptions = {}): Promise<LandSummary> {
  const ctx = landContext(env, options);
  const sources = options.sources ?? [...SOURCES];
  for (const source of sources) {
    if (!(SOURCES as readonly string[]).includes(source)) throw new LakehouseError("land", `unknown source "${source}"`, { field: "source" }, `one of ${SOURCES.join(", ")}`);
  }
  const release = acquireLandLock(env, ctx.storage);
  try {
    const stale = await removeStaleStaging(ctx.storage);
    if (stale > 0) ctx.log.info(`land: removed ${stale} stale staging files left by an interrupted run`);
    return await landLocked(ctx, sources);
  } finally {
    release();
  }
}

async function landLocked(ctx: LandContext, sources: readonly SourceName[]): Promise<LandSummary> {
  const entities: EntityResult[] = [];
  const step = async (label: string, fn: () => Promise<EntityResult | EntityResult[]>) => {
    checkInterrupted(ctx.signal);
    const out = await ctx.log.step(label, fn, (r) =>
      (Array.isArray(r) ? r : [r]).map((e) => `${e.entity}: ${e.partitions} partitions, ${e.rows} rows, ${e.bytes} bytes`).join("; "),
    );
    entities.push(...(Array.isArray(out) ? out : [out]));
  };
  if (sources.includes("catalog")) await step("land catalog", () => landCatalog(ctx));
  if (sources.includes("api")) await step("land api", () => landApi(ctx));
  if (sources.includes("sparkify")) {
    await step("land sparkify/songs", () => landSparkifySongs(ctx));
    await step("land sparkify/events", () => landSparkifyEvents(ctx));
  }
  warnEmpty(ctx, entities);
  return { window: ctx.window, location: ctx.storage.location, entities };
}

/** A warning per entity the window landed nothing (or no record) for: a day without a Sparkify log, an API day with no data. */
function warnEmpty(ctx: LandContext, entities: EntityResult[]): void {
  const { start_date, end_date } = ctx.window;
  const window = start_date === end_date ? start_date : `${start_date} .. ${end_date}`;
  for (const e of entities) {
    if (e.partitions === 0) {
      const where = e.entity === "sparkify/events" ? `: no log file YYYY-MM-DD-events.json of those days under ${joinSourcePath(ctx.sparkifyPath, "log_data")}` : "";
      ctx.log.warn(`land: the window ${window} landed nothing for ${e.entity}${where}`);
    } else if (e.rows === 0) {
      ctx.log.warn(`land: the window ${window} landed ${e.partitions} partition${e.partitions === 1 ? "" : "s"} of ${e.entity} holding no record`);
    }
  }
}
