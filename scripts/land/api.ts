import { addManifest, emptyResult, type EntityResult, type LandContext } from "./context.ts";
import { fetchJsonArray } from "./http.ts";
import { daysOf } from "./layout.ts";
import type { Manifest } from "./manifest.ts";
import { PartitionStager } from "./stager.ts";

export const API_ENTITIES = ["api/users", "api/sessions"] as const;
export type ApiEntity = (typeof API_ENTITIES)[number];

/** The request for one entity and day, exactly as landed in the manifest. */
export function apiUrl(baseUrl: string, entity: ApiEntity, day: string): string {
  const path = entity === "api/users" ? "users" : "sessions";
  return `${baseUrl.replace(/\/+$/, "")}/${path}?start_date=${day}&end_date=${day}`;
}

/**
 * Lands the API's users and sessions, one request and one partition per day of the window, the body stored
 * as received (duplicates and odd records included: silver judges them). A day that fails after its retries
 * stops the run with the URL and byte offset; nothing of that day is published.
 */
export async function landApi(ctx: LandContext, entities: readonly ApiEntity[] = API_ENTITIES): Promise<EntityResult[]> {
  const days = daysOf(ctx.window.start_date, ctx.window.end_date);
  const byDay = new Map<string, Manifest[]>();
  let done = 0;
  const landDay = async (day: string) => {
    const manifests: Manifest[] = [];
    for (const entity of entities) {
      const startedAt = new Date();
      const url = apiUrl(ctx.apiBaseUrl, entity, day);
      const fetched = await fetchJsonArray(url, ctx.retry, (message) => ctx.log.warn(message), { followRedirects: ctx.followRedirects });
      const stager = new PartitionStager(ctx.storage, entity, day, "json");
      try {
        await stager.addFile(fetched.body, { rows: fetched.rows, original: url });
        manifests.push(await stager.publish({ source: "api", format: "json", origin: fetched.url === url ? { kind: "http", url } : { kind: "http", url: fetched.url, requested_url: url }, window: { start_date: day, end_date: day }, startedAt }));
      } catch (error) {
        await stager.abort();
        throw error;
      }
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
