import { addManifest, emptyResult, type EntityResult, type LandContext } from "./context.ts";
import { fetchJsonArray } from "./http.ts";
import { daysOf } from "./layout.ts";
import { LakehouseError } from "../core/errors.ts";
import type { Manifest, ManifestOrigin } from "./manifest.ts";
import { checkInterrupted, Interrupted } from "./run-guard.ts";
import { PartitionStager } from "./stager.ts";

export const API_ENTITIES = ["api/users", "api/sessions"] as const;
export type ApiEntity = (typeof API_ENTITIES)[number];

/** The request for one entity and day, exactly as landed in the manifest. */
export function apiUrl(baseUrl: string, entity: ApiEntity, day: string): string {
  const path = entity === "api/users" ? "users" : "sessions";
  return `${baseUrl.replace(/\/+$/, "")}/${path}?start_date=${day}&end_date=${day}`;
}

/** The error of a failed day: which entity, which day, and that none of the day's entities was published. */
function dayFailed(error: unknown, entity: ApiEntity, day: string, entities: readonly ApiEntity[]): LakehouseError {
  const others = entities.filter((e) => e !== entity);
  const message = `${entity} of ${day} failed, so ${others.length ? `neither it nor ${others.join(", ")} of that day was` : "nothing of that day was"} published: ${error instanceof LakehouseError ? error.message : (error as Error).message}`;
  return new LakehouseError("land", message, error instanceof LakehouseError ? error.context : {}, error instanceof LakehouseError ? error.hint : undefined, { cause: error });
}

/**
 * Lands the API's users and sessions, one request and one partition per day of the window, the body stored
 * as received (duplicates and odd records included: silver judges them). A day that fails after its retries
 * stops the run with the entity, day, URL and byte offset; nothing of that day is published, for any entity
 * (the day's partitions are published one after the other only once all of them are staged).
 */
export async function landApi(ctx: LandContext, entities: readonly ApiEntity[] = API_ENTITIES): Promise<EntityResult[]> {
  const days = daysOf(ctx.window.start_date, ctx.window.end_date);
  const byDay = new Map<string, Manifest[]>();
  let done = 0;
  // A day is landed whole across entities: every entity is fetched and staged first, then all are published
  // together; if one fails, nothing of the day is published and the error names the entity and the day.
  const landDay = async (day: string) => {
    const staged: { stager: PartitionStager; url: string; fetchedUrl: string; startedAt: Date }[] = [];
    let current: ApiEntity = entities[0];
    try {
      for (const entity of entities) {
        checkInterrupted(ctx.signal);
        current = entity;
        const startedAt = new Date();
        const url = apiUrl(ctx.apiBaseUrl, entity, day);
        const fetched = await fetchJsonArray(url, ctx.retry, (message) => ctx.log.warn(message), { followRedirects: ctx.followRedirects, signal: ctx.signal });
        const stager = new PartitionStager(ctx.storage, entity, day, "json");
        staged.push({ stager, url, fetchedUrl: fetched.url, startedAt });
        await stager.addFile(fetched.body, { rows: fetched.rows, original: url });
      }
      checkInterrupted(ctx.signal);
    } catch (error) {
      for (const { stager } of staged) await stager.abort();
      if (error instanceof Interrupted) throw error;
      throw dayFailed(error, current, day, entities);
    }
    const manifests: Manifest[] = [];
    try {
      for (const { stager, url, fetchedUrl, startedAt } of staged) {
        const origin: ManifestOrigin = fetchedUrl === url ? { kind: "http", url } : { kind: "http", url: fetchedUrl, requested_url: url };
        manifests.push(await stager.publish({ source: "api", format: "json", origin, window: { start_date: day, end_date: day }, startedAt }));
      }
    } catch (error) {
      for (const { stager } of staged.slice(manifests.length)) await stager.abort();
      throw dayFailed(error, staged[manifests.length].stager.entity as ApiEntity, day, entities);
    }
    byDay.set(day, manifests);
    ctx.log.progress("land api", ++done, days.length);
  };
  // Days are independent partitions: a few at once. After a failure no new day starts; the first error wins.
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (failures.length === 0 && next < days.length) {
      const day = days[next++];
      try {
        await landDay(day);
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(ctx.apiConcurrency, days.length)) }, worker));
  if (failures.length > 0) throw failures[0];
  const results = entities.map((e) => emptyResult(e));
  for (const day of days) for (const [i, manifest] of (byDay.get(day) ?? []).entries()) addManifest(results[i], manifest);
  return results;
}
