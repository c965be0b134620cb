/**
 * A project's column lineage (built by lineage-project.ts, embedded in the graph page) and the walks over it:
 * `traceColumn` upstream or downstream across models, `findColumn` for `<model>.<column>`. Shared by the
 * CLI and the page (client/), so nothing here imports Node.
 */
import { composeKind, mergeKind, type ColumnLineage, type LineageKind } from "./lineage-kind.ts";

export interface ModelLineage {
  /** Node id (`schema.name`, or `iceberg:<table>` upstream of the silver declarations). */
  id: string;
  columns: ColumnLineage[];
  /** Why the model's SQL could not be traced at all (parse error, not a SELECT). */
  error?: string;
}

export interface ProjectLineage {
  /** Per node id with traced columns (models and silver declarations). */
  models: Record<string, ModelLineage>;
}

export interface TraceHit {
  table: string;
  column: string;
  /** The dependency's kind along the path (filter anywhere on it makes it filter-only). */
  kind: LineageKind;
  /** Hops from the traced column. */
  depth: number;
}

export interface Trace {
  table: string;
  column: string;
  hits: TraceHit[];
  /** Unresolved parts of the columns on the way (upstream only), `table.column: reason`. */
  unresolved: string[];
}

const key = (table: string, column: string) => `${table}\u0000${column.toLowerCase()}`;

/** Every column `table.column` depends on (upstream) or that depends on it (downstream), nearest first. */
export function traceColumn(lineage: ProjectLineage, table: string, column: string, direction: "upstream" | "downstream"): Trace {
  const edges = new Map<string, { table: string; column: string; kind: LineageKind }[]>();
  const unresolvedOf = new Map<string, string[]>();
  for (const m of Object.values(lineage.models)) {
    for (const c of m.columns) {
      if (c.unresolved.length) unresolvedOf.set(key(m.id, c.name), c.unresolved);
      for (const input of c.inputs) {
        const [from, to] = direction === "upstream" ? [key(m.id, c.name), { table: input.table, column: input.column }] : [key(input.table, input.column), { table: m.id, column: c.name }];
        const list = edges.get(from) ?? [];
        list.push({ ...to, kind: input.kind });
        edges.set(from, list);
      }
    }
  }
  const hits = new Map<string, TraceHit>();
  const unresolved: string[] = [];
  const startKey = key(table, column);
  const noteUnresolved = (k: string, t: string, c: string) => {
    for (const reason of direction === "upstream" ? unresolvedOf.get(k) ?? [] : []) {
      const line = `${t}.${c}: ${reason}`;
      if (!unresolved.includes(line)) unresolved.push(line);
    }
  };
  noteUnresolved(startKey, table, column);
  let frontier: { k: string; kind: LineageKind }[] = [{ k: startKey, kind: "copied" }];
  for (let depth = 1; frontier.length; depth++) {
    const next: { k: string; kind: LineageKind }[] = [];
    for (const { k, kind } of frontier) {
      for (const e of edges.get(k) ?? []) {
        const ek = key(e.table, e.column);
        if (ek === startKey) continue;
        const composed = composeKind(kind, e.kind);
        const known = hits.get(ek);
        if (known && mergeKind(known.kind, composed) === known.kind) continue;
        hits.set(ek, { table: e.table, column: e.column, kind: known ? mergeKind(known.kind, composed) : composed, depth: known?.depth ?? depth });
        noteUnresolved(ek, e.table, e.column);
        next.push({ k: ek, kind: composed });
      }
    }
    frontier = next;
  }
  return { table, column, hits: [...hits.values()].sort((a, b) => a.depth - b.depth || a.table.localeCompare(b.table) || a.column.localeCompare(b.column)), unresolved };
}

/**
 * Finds `<model>.<column>`: the model by full id (`schema.name`) or by unique name. Returns the node id and
 * the column's spelling, or a one-line reason.
 */
export function findColumn(lineage: ProjectLineage, spec: string): { table: string; column: string } | { error: string } {
  const dot = spec.lastIndexOf(".");
  if (dot <= 0 || dot === spec.length - 1) return { error: `"${spec}" is not <model>.<column> (e.g. sales_per_country.total)` };
  const model = spec.slice(0, dot).toLowerCase();
  const column = spec.slice(dot + 1).toLowerCase();
  const ids = Object.keys(lineage.models);
  let matches = ids.filter((id) => id.toLowerCase() === model);
  if (!matches.length) matches = ids.filter((id) => id.toLowerCase().endsWith(`.${model}`) || id.toLowerCase() === `iceberg:${model}`);
  if (!matches.length) return { error: `no model named ${spec.slice(0, dot)} has traced columns` };
  if (matches.length > 1) return { error: `${spec.slice(0, dot)} is ambiguous: ${matches.join(", ")} (name the schema)` };
  const m = lineage.models[matches[0]];
  const c = m.columns.find((x) => x.name.toLowerCase() === column);
  if (!c) return { error: `${m.id} has no column ${spec.slice(dot + 1)}${m.error ? ` (${m.error})` : ` (columns: ${m.columns.map((x) => x.name).join(", ")})`}` };
  return { table: m.id, column: c.name };
}
