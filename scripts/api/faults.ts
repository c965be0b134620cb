import { Random } from "./random.ts";

/** Request faults break the response; record faults change records inside a valid response. */
export const REQUEST_FAULTS = ["500", "429", "slow", "truncate", "malformed", "redirect"] as const;
export const RECORD_FAULTS = ["duplicate", "missing_field", "wrong_type"] as const;
export type FaultKind = (typeof REQUEST_FAULTS)[number] | (typeof RECORD_FAULTS)[number];

export interface FaultSpec {
  /** Request faults: the first N requests for each distinct URL get it (then it heals). */
  times?: number;
  /** Probability: per request (deterministic per URL and attempt) or per record. Default 1 / 0.05. */
  rate?: number;
  /** 429: Retry-After seconds (default 1). */
  retry_after?: number;
  /** slow: delay before answering (default 3000 ms). */
  delay_ms?: number;
  /** Only these paths ("/users", "/sessions"); default both. */
  paths?: string[];
  /** redirect: base URL the 302 points at (another origin); default the same server. The target is `<to>/moved<path>?<query>`. */
  to?: string;
}

export type FaultConfig = Partial<Record<FaultKind, FaultSpec>>;

const KINDS = new Set<string>([...REQUEST_FAULTS, ...RECORD_FAULTS]);

/** Validates `api.faults` from an environment file (or the test's options). */
export function parseFaultConfig(raw: unknown, where = "api.faults"): FaultConfig {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${where} must be a mapping of fault kind to settings`);
  const out: FaultConfig = {};
  for (const [kind, spec] of Object.entries(raw as Record<string, unknown>)) {
    if (!KINDS.has(kind)) throw new Error(`${where}.${kind} is not a fault kind (one of ${[...KINDS].join(", ")})`);
    if (spec !== null && (typeof spec !== "object" || Array.isArray(spec))) throw new Error(`${where}.${kind} must be a mapping (times, rate, retry_after, delay_ms, paths, to)`);
    for (const [key, value] of Object.entries((spec ?? {}) as Record<string, unknown>)) {
      const ok =
        key === "paths"
          ? Array.isArray(value) && value.every((p) => typeof p === "string")
          : key === "to"
            ? typeof value === "string" && /^https?:\/\//.test(value)
            : ["times", "rate", "retry_after", "delay_ms"].includes(key) && typeof value === "number" && value >= 0;
      if (!ok) throw new Error(`${where}.${kind}.${key} is not valid`);
    }
    out[kind as FaultKind] = (spec ?? {}) as FaultSpec;
  }
  return out;
}

/**
 * Faults asked for by one request: query `fault=500,slow&fault_times=2&retry_after=1&delay_ms=500&fault_rate=0.1`
 * or headers `x-fault`, `x-fault-times`, … (same names). They add to (and override) the configured ones.
 */
export function requestFaults(query: URLSearchParams, headers: Record<string, string | string[] | undefined>): FaultConfig {
  const get = (name: string) => query.get(name) ?? (headers[`x-${name.replace(/_/g, "-")}`] as string | undefined) ?? undefined;
  const kinds = get("fault");
  if (!kinds) return {};
  const spec: FaultSpec = {};
  for (const [param, key] of [["fault_times", "times"], ["fault_rate", "rate"], ["retry_after", "retry_after"], ["delay_ms", "delay_ms"]] as const) {
    const value = get(param);
    if (value !== undefined && value !== null) spec[key] = Number(value);
  }
  const out: Record<string, FaultSpec> = {};
  for (const kind of kinds.split(",").map((k) => k.trim()).filter(Boolean)) out[kind] = { ...spec };
  return parseFaultConfig(out, "fault");
}

/** The query without the fault parameters: the identity of "the same request" for `times` counters. */
export function requestIdentity(path: string, query: URLSearchParams): string {
  const kept = [...query.entries()].filter(([k]) => !["fault", "fault_times", "fault_rate", "retry_after", "delay_ms"].includes(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${path}?${new URLSearchParams(kept).toString()}`;
}

/** Counts requests per (fault, identity) to decide `times` faults. */
export class FaultCounter {
  private readonly counts = new Map<string, number>();

  /** The request faults that fire for this request (in a fixed order), counting it. */
  decide(config: FaultConfig, path: string, identity: string): { kind: (typeof REQUEST_FAULTS)[number]; spec: FaultSpec }[] {
    const fired: { kind: (typeof REQUEST_FAULTS)[number]; spec: FaultSpec }[] = [];
    for (const kind of REQUEST_FAULTS) {
      const spec = config[kind];
      if (!spec || (spec.paths && !spec.paths.includes(path))) continue;
      const key = `${kind}\u0001${identity}`;
      const seen = this.counts.get(key) ?? 0;
      this.counts.set(key, seen + 1);
      const fires = spec.times !== undefined ? seen < spec.times : spec.rate !== undefined ? Random.of("fault", kind, identity, seen).chance(spec.rate) : true;
      if (fires) fired.push({ kind, spec });
    }
    return fired;
  }
}

/**
 * Record faults applied to generated records, deterministically (same request, same bytes): duplicates
 * next to their original, a required field removed, a field with the wrong type. Returns a new array.
 */
export function applyRecordFaults(records: Record<string, unknown>[], config: FaultConfig, path: string, identity: string): Record<string, unknown>[] {
  const active = RECORD_FAULTS.filter((kind) => config[kind] && !(config[kind]!.paths && !config[kind]!.paths!.includes(path)));
  if (active.length === 0) return records;
  const random = Random.of("record-faults", identity);
  const out: Record<string, unknown>[] = [];
  for (const original of records) {
    let record = original;
    if (config.missing_field && active.includes("missing_field") && random.chance(config.missing_field.rate ?? 0.05)) {
      record = structuredClone(record);
      const field = path === "/users" ? random.pick(["user_id", "user_lastname", "user_location", "user_since"]) : random.pick(["user_id", "session_start_time", "session_items"]);
      delete record[field];
    }
    if (config.wrong_type && active.includes("wrong_type") && random.chance(config.wrong_type.rate ?? 0.05)) {
      record = structuredClone(record);
      if (path === "/users") {
        if (random.chance(0.5)) record.user_since = 1541030400;
        else record.user_location = "somewhere";
      } else {
        const items = record.session_items as Record<string, unknown>[] | undefined;
        if (items?.length && random.chance(0.5)) items[0].price = `${items[0].price} USD`;
        else record.session_start_time = 1541030400123;
      }
    }
    out.push(record);
    if (config.duplicate && active.includes("duplicate") && random.chance(config.duplicate.rate ?? 0.05)) out.push(record);
  }
  return out;
}
