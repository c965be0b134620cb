// Which actions a run plans, computed from the compiled graph before Dataform starts: the count every
// outcome is checked against, the names handed to Dataform (`--actions`), and the build's waves.
import { LakehouseError } from "../core/errors.ts";
import type { CompiledGraph } from "./compile.ts";
import { selectableActions, selectActions, type SelectableAction } from "./select.ts";

/** What a command selected: Dataform's options (tags, actions, deps) and dbt's (select, exclude). */
export interface RunSelection {
  tags?: string[];
  actions?: string[];
  includeDeps?: boolean;
  includeDependents?: boolean;
  select?: string[];
  exclude?: string[];
  /** For `state:modified` / `state:new` (select.ts). */
  state?: SelectableAction[];
}

const RUNNABLE = new Set(["table", "view", "incremental", "assertion", "operation"]);

/** The actions `dataform run` runs (not declarations, not unit tests). */
export function runnableActions(graph: CompiledGraph): SelectableAction[] {
  return selectableActions(graph).filter((a) => RUNNABLE.has(a.type));
}

function closure(start: Iterable<string>, next: (name: string) => string[]): Set<string> {
  const seen = new Set(start);
  const queue = [...seen];
  while (queue.length) for (const n of next(queue.pop()!)) if (!seen.has(n)) (seen.add(n), queue.push(n));
  return seen;
}

/** The dependents of each action (reverse edges). */
export function dependentsOf(actions: SelectableAction[]): Map<string, string[]> {
  const out = new Map<string, string[]>(actions.map((a) => [a.name, []]));
  for (const a of actions) for (const d of a.dependencies) out.get(d)?.push(a.name);
  return out;
}

/** Every action downstream of `names` (not including them). */
export function downstream(actions: SelectableAction[], names: Iterable<string>): Set<string> {
  const dependents = dependentsOf(actions);
  const start = [...names];
  const all = closure(start, (n) => dependents.get(n) ?? []);
  for (const n of start) all.delete(n);
  return all;
}

/**
 * The planned action names in graph order. Dataform's semantics for tags/actions (a plain name matches any
 * schema) and include-deps/dependents; select/exclude through the shared selection grammar (select.ts).
 * No selection at all plans every runnable action.
 */
export function planActions(graph: CompiledGraph, selection: RunSelection): string[] {
  const actions = runnableActions(graph);
  const byName = new Map(actions.map((a) => [a.name, a]));
  const dataformStyle = Boolean(selection.tags?.length || selection.actions?.length);
  let chosen: Set<string>;
  if (dataformStyle) {
    chosen = new Set();
    for (const pattern of selection.actions ?? []) {
      const hits = actions.filter((a) => (pattern.includes(".") ? a.name === pattern : a.name.split(".").slice(-1)[0] === pattern));
      if (hits.length === 0) throw new LakehouseError("run", `--actions ${pattern} matches no action`, {}, "list the actions: npx lakehouse compile --json");
      for (const h of hits) chosen.add(h.name);
    }
    for (const tag of selection.tags ?? []) {
      const hits = actions.filter((a) => a.tags.includes(tag));
      if (hits.length === 0) throw new LakehouseError("run", `--tags ${tag} matches no action`, {}, "tags are set in each model's config { tags: [...] }");
      for (const h of hits) chosen.add(h.name);
    }
  } else {
    chosen = new Set(actions.map((a) => a.name));
  }
  if (selection.select?.length || selection.exclude?.length) {
    let selected: string[];
    try {
      selected = selectActions(actions, { select: selection.select, exclude: selection.exclude, ...(selection.state ? { state: selection.state } : {}) });
    } catch (error) {
      if (error instanceof LakehouseError) throw error;
      throw new LakehouseError("select", (error as Error).message, {}, "see: npx lakehouse run --help (selection)");
    }
    const set = new Set(selected);
    chosen = dataformStyle ? new Set([...chosen].filter((n) => set.has(n))) : set;
  }
  if (selection.includeDeps) chosen = closure(chosen, (n) => (byName.get(n)?.dependencies ?? []).filter((d) => byName.has(d)));
  if (selection.includeDependents) {
    const dependents = dependentsOf(actions);
    chosen = closure(chosen, (n) => dependents.get(n) ?? []);
  }
  return actions.filter((a) => chosen.has(a.name)).map((a) => a.name);
}
