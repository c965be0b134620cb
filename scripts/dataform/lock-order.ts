// Table pairs that Dataform may rebuild at the same time although one view reads both.
//
// Dataform's PostgreSQL/Redshift adapter rebuilds a table with `drop table … cascade`, which locks the table,
// then every view that reads it (and the views on those). When two tables that one view reads are rebuilt
// concurrently, the two drops take that view's relation and rewrite-rule locks in opposite orders and
// PostgreSQL kills one of them ("deadlock detected": seen on the second `dataform run` of the project, once
// the previous run's assertion views exist). Dataform only runs two actions concurrently when neither
// depends on the other, so ordering every such pair in the DAG removes the deadlock.
import { allActions, type CompiledGraph } from "./compile.ts";

export interface UnorderedPair {
  tables: [string, string];
  /** A view or assertion that reads both (directly or through other views). */
  via: string;
}

const name = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/** Every pair of tables (table or incremental) read by one view or assertion with no path between them. */
export function unorderedTablePairs(graph: CompiledGraph): UnorderedPair[] {
  const actions = new Map(allActions(graph).map((a) => [name(a.target), a]));
  const depsOf = (n: string) => (actions.get(n)?.dependencyTargets ?? []).map(name);
  const kindOf = (n: string) => actions.get(n)?.kind;
  const isTable = (n: string) => kindOf(n) === "table" || kindOf(n) === "incremental";
  const isViewLike = (n: string) => kindOf(n) === "view" || kindOf(n) === "assertion";

  const ancestorCache = new Map<string, Set<string>>();
  const ancestors = (n: string): Set<string> => {
    const cached = ancestorCache.get(n);
    if (cached) return cached;
    const found = new Set<string>();
    ancestorCache.set(n, found);
    for (const d of depsOf(n)) {
      found.add(d);
      for (const a of ancestors(d)) found.add(a);
    }
    return found;
  };
  /** Tables a drop cascade reaches this view from: its table inputs, directly or through views. */
  const tablesUnder = (n: string): string[] => {
    const tables = new Set<string>();
    const seen = new Set<string>();
    const stack = [...depsOf(n)];
    while (stack.length) {
      const d = stack.pop()!;
      if (seen.has(d)) continue;
      seen.add(d);
      if (isTable(d)) tables.add(d);
      else if (isViewLike(d)) stack.push(...depsOf(d));
    }
    return [...tables].sort();
  };

  const pairs = new Map<string, UnorderedPair>();
  for (const n of [...actions.keys()].sort()) {
    if (!isViewLike(n)) continue;
    const tables = tablesUnder(n);
    for (let i = 0; i < tables.length; i++) {
      for (let j = i + 1; j < tables.length; j++) {
        const [a, b] = [tables[i], tables[j]];
        if (ancestors(a).has(b) || ancestors(b).has(a)) continue;
        const key = `${a} ${b}`;
        if (!pairs.has(key)) pairs.set(key, { tables: [a, b], via: n });
      }
    }
  }
  return [...pairs.values()];
}
