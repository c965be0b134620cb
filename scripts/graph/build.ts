/**
 * From `dataform compile --json` (plus the lake layers, the last run's results and, when known, the
 * warehouse's column types) to the page's GraphData. Pure: no I/O.
 */
import type { SilverTable } from "../silver/tables.ts";
import { icebergId, lakeNodes, silverColumns, type LakeContext } from "./lake.ts";
import { projectLineage } from "./lineage-project.ts";
import {
  LAYER_INDEX,
  type GraphAssertion,
  type GraphColumn,
  type GraphData,
  type GraphNode,
  type Layer,
  type NodeType,
  type RunStatus,
  type SqlBlock,
} from "./model.ts";

export interface Target {
  database?: string;
  schema: string;
  name: string;
}

/** The parts of a compiled action the page reads (Dataform 2.6.7 `compile --json`). */
export interface DataformAction {
  type?: string;
  target: Target;
  fileName?: string;
  tags?: string[];
  query?: string;
  queries?: string[];
  incrementalQuery?: string;
  preOps?: string[];
  postOps?: string[];
  incrementalPreOps?: string[];
  incrementalPostOps?: string[];
  dependencyTargets?: Target[];
  parentAction?: Target;
  uniqueKey?: string[];
  actionDescriptor?: { description?: string; columns?: { path: string[]; description?: string }[] };
  disabled?: boolean;
  hasOutput?: boolean;
  protected?: boolean;
  redshift?: Record<string, unknown>;
}

export interface DataformCompiled {
  projectConfig?: { warehouse?: string; defaultSchema?: string; assertionSchema?: string; vars?: Record<string, string> };
  tables?: DataformAction[];
  operations?: DataformAction[];
  assertions?: DataformAction[];
  declarations?: DataformAction[];
  tests?: { name: string; fileName?: string }[];
  dataformCoreVersion?: string;
}

/**
 * The latest run invocation (`.lakehouse/<env>/runs/latest.json`, scripts/dataform/artifacts.ts), or an older
 * last-run file: outcome per action, keyed `schema.name`.
 */
export interface LastRun {
  finished_at?: string;
  command?: string;
  actions?: Record<string, { status?: string; error?: string; message?: string; skipped_because?: string }>;
}

/** Artifact statuses as the page names them (succeeded → successful). */
const PAGE_STATUS: Record<string, RunStatus> = { succeeded: "successful" };

export interface BuildInput {
  compiled: DataformCompiled;
  silverTables: SilverTable[];
  lake: LakeContext;
  env: string;
  title?: string;
  lastRun?: { file: string; data: LastRun };
  /** Columns per `schema.name` as the warehouse's catalog lists them, in table order. */
  warehouseColumns?: Record<string, { name: string; type: string }[]>;
  notes?: string[];
  generatedAt?: string;
  /** Column lineage from the compiled SQL (default true; parsing costs a few ms per model). */
  lineage?: boolean;
}

export function targetId(t: Target): string {
  return [t.database, t.schema, t.name].filter(Boolean).join(".");
}

/** The folder under definitions/ an action's file is in ("" when it is not under definitions/). */
function folderOf(fileName: string | undefined): string {
  const parts = (fileName ?? "").split("/");
  const at = parts.indexOf("definitions");
  return at >= 0 && parts.length > at + 2 ? parts[at + 1] : "";
}

/** Which layer a Dataform dataset belongs to: its folder first, then its name, then its tags. */
export function classifyDataset(action: DataformAction): Layer {
  const folder = folderOf(action.fileName);
  const name = action.target.name;
  const tags = action.tags ?? [];
  if (folder === "staging" || /^stg_/.test(name)) return "staging";
  if (folder === "reporting" || tags.includes("reporting")) return "report";
  if (folder === "marts" || folder === "sparkify" || /^(dim|fct)_/.test(name)) return "mart";
  if (folder === "sources") return "declaration";
  if (folder === "operations") return "operation";
  return "model";
}

function datasetType(action: DataformAction): NodeType {
  const t = action.type ?? "table";
  return t === "view" || t === "incremental" || t === "inline" ? t : "table";
}

function descriptorColumns(action: DataformAction): GraphColumn[] {
  return (action.actionDescriptor?.columns ?? []).map((c) => ({
    name: c.path.join("."),
    description: c.description || undefined,
    origin: "definition" as const,
  }));
}

/** Silver columns first (typed), then documented columns the schema does not have. */
function mergeSilver(documented: GraphColumn[], silver: GraphColumn[]): GraphColumn[] {
  const docs = new Map(documented.map((c) => [c.name, c]));
  const merged = silver.map((c) => {
    const doc = docs.get(c.name);
    docs.delete(c.name);
    return doc?.description ? { ...c, description: doc.description } : c;
  });
  return [...merged, ...docs.values()];
}

/** The warehouse's columns in table order, with their documented descriptions; then documented columns it lacks. */
function mergeWarehouse(documented: GraphColumn[], warehouse: { name: string; type: string }[]): GraphColumn[] {
  const docs = new Map(documented.map((c) => [c.name.toLowerCase(), c]));
  const merged: GraphColumn[] = warehouse.map((w) => {
    const doc = docs.get(w.name.toLowerCase());
    docs.delete(w.name.toLowerCase());
    return doc ? { ...doc, type: doc.type ?? w.type } : { name: w.name, type: w.type, origin: "warehouse" };
  });
  return [...merged, ...docs.values()];
}

function sqlBlocks(action: DataformAction): SqlBlock[] {
  const blocks: SqlBlock[] = [];
  const join = (statements: string[]) => statements.map((s) => s.trim()).join("\n---\n");
  if (action.preOps?.length) blocks.push({ label: "pre-operations", text: join(action.preOps) });
  if (action.query !== undefined) blocks.push({ label: "query", text: action.query.trim() });
  if (action.incrementalQuery !== undefined && action.incrementalQuery.trim() !== action.query?.trim()) {
    blocks.push({ label: "incremental query", text: action.incrementalQuery.trim() });
  }
  if (action.postOps?.length) blocks.push({ label: "post-operations", text: join(action.postOps) });
  if (action.queries?.length) {
    action.queries.forEach((q, i) => blocks.push({ label: action.queries!.length > 1 ? `statement ${i + 1}` : "statement", text: q.trim() }));
  }
  return blocks;
}

function statusOf(lastRun: LastRun | undefined, t: Target): { status: RunStatus; error?: string } {
  const actions = lastRun?.actions;
  if (!actions) return { status: "unknown" };
  const hit = actions[targetId(t)] ?? actions[`${t.schema}.${t.name}`];
  if (!hit?.status) return { status: "unknown" };
  const error = hit.error ?? hit.message ?? (hit.skipped_because ? `skipped: upstream ${hit.skipped_because} failed` : undefined);
  return { status: PAGE_STATUS[hit.status] ?? hit.status, ...(error ? { error } : {}) };
}

function datasetDetails(action: DataformAction, kind: string): [string, string][] {
  const details: [string, string][] = [["materialised as", kind]];
  if (action.uniqueKey?.length) details.push(["unique key", action.uniqueKey.join(", ")]);
  if (action.protected) details.push(["protected", "yes"]);
  if (action.disabled) details.push(["disabled", "yes"]);
  if (action.hasOutput) details.push(["has output", "yes"]);
  for (const [key, value] of Object.entries(action.redshift ?? {})) {
    details.push([`redshift ${key}`, Array.isArray(value) ? value.join(", ") : String(value)]);
  }
  return details;
}

/** Builds the page's data. Node order: by layout band, then id (stable across builds). */
export function buildGraph(input: BuildInput): GraphData {
  const { compiled, lastRun } = input;
  const lineage = input.lineage === false ? undefined : projectLineage(compiled, input.silverTables);
  const silverSchema = compiled.projectConfig?.vars?.silver_schema ?? "silver";
  const silverByName = new Map(input.silverTables.map((t) => [t.name, t]));

  interface Draft extends Omit<GraphNode, "band" | "assertions"> {
    from: string[];
  }
  const drafts = new Map<string, Draft>();

  for (const lake of lakeNodes(input.silverTables, input.lake)) {
    drafts.set(lake.id, {
      id: lake.id,
      name: lake.name,
      schema: lake.schema,
      layer: lake.layer,
      type: lake.layer,
      description: lake.description,
      tags: [],
      columns: lake.columns,
      sql: [],
      details: lake.details,
      status: "unknown",
      from: lake.from,
    });
  }

  const assertionIds = new Set((compiled.assertions ?? []).map((a) => targetId(a.target)));
  const addAction = (action: DataformAction, layer: Layer, type: NodeType, details: [string, string][]) => {
    const id = targetId(action.target);
    const { status, error } = statusOf(lastRun?.data, action.target);
    let columns = descriptorColumns(action);
    const from = (action.dependencyTargets ?? []).map(targetId);
    if (type === "declaration") {
      const silver = action.target.schema === silverSchema ? silverByName.get(action.target.name) : undefined;
      if (silver) {
        columns = mergeSilver(columns, silverColumns(silver));
        from.push(icebergId(silver.name));
        details.push(["Iceberg table", `silver.${silver.name}`]);
      }
    }
    const warehouse = input.warehouseColumns?.[id];
    const traced = type !== "declaration" ? lineage?.models[id] : undefined;
    if (warehouse?.length && type !== "declaration") columns = mergeWarehouse(columns, warehouse);
    else if (!columns.length && traced?.columns.length && !traced.columns.some((c) => c.name === "*")) columns = traced.columns.map((c) => ({ name: c.name, origin: "lineage" as const }));
    if (traced?.error) details.push(["column lineage", traced.error]);
    drafts.set(id, {
      id,
      name: action.target.name,
      schema: action.target.schema,
      layer,
      type,
      description: action.actionDescriptor?.description || undefined,
      file: action.fileName,
      tags: [...new Set(action.tags ?? [])].sort(),
      columns,
      sql: sqlBlocks(action),
      details,
      status,
      ...(error ? { error } : {}),
      ...(action.disabled ? { disabled: true } : {}),
      from,
    });
  };

  for (const d of compiled.declarations ?? []) addAction(d, "declaration", "declaration", [["declared", "read by Dataform, not created"]]);
  for (const t of compiled.tables ?? []) addAction(t, classifyDataset(t), datasetType(t), datasetDetails(t, t.type ?? "table"));
  for (const o of compiled.operations ?? []) addAction(o, "operation", "operation", datasetDetails(o, "operations"));

  // Assertions: attached to the models they check (the parent of a config assertion, else their
  // dependencies); a node of their own only when they check nothing in the graph.
  interface AssertionDraft {
    action: DataformAction;
    checks: string[];
  }
  const assertionDrafts: AssertionDraft[] = [];
  for (const a of compiled.assertions ?? []) {
    const checks = a.parentAction
      ? [targetId(a.parentAction)]
      : (a.dependencyTargets ?? []).map(targetId).filter((id) => drafts.has(id) && !assertionIds.has(id));
    const known = checks.filter((id) => drafts.has(id));
    assertionDrafts.push({ action: a, checks: known });
    if (known.length === 0) {
      addAction(a, "assertion", "assertion", []);
    }
  }
  const assertionChecks = new Map(assertionDrafts.map((d) => [targetId(d.action.target), d.checks]));

  // Bands: a node's layer, or later when it depends on a later layer (keeps every edge left to right).
  const band = new Map<string, number>();
  const visiting = new Set<string>();
  const bandOf = (id: string): number => {
    const known = band.get(id);
    if (known !== undefined) return known;
    const draft = drafts.get(id)!;
    // Setup operations that depend on nothing later share the declarations' columns (one column less).
    let value = draft.layer === "operation" ? LAYER_INDEX.declaration : LAYER_INDEX[draft.layer];
    if (!visiting.has(id)) {
      visiting.add(id);
      for (const up of draft.from) if (drafts.has(up)) value = Math.max(value, bandOf(up));
      visiting.delete(id);
    }
    band.set(id, value);
    return value;
  };

  const ordered = [...drafts.values()].sort((a, b) => bandOf(a.id) - bandOf(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const index = new Map(ordered.map((d, i) => [d.id, i]));
  const nodes: GraphNode[] = ordered.map(({ from: _from, ...d }) => ({ ...d, band: bandOf(d.id), assertions: [] }));

  const edgeKeys = new Set<string>();
  const edges: [number, number][] = [];
  const addEdge = (from: number, to: number) => {
    const key = `${from}>${to}`;
    if (from === to || edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push([from, to]);
  };
  for (const draft of ordered) {
    const to = index.get(draft.id)!;
    for (const up of draft.from) {
      // A dependency on an attached assertion: the dependency is, in effect, on the models it checks.
      const via = assertionChecks.get(up);
      const sources = via && via.length > 0 && !drafts.has(up) ? via : [up];
      for (const s of sources) {
        const from = index.get(s);
        if (from !== undefined) addEdge(from, to);
      }
    }
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);

  const assertions: GraphAssertion[] = [];
  for (const d of assertionDrafts) {
    if (d.checks.length === 0) continue;
    const { status, error } = statusOf(lastRun?.data, d.action.target);
    const i = assertions.length;
    const checks = d.checks.map((id) => index.get(id)!);
    assertions.push({
      id: targetId(d.action.target),
      name: d.action.target.name,
      description: d.action.actionDescriptor?.description || undefined,
      file: d.action.fileName,
      tags: [...new Set(d.action.tags ?? [])].sort(),
      sql: (d.action.query ?? "").trim(),
      status,
      ...(error ? { error } : {}),
      builtIn: Boolean(d.action.parentAction),
      checks,
    });
    for (const n of checks) nodes[n].assertions.push(i);
  }

  return {
    meta: {
      title: input.title ?? "deftunes-lakehouse",
      env: input.env,
      warehouse: compiled.projectConfig?.warehouse ?? "unknown",
      generatedAt: input.generatedAt ?? new Date().toISOString(),
      ...(compiled.dataformCoreVersion ? { dataformCoreVersion: compiled.dataformCoreVersion } : {}),
      ...(lastRun
        ? { lastRun: { file: lastRun.file, ...(lastRun.data.finished_at ? { finishedAt: lastRun.data.finished_at } : {}), ...(lastRun.data.command ? { command: lastRun.data.command } : {}) } }
        : {}),
      tests: (compiled.tests ?? []).map((t) => ({ name: t.name, ...(t.fileName ? { file: t.fileName } : {}) })),
      notes: input.notes ?? [],
    },
    nodes,
    edges,
    assertions,
    ...(lineage ? { lineage } : {}),
  };
}
