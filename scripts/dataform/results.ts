import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";

export type ActionStatus = "successful" | "failed";

export interface ActionResult {
  status: ActionStatus;
  kind: "dataset" | "assertion" | "operation";
  /** Table type as Dataform prints it (table, view, incremental) for datasets. */
  type?: string;
  error?: string;
}

export interface RunResults {
  finished_at: string;
  command: string;
  actions: Record<string, ActionResult>;
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes are control characters
const ANSI = /\u001b\[[0-9;]*m/g;

/** A Dataform output line without its colour codes and surrounding blanks. */
export function plain(line: string): string {
  return line.replace(ANSI, "").trim();
}

const PATTERNS: [RegExp, ActionStatus, ActionResult["kind"]][] = [
  [/^Dataset created:\s+(\S+)(?:\s+\[(\w+)\])?/, "successful", "dataset"],
  [/^Dataset creation failed:\s+(\S+)(?:\s+\[(\w+)\])?/, "failed", "dataset"],
  [/^Assertion passed:\s+(\S+)/, "successful", "assertion"],
  [/^Assertion failed:\s+(\S+)/, "failed", "assertion"],
  [/^Operation completed successfully:\s+(\S+)/, "successful", "operation"],
  [/^Operation failed:\s+(\S+)/, "failed", "operation"],
];

/** Reads the per-action outcome lines of `dataform run` (stdout and stderr merged in order of arrival). */
export function parseRunOutput(lines: string[]): Record<string, ActionResult> {
  const actions: Record<string, ActionResult> = {};
  let last: ActionResult | undefined;
  for (const raw of lines) {
    const line = plain(raw);
    const hit = PATTERNS.find(([re]) => re.test(line));
    if (hit) {
      const match = hit[0].exec(line)!;
      last = { status: hit[1], kind: hit[2], ...(match[2] ? { type: match[2] } : {}) };
      actions[match[1]] = last;
    } else if (last?.status === "failed" && !last.error && /error:/.test(line)) {
      last.error = line.replace(/^.*?error:\s*/, "");
    }
  }
  return actions;
}

export function lastRunFile(env: Environment): string {
  return path.join(env.stackDir, "last-run.json");
}

/** Merges a run's outcomes into the last-run file (the graph page colours nodes by it). */
export function recordRun(env: Environment, command: string, actions: Record<string, ActionResult>): RunResults {
  const file = lastRunFile(env);
  let previous: RunResults | undefined;
  try {
    previous = JSON.parse(fs.readFileSync(file, "utf8")) as RunResults;
  } catch {
    previous = undefined;
  }
  const results: RunResults = { finished_at: new Date().toISOString(), command, actions: { ...(previous?.actions ?? {}), ...actions } };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return results;
}
