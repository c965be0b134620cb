// Run artifacts, like dbt's run_results.json: one file per invocation under `.lakehouse/<env>/runs/`, plus
// `latest.json` (a copy of the newest). `status`, `retry`, the graph page and `test` read the latest
// invocation only: results are never merged across invocations.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";

/** An action's outcome in one invocation. `disabled` = compiled but not run (e.g. warn-level rules in Dataform). */
export type OutcomeStatus = "succeeded" | "failed" | "skipped" | "disabled";

export interface ActionOutcome {
  status: OutcomeStatus;
  /** table, view, incremental, assertion, operation, test, declaration. */
  type?: string;
  started_at?: string;
  finished_at?: string;
  seconds?: number;
  /** Rows affected, where the warehouse reports them. */
  rows_affected?: number;
  /** sha256 (hex, first 16 chars) of the SQL the action ran. */
  sql_hash?: string;
  /** Failure message, one line first; SQLX file and line when known. */
  message?: string;
  /** For skipped actions: the failed (or failing-assertion) upstream action that caused the skip. */
  skipped_because?: string;
  /** For assertions/rules: the count of failing rows and up to 5 example rows. */
  failing_rows?: number;
  examples?: Record<string, unknown>[];
}

export interface Invocation {
  /** Sortable id: `<ISO time without separators>-<random>`. */
  invocation_id: string;
  /** The lakehouse command (run, test, build, all, retry, …). */
  command: string;
  /** The command line arguments after the command name (secrets never appear here). */
  args: string[];
  env: string;
  started_at: string;
  finished_at?: string;
  /** What was selected, so that `retry` can reproduce it. */
  selection?: { select?: string[]; exclude?: string[]; full_refresh?: boolean; vars?: Record<string, string>; schema_suffix?: string };
  /** Overall outcome: ok when nothing failed. */
  status?: "ok" | "failed" | "interrupted";
  /** Keyed by `schema.name` (as Dataform names the action's target). */
  actions: Record<string, ActionOutcome>;
}

export function runsDir(env: Environment): string {
  return path.join(env.stackDir, "runs");
}

export function latestFile(env: Environment): string {
  return path.join(runsDir(env), "latest.json");
}

export function newInvocation(env: Environment, command: string, args: string[], selection?: Invocation["selection"]): Invocation {
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:.]/g, "");
  return {
    invocation_id: `${stamp}-${crypto.randomBytes(3).toString("hex")}`,
    command,
    args,
    env: env.name,
    started_at: now.toISOString(),
    ...(selection ? { selection } : {}),
    actions: {},
  };
}

export function sqlHash(sql: string): string {
  return crypto.createHash("sha256").update(sql).digest("hex").slice(0, 16);
}

/** Writes the invocation's file and points `latest.json` at it (both written atomically). */
export function saveInvocation(env: Environment, invocation: Invocation): string {
  const dir = runsDir(env);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${invocation.invocation_id}.json`);
  const text = `${JSON.stringify(invocation, null, 2)}\n`;
  for (const target of [file, latestFile(env)]) {
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
  }
  return file;
}

/** The latest invocation, or undefined when there is none. */
export function readLatest(env: Environment): Invocation | undefined {
  try {
    return JSON.parse(fs.readFileSync(latestFile(env), "utf8")) as Invocation;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Counts of each status, for summaries: every one of the four is always present. */
export function countOutcomes(actions: Record<string, ActionOutcome>): Record<OutcomeStatus, number> {
  const counts: Record<OutcomeStatus, number> = { succeeded: 0, failed: 0, skipped: 0, disabled: 0 };
  for (const a of Object.values(actions)) counts[a.status]++;
  return counts;
}
