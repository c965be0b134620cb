import type { CompiledAction, CompiledGraph } from "../dataform/compile.ts";

/**
 * The statements Dataform 2.6.7's Redshift adapter sends for each action, rebuilt offline from the compiled
 * graph (the CLI only shows them after connecting to a warehouse, with `run --dry-run`). The templates follow
 * `RedshiftAdapter` in @dataform/cli 2.6.7 (publishTasks, createOrReplace, createTable, mergeInto, assertTasks):
 * keep them in step when the pinned version changes.
 */

export interface RedshiftOptions {
  distStyle?: string;
  distKey?: string;
  sortStyle?: string;
  sortKeys?: string[];
  bind?: boolean;
}

/** A compiled action with the fields the Redshift adapter reads (the lead's CompiledAction names the common ones). */
export interface ProdAction extends CompiledAction {
  redshift?: RedshiftOptions;
  preOps?: string[];
  postOps?: string[];
  incrementalQuery?: string;
  incrementalPreOps?: string[];
  incrementalPostOps?: string[];
  uniqueKey?: string[];
  where?: string;
  enumType?: string;
  hasOutput?: boolean;
  protected?: boolean;
}

export type ActionKind = "table" | "view" | "incremental" | "operation" | "assertion";

export interface Target {
  schema: string;
  name: string;
}

export function targetName(target: Target): string {
  return `${target.schema}.${target.name}`;
}

function quoted(target: Target): string {
  return `"${target.schema}"."${target.name}"`;
}

/** How the run writes an incremental table: rebuilt (first run or full refresh) or appended/merged into. */
export type WriteMode = "create" | "incremental";

function where(query: string, condition?: string): string {
  return condition ? `\n  select * from (${query}) as subquery\n    where ${condition}` : query;
}

function createTable(action: ProdAction, target: Target): string {
  let query = `create table ${quoted(target)}`;
  const rs = action.redshift;
  if (rs) {
    if (rs.distStyle && rs.distKey) query = `${query} diststyle ${rs.distStyle} distkey (${rs.distKey})`;
    if (rs.sortStyle && rs.sortKeys) query = `${query} ${rs.sortStyle} sortkey (${rs.sortKeys.join(", ")})`;
  }
  return `${query} as ${action.query ?? ""}`;
}

function createOrReplace(action: ProdAction, kind: "table" | "view" | "incremental"): string[] {
  const target = action.target;
  if (kind === "view") {
    // Dataform >= 1.4.1 defaults to late binding views on Redshift (bind false).
    const bind = action.redshift?.bind === true;
    return [`drop view if exists ${quoted(target)}`, `create or replace view ${quoted(target)} as ${action.query ?? ""}${bind ? "" : " with no schema binding"}`];
  }
  const temp = { schema: target.schema, name: `${target.name}_temp` };
  return [`drop table if exists ${quoted(temp)}`, createTable(action, temp), `drop table if exists ${quoted(target)}`, `alter table ${quoted(temp)} rename to "${target.name}"`];
}

function mergeInto(target: Target, query: string, uniqueKey: string[]): string[] {
  const finalTarget = quoted(target);
  const temp = `"${target.schema}__${target.name}_incremental_temp"`;
  return [
    `drop table if exists ${temp};`,
    `create temp table ${temp} as select * from (${query}\n) as data;`,
    "begin transaction;",
    `delete from ${finalTarget} using ${temp} where ${uniqueKey.map((k) => `${finalTarget}."${k}" = ${temp}."${k}"`).join(" and ")};`,
    `insert into ${finalTarget} select * from ${temp};`,
    "end transaction;",
    `drop table ${temp};`,
  ];
}

/** The kind of an action as the plan reports it. */
export function actionKind(action: ProdAction, group: "tables" | "operations" | "assertions"): ActionKind {
  if (group === "operations") return "operation";
  if (group === "assertions") return "assertion";
  const type = (action.type ?? action.enumType ?? "table").toLowerCase();
  return type === "view" ? "view" : type === "incremental" ? "incremental" : "table";
}

/**
 * The statements the Redshift adapter runs for one action. `mode` matters only for incremental tables:
 * "create" is the first run (or --full-refresh); "incremental" inserts (or merges on uniqueKey) the
 * incremental query into the existing table. Dataform lists the existing table's columns in the insert; offline
 * they are unknown, so the preview inserts `select *` in query order (the statement shape is the same).
 */
export function redshiftStatements(action: ProdAction, kind: ActionKind, mode: WriteMode = "create"): string[] {
  if (action.disabled) return [];
  if (kind === "operation") return [...(action.queries ?? [])];
  if (kind === "assertion") {
    return [`drop view if exists ${quoted(action.target)}`, `create or replace view ${quoted(action.target)} as ${action.query ?? ""} with no schema binding`, `select sum(1) as row_count from ${quoted(action.target)}`];
  }
  const incremental = kind === "incremental" && mode === "incremental";
  const pre = (incremental ? action.incrementalPreOps : action.preOps) ?? [];
  const post = (incremental ? action.incrementalPostOps : action.postOps) ?? [];
  let body: string[];
  if (incremental) {
    const query = where(action.incrementalQuery || action.query || "", action.where);
    body = action.uniqueKey && action.uniqueKey.length > 0 ? mergeInto(action.target, query, action.uniqueKey) : [`insert into ${quoted(action.target)}\nselect *\nfrom (${query}) as insertions`];
  } else {
    body = createOrReplace(action, kind);
  }
  return [...pre, ...body, ...post];
}

/** One action of the graph with everything the plan and the checks need. */
export interface GraphAction {
  target: string;
  kind: ActionKind;
  action: ProdAction;
  fileName?: string;
  tags: string[];
  /** Targets of other actions in this graph that must run first (declarations are left out). */
  dependencies: string[];
}

/** Every runnable action (tables, operations, assertions) of a compiled graph. */
export function graphActions(graph: CompiledGraph): GraphAction[] {
  const groups: ["tables" | "operations" | "assertions", ProdAction[]][] = [
    ["tables", (graph.tables ?? []) as ProdAction[]],
    ["operations", (graph.operations ?? []) as ProdAction[]],
    ["assertions", (graph.assertions ?? []) as ProdAction[]],
  ];
  const actions: GraphAction[] = [];
  for (const [group, list] of groups) {
    for (const action of list) {
      actions.push({
        target: targetName(action.target),
        kind: actionKind(action, group),
        action,
        fileName: action.fileName,
        tags: action.tags ?? [],
        dependencies: (action.dependencyTargets ?? []).map(targetName),
      });
    }
  }
  const known = new Set(actions.map((a) => a.target));
  for (const a of actions) a.dependencies = a.dependencies.filter((d) => known.has(d));
  return actions;
}

/**
 * Actions in an order a run may execute them: every action after its dependencies; among the ready ones,
 * operations tagged `setup` first, then other operations, models, assertions, each by target name (stable,
 * so plans diff cleanly). A cycle (Dataform
 * refuses those at compile time) is broken by name order rather than looping.
 */
export function executionOrder(actions: GraphAction[]): GraphAction[] {
  const byTarget = new Map(actions.map((a) => [a.target, a]));
  const remaining = new Map(actions.map((a) => [a.target, new Set(a.dependencies.filter((d) => byTarget.has(d) && d !== a.target))]));
  // Setup operations, then other operations, then models, then assertions (which nothing depends on).
  const rank = (a: GraphAction) => (a.tags.includes("setup") ? 0 : a.kind === "operation" ? 1 : a.kind === "assertion" ? 3 : 2);
  const ordered: GraphAction[] = [];
  while (remaining.size > 0) {
    let ready = [...remaining.entries()].filter(([, deps]) => deps.size === 0).map(([t]) => byTarget.get(t)!);
    if (ready.length === 0) ready = [byTarget.get([...remaining.keys()].sort()[0])!];
    ready.sort((a, b) => rank(a) - rank(b) || a.target.localeCompare(b.target));
    const next = ready[0];
    ordered.push(next);
    remaining.delete(next.target);
    for (const deps of remaining.values()) deps.delete(next.target);
  }
  return ordered;
}
