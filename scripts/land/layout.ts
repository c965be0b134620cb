import { LakehouseError } from "../core/errors.ts";

/** The landed entities, `source/entity`. */
export const ENTITIES = ["catalog/songs", "api/users", "api/sessions", "sparkify/songs", "sparkify/events"] as const;
export type EntityName = (typeof ENTITIES)[number];

export const SOURCES = ["catalog", "api", "sparkify"] as const;
export type SourceName = (typeof SOURCES)[number];

export const MANIFEST_NAME = "_manifest.json";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** Throws unless `value` is a plain calendar date: anything else could name a path outside the partition. */
export function checkDate(value: string, field: string): string {
  if (!isIsoDate(value)) {
    throw new LakehouseError(
      "land",
      `refused date ${JSON.stringify(value)}: not a calendar date YYYY-MM-DD (a landing path must never escape the bucket)`,
      { field },
    );
  }
  return value;
}

/** Every day from start to end inclusive. */
export function daysOf(start: string, end: string): string[] {
  checkDate(start, "start_date");
  checkDate(end, "end_date");
  if (start > end) throw new LakehouseError("land", `start_date ${start} is after end_date ${end}`, { field: "start_date" });
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** `landing/<source>/<entity>/` */
export function entityPrefix(entity: EntityName): string {
  if (!(ENTITIES as readonly string[]).includes(entity)) throw new LakehouseError("land", `unknown entity ${JSON.stringify(entity)}`, { field: "entity" }, `one of ${ENTITIES.join(", ")}`);
  return `landing/${entity}/`;
}

/** `landing/<source>/<entity>/ingest_on=YYYY-MM-DD/` (the date is checked). */
export function partitionPrefix(entity: EntityName, ingestOn: string): string {
  return `${entityPrefix(entity)}ingest_on=${checkDate(ingestOn, "ingest_on")}/`;
}

/** `part-00042.jsonl` */
export function partName(index: number, ext: string): string {
  return `part-${String(index).padStart(5, "0")}.${ext}`;
}
