import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import type { CompiledGraph } from "../dataform/compile.ts";
import { projectDir } from "../dataform/runner.ts";
import { executionOrder, graphActions, redshiftStatements, type ActionKind, type GraphAction, type ProdAction } from "./ddl.ts";

/**
 * `lakehouse plan --env prod`: what a run would do, from the compiled graph alone (nothing is touched:
 * no AWS call, no credentials). Each action is compared with the graph of the last successful prod run,
 * saved by {@link saveCompiledState} in `.build/prod/last-compiled.json`.
 */

export type Change = "new" | "changed" | "unchanged";

export interface PlannedAction {
  /** Position in the run (1-based; actions run after their dependencies). */
  step: number;
  target: string;
  kind: ActionKind;
  change: Change;
  /** For changed actions: which parts differ (query, redshift options, dependencies, …). */
  changedFields?: string[];
  /** Disabled in the project: a run skips it. */
  disabled?: true;
  /** For incremental tables: rebuilt (new) or appended to / merged into (existed at the last run). */
  write?: "create" | "incremental";
  tags: string[];
  fileName?: string;
  dependencies: string[];
  /** The statements Dataform's Redshift adapter would send. */
  statements: string[];
}

export interface Plan {
  env: string;
  warehouse: string;
  /** When the compared state was saved (null: no earlier run, every action is new). */
  comparedWith: string | null;
  actions: PlannedAction[];
  /** Actions of the last run that are no longer in the project (Dataform does not drop their tables). */
  removed: string[];
  summary: Record<Change, number> & { removed: number; statements: number };
}

interface SavedState {
  version: 1;
  savedAt: string;
  graph: CompiledGraph;
}

/** Where the graph of the last successful run of an environment is kept (git-ignored). */
export function lastCompiledFile(env: Environment): string {
  return path.join(projectDir(env), "last-compiled.json");
}

/** Saves the compiled graph of a successful run (call after `lakehouse run --env prod` succeeds). */
export function saveCompiledState(env: Environment, graph: CompiledGraph, now: Date = new Date()): string {
  const file = lastCompiledFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const state: SavedState = { version: 1, savedAt: now.toISOString(), graph };
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(state)}\n`);
  fs.renameSync(temp, file);
  return file;
}

/** The graph of the last successful run, or null when there has been none. */
export function loadCompiledState(env: Environment): { savedAt: string; graph: CompiledGraph } | null {
  const file = lastCompiledFile(env);
  if (!fs.existsSync(file)) return null;
  try {
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as SavedState;
    if (state.version !== 1 || !state.graph) throw new Error(`unknown format version ${String(state.version)}`);
    return { savedAt: state.savedAt, graph: state.graph };
  } catch (error) {
    throw new LakehouseError("plan", `cannot read the last compiled state: ${(error as Error).message}`, { file }, "delete it to plan as if nothing had run");
  }
}

/** The parts of an action that decide what a run does to it. */
function fingerprint(a: GraphAction): Record<string, string> {
  const x: ProdAction = a.action;
  const parts: Record<string, unknown> = {
    kind: a.kind,
    query: x.query,
    incrementalQuery: x.incrementalQuery,
    queries: x.queries,
    preOps: x.preOps,
    postOps: x.postOps,
    incrementalPreOps: x.incrementalPreOps,
    incrementalPostOps: x.incrementalPostOps,
    redshift: x.redshift,
    uniqueKey: x.uniqueKey,
    where: x.where,
    // As declared (not filtered to the graph's actions), so a dependency's own change does not mark its dependents.
    dependencies: (x.dependencyTargets ?? []).map((t) => `${t.schema}.${t.name}`).sort(),
    disabled: Boolean(x.disabled),
    protected: Boolean(x.protected),
  };
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, createHash("sha256").update(JSON.stringify(v ?? null)).digest("hex")]));
}

/** Which fingerprint parts differ. */
function changedFields(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after).filter((k) => before[k] !== after[k]);
}

/**
 * The plan of a run of `graph` (optionally only actions with one of `tags`, as `run --tags`), compared with
 * `previous` (the graph of the last successful run, or null). Pure.
 */
export function buildPlan(env: string, graph: CompiledGraph, previous: { savedAt: string; graph: CompiledGraph } | null, options: { tags?: string[] } = {}): Plan {
  const before = new Map((previous ? graphActions(previous.graph) : []).map((a) => [a.target, a]));
  let actions = graphActions(graph);
  if (options.tags && options.tags.length > 0) {
    const tags = new Set(options.tags);
    actions = actions.filter((a) => a.tags.some((t) => tags.has(t)));
    const kept = new Set(actions.map((a) => a.target));
    for (const a of actions) a.dependencies = a.dependencies.filter((d) => kept.has(d));
  }
  const planned: PlannedAction[] = executionOrder(actions).map((a, i) => {
    const old = before.get(a.target);
    const fields = old ? changedFields(fingerprint(old), fingerprint(a)) : [];
    const change: Change = !old ? "new" : fields.length > 0 ? "changed" : "unchanged";
    // A table that existed at the last run (and is still a table) is appended to; a new one is created.
    const write = a.kind === "incremental" ? (old && old.kind === "incremental" ? "incremental" : "create") : undefined;
    return {
      step: i + 1,
      target: a.target,
      kind: a.kind,
      change,
      ...(change === "changed" ? { changedFields: fields } : {}),
      ...(write ? { write } : {}),
      ...(a.action.disabled ? { disabled: true as const } : {}),
      tags: a.tags,
      ...(a.fileName ? { fileName: a.fileName } : {}),
      dependencies: a.dependencies,
      statements: redshiftStatements(a.action, a.kind, write ?? "create"),
    };
  });
  const now = new Set(graphActions(graph).map((a) => a.target));
  const removed = [...before.keys()].filter((t) => !now.has(t)).sort();
  const count = (c: Change) => planned.filter((p) => p.change === c).length;
  return {
    env,
    warehouse: graph.projectConfig.warehouse,
    comparedWith: previous?.savedAt ?? null,
    actions: planned,
    removed,
    summary: { new: count("new"), changed: count("changed"), unchanged: count("unchanged"), removed: removed.length, statements: planned.reduce((n, p) => n + p.statements.length, 0) },
  };
}

/** The plan for people: one line per action in run order, then the summary; `sql` adds the statements. */
export function formatPlan(plan: Plan, options: { sql?: boolean } = {}): string {
  const mark: Record<Change, string> = { new: "+", changed: "~", unchanged: " " };
  const lines = [
    `plan for --env ${plan.env} (warehouse ${plan.warehouse}), compared with ${plan.comparedWith ? `the last run saved ${plan.comparedWith}` : "nothing (no earlier run: every action is new)"}`,
    "",
  ];
  const width = Math.max(10, ...plan.actions.map((a) => a.target.length));
  for (const a of plan.actions) {
    const detail = [
      a.change === "changed" ? `changed: ${a.changedFields!.join(", ")}` : a.change,
      a.write ? (a.write === "incremental" ? "append/merge into existing table" : "create table") : "",
      a.disabled ? "disabled (skipped)" : `${a.statements.length} statement${a.statements.length === 1 ? "" : "s"}`,
      a.tags.length ? `tags ${a.tags.join(",")}` : "",
    ].filter(Boolean);
    lines.push(`${mark[a.change]} ${String(a.step).padStart(3)}. ${a.kind.padEnd(11)} ${a.target.padEnd(width)}  ${detail.join("; ")}`);
    if (options.sql) for (const s of a.statements) lines.push(...s.trim().split("\n").map((l, i) => `${i === 0 ? "        > " : "          "}${l}`));
  }
  for (const t of plan.removed) lines.push(`-      ${"removed".padEnd(11)} ${t.padEnd(width)}  no longer in the project (a run does not drop it)`);
  const s = plan.summary;
  lines.push("", `${plan.actions.length} actions: ${s.new} new, ${s.changed} changed, ${s.unchanged} unchanged; ${s.removed} removed; ${s.statements} statements. Nothing was run.`);
  return lines.join("\n");
}
