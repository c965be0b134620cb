/**
 * Column lineage of a whole compiled project: every table, view and incremental model's columns traced to
 * the columns of the models and declarations it reads, and the silver declarations' columns to their
 * Iceberg tables (lineage-trace.ts walks it). Pure: no I/O.
 */
import type { SilverTable } from "../silver/tables.ts";
import { targetId, type DataformAction, type DataformCompiled } from "./build.ts";
import { icebergId } from "./lake.ts";
import { queryLineage } from "./lineage.ts";
import type { ModelLineage, ProjectLineage } from "./lineage-trace.ts";

export { findColumn, traceColumn, type ModelLineage, type ProjectLineage, type Trace, type TraceHit } from "./lineage-trace.ts";

const DATASET_TYPES = new Set(["table", "view", "incremental", "inline"]);

/** Lineage of every dataset of a compiled project. */
export function projectLineage(compiled: DataformCompiled, silverTables: SilverTable[]): ProjectLineage {
  const silverSchema = compiled.projectConfig?.vars?.silver_schema ?? "silver";
  const dialect = compiled.projectConfig?.warehouse === "redshift" ? "redshift" : "postgresql";
  const silverByName = new Map(silverTables.map((t) => [t.name, t]));
  const datasets = new Map<string, DataformAction>();
  const declarations = new Map<string, DataformAction>();
  const bySchemaName = new Map<string, string>();
  const byName = new Map<string, string[]>();
  const index = (a: DataformAction) => {
    const id = targetId(a.target);
    bySchemaName.set(`${a.target.schema}.${a.target.name}`.toLowerCase(), id);
    byName.set(a.target.name.toLowerCase(), [...(byName.get(a.target.name.toLowerCase()) ?? []), id]);
    return id;
  };
  for (const t of compiled.tables ?? []) if (DATASET_TYPES.has(t.type ?? "table") && (t.query ?? "").trim()) datasets.set(index(t), t);
  for (const d of compiled.declarations ?? []) declarations.set(index(d), d);

  const models: Record<string, ModelLineage> = {};
  const inProgress = new Set<string>();

  const silverOf = (id: string): SilverTable | undefined => {
    const d = declarations.get(id);
    return d && d.target.schema === silverSchema ? silverByName.get(d.target.name) : undefined;
  };

  const tableId = (db: string | undefined, table: string): string => {
    if (db) return bySchemaName.get(`${db}.${table}`.toLowerCase()) ?? `${db}.${table}`;
    const ids = byName.get(table.toLowerCase()) ?? [];
    return ids.length === 1 ? ids[0] : table;
  };

  const columnsOf = (id: string): string[] | undefined => {
    if (datasets.has(id)) {
      const m = lineageOf(id);
      if (!m || m.error || m.columns.some((c) => c.name === "*")) return undefined;
      return m.columns.map((c) => c.name);
    }
    const silver = silverOf(id);
    if (silver) return silver.columns.map((c) => c.name);
    const documented = declarations.get(id)?.actionDescriptor?.columns?.map((c) => c.path.join("."));
    return documented?.length ? documented : undefined;
  };

  const lineageOf = (id: string): ModelLineage | undefined => {
    if (models[id]) return models[id];
    if (inProgress.has(id)) return undefined;
    inProgress.add(id);
    const action = datasets.get(id)!;
    const q = queryLineage(action.query!, { tableId, columnsOf, dialect });
    inProgress.delete(id);
    models[id] = { id, columns: q.columns, ...(q.error ? { error: q.error } : {}) };
    return models[id];
  };

  for (const id of datasets.keys()) lineageOf(id);
  for (const id of declarations.keys()) {
    const silver = silverOf(id);
    if (!silver) continue;
    const iceberg = icebergId(silver.name);
    models[id] = {
      id,
      columns: silver.columns.map((c) => ({ name: c.name, inputs: [{ table: iceberg, column: c.name, kind: "copied" as const }], unresolved: [] })),
    };
  }
  return { models };
}

