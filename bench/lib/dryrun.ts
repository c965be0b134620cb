/**
 * Dataform's execution graph (`dataform run --dry-run --json`): the exact SQL a run would send, so the
 * benchmark can send the same statements straight to PostgreSQL, with no framework in between.
 */
import * as fs from "node:fs";
import type pg from "pg";
import type { Environment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { writeCredentials } from "../../scripts/dataform/credentials.ts";
import { dataform } from "../../scripts/dataform/runner.ts";

export interface Target {
  schema: string;
  name: string;
}

export interface PlannedAction {
  name: string;
  type: string;
  target: Target;
  dependencies: string[];
  tasks: { type: string; statement: string }[];
}

interface RawAction {
  type: string;
  target: Target;
  tableType?: string;
  dependencyTargets?: Target[];
  tasks?: { type: string; statement: string }[];
}

const key = (t: Target) => `${t.schema}.${t.name}`;

/** The actions `dataform run <args>` would execute, in a dependency order (Kahn, stable on the listed order). */
export async function dryRun(env: Environment, args: string[]): Promise<PlannedAction[]> {
  writeCredentials(env);
  const result = await dataform(env, ["run", "--dry-run", "--json", ...args], { withCredentials: true });
  if (result.code !== 0) throw new Error(`dataform run --dry-run exited with ${result.code}: ${result.lines.slice(-5).join(" | ")}`);
  const start = result.stdout.indexOf("{");
  const graph = JSON.parse(result.stdout.slice(start)) as { actions: RawAction[] };
  const actions = graph.actions.map((a) => ({
    name: key(a.target),
    type: a.type,
    target: a.target,
    dependencies: (a.dependencyTargets ?? []).map(key),
    tasks: a.tasks ?? [],
  }));
  const present = new Set(actions.map((a) => a.name));
  const done = new Set<string>();
  const ordered: PlannedAction[] = [];
  while (ordered.length < actions.length) {
    const ready = actions.filter((a) => !done.has(a.name) && a.dependencies.every((d) => done.has(d) || !present.has(d)));
    if (ready.length === 0) throw new Error("dependency cycle in the dry-run graph");
    for (const a of ready) {
      done.add(a.name);
      ordered.push(a);
    }
  }
  return ordered;
}

export interface DirectRun {
  seconds: number;
  /** Seconds per action, slowest first. */
  perAction: { name: string; type: string; seconds: number }[];
  failedAssertions: string[];
}

/** Sends every task's statement in order on one connection (assertion tasks: a row count > 0 fails, as in Dataform). */
export async function runDirect(client: pg.Client, actions: PlannedAction[]): Promise<DirectRun> {
  const perAction: DirectRun["perAction"] = [];
  const failedAssertions: string[] = [];
  const started = performance.now();
  // Dataform creates the target schemas before the actions (not part of any task).
  for (const schema of new Set(actions.map((a) => a.target.schema))) await client.query(`create schema if not exists "${schema.replaceAll('"', '""')}"`);
  for (const action of actions) {
    const t = performance.now();
    for (const task of action.tasks) {
      const r = await client.query(task.statement);
      // An assertion task returns row_count = sum(1) over the failing rows: null or 0 means it passed.
      if (task.type === "assertion" && Number(r.rows[0]?.row_count ?? 0) > 0) failedAssertions.push(action.name);
    }
    perAction.push({ name: action.name, type: action.type, seconds: (performance.now() - t) / 1000 });
  }
  perAction.sort((a, b) => b.seconds - a.seconds);
  return { seconds: (performance.now() - started) / 1000, perAction, failedAssertions };
}

/** Seconds of a direct run's assertions (`assertions`), or of its other actions (tables, views, operations). */
export function secondsOf(run: DirectRun, assertions: boolean): number {
  return run.perAction.filter((a) => (a.type === "assertion") === assertions).reduce((n, a) => n + a.seconds, 0);
}

/** Writes a direct run's seconds per action to bench/out/<name>.json; returns its slowest `n` actions as text. */
export function saveProfile(run: DirectRun, name: string, n = 6): string {
  fs.mkdirSync(fromRoot("bench", "out"), { recursive: true });
  fs.writeFileSync(fromRoot("bench", "out", `${name}.json`), `${JSON.stringify(run.perAction, null, 1)}\n`);
  return run.perAction.slice(0, n).map((a) => `${a.name} ${a.seconds.toFixed(2)} s`).join(", ");
}
