// Action selection (dbt's grammar): which compiled actions `build`, `run`, `test`, `ls` and `compile` act on.
// Interface owned by the selection work (issue 18); this first version knows plain names and `tag:` only.
import { allActions, type CompiledGraph } from "./compile.ts";

/** One compiled action as selection sees it. `name` is Dataform's target name `schema.name`. */
export interface SelectableAction {
  name: string;
  /** table, view, incremental, assertion, operation, test, declaration. */
  type: string;
  schema: string;
  tags: string[];
  /** The file under the project root (definitions/… or assertions/…), when known. */
  file?: string;
  /** Names (`schema.name`) of the actions this one depends on. */
  dependencies: string[];
}

export interface Selection {
  select?: string[];
  exclude?: string[];
  /** For `state:modified` / `state:new`: the actions of a saved compile to compare with. */
  state?: SelectableAction[];
}

/** The actions of a compiled graph, as selection sees them. */
export function selectableActions(graph: CompiledGraph): SelectableAction[] {
  return allActions(graph).map((a) => ({
    name: `${a.target.schema}.${a.target.name}`,
    type: a.kind,
    schema: a.target.schema,
    tags: a.tags ?? [],
    ...(a.fileName ? { file: a.fileName } : {}),
    dependencies: (a.dependencyTargets ?? []).map((t) => `${t.schema}.${t.name}`),
  }));
}

/**
 * The names of the selected actions, in the order of `actions`. No `select` means every action; a selector
 * that matches nothing throws, naming it.
 */
export function selectActions(actions: SelectableAction[], selection: Selection): string[] {
  const matches = (selector: string): Set<string> => {
    const hit = new Set<string>();
    for (const a of actions) {
      if (selector.startsWith("tag:") ? a.tags.includes(selector.slice(4)) : a.name === selector || a.name.split(".")[1] === selector) hit.add(a.name);
    }
    if (hit.size === 0) throw new Error(`selector "${selector}" matches no action`);
    return hit;
  };
  const chosen = new Set<string>();
  if (!selection.select?.length) for (const a of actions) chosen.add(a.name);
  for (const s of selection.select ?? []) for (const n of matches(s)) chosen.add(n);
  for (const s of selection.exclude ?? []) for (const n of matches(s)) chosen.delete(n);
  return actions.filter((a) => chosen.has(a.name)).map((a) => a.name);
}
