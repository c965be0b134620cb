/**
 * The page's model: the embedded graph with its adjacency and search index, and what is shown (filters,
 * focus, selection). Pure apart from the data it is given, so it can be reasoned about without a DOM.
 */
import { layeredLayout, type Layout } from "../layout.ts";
import type { LineageKind } from "../lineage-kind.ts";
import { findColumn, traceColumn, type TraceHit } from "../lineage-trace.ts";
import type { GraphData, GraphNode } from "../model.ts";

export type FilterKey = "layer" | "type" | "schema" | "tag";
export const FILTER_KEYS: FilterKey[] = ["layer", "type", "schema", "tag"];

export type ColourBy = "layer" | "status" | "assertions";

export interface Focus {
  node: number;
  up: number;
  down: number;
}

/** A traced column: its node and what it reads (upstream) and what reads it (downstream), by node. */
export interface ColumnTrace {
  node: number;
  column: string;
  up: TraceHit[];
  down: TraceHit[];
  unresolved: string[];
  /** Per node on the trace: its traced columns, with direction and kind (the traced column itself: "self"). */
  byNode: Map<number, { column: string; dir: "up" | "down" | "self"; kind: LineageKind }[]>;
}

export interface SearchHit {
  node: number;
  /** `lineage`: a `col:` search hit, picking it traces the column. */
  kind: "node" | "column" | "assertion" | "lineage";
  /** Column name or assertion index, for the panel to point at. */
  detail?: string | number;
  label: string;
  score: number;
}

export class GraphState {
  readonly data: GraphData;
  readonly preds: number[][];
  readonly succs: number[][];
  readonly bands: Int32Array;
  readonly filters: Record<FilterKey, Set<string>> = { layer: new Set(), type: new Set(), schema: new Set(), tag: new Set() };
  focus: Focus | null = null;
  selected: number | null = null;
  trace: ColumnTrace | null = null;
  colourBy: ColourBy = "layer";
  visible: Uint8Array;
  visibleCount = 0;
  visibleEdges: number[] = [];
  layout!: Layout;
  /** Milliseconds the last layout took. */
  layoutMs = 0;
  private fullLayout: Layout | null = null;
  private readonly lowerNames: string[];
  private readonly lowerIds: string[];

  constructor(data: GraphData) {
    this.data = data;
    const n = data.nodes.length;
    this.preds = Array.from({ length: n }, () => []);
    this.succs = Array.from({ length: n }, () => []);
    for (const [a, b] of data.edges) {
      this.preds[b].push(a);
      this.succs[a].push(b);
    }
    this.bands = Int32Array.from(data.nodes.map((node) => node.band));
    this.visible = new Uint8Array(n);
    this.lowerNames = data.nodes.map((node) => node.name.toLowerCase());
    this.lowerIds = data.nodes.map((node) => node.id.toLowerCase());
    this.update();
  }

  /** Values of a filter with how many nodes have each, most frequent first (tags) or in layer order. */
  facet(key: FilterKey): { value: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const node of this.data.nodes) for (const value of valuesOf(node, key)) counts.set(value, (counts.get(value) ?? 0) + 1);
    const entries = [...counts.entries()].map(([value, count]) => ({ value, count }));
    if (key === "layer") {
      const order = new Map(this.data.nodes.map((node) => [node.layer, node.band]));
      return entries.sort((a, b) => (order.get(a.value as GraphNode["layer"]) ?? 0) - (order.get(b.value as GraphNode["layer"]) ?? 0));
    }
    return entries.sort((a, b) => (key === "tag" ? b.count - a.count : 0) || a.value.localeCompare(b.value));
  }

  passesFilters(i: number): boolean {
    const node = this.data.nodes[i];
    for (const key of FILTER_KEYS) {
      const wanted = this.filters[key];
      if (wanted.size === 0) continue;
      if (!valuesOf(node, key).some((v) => wanted.has(v))) return false;
    }
    return true;
  }

  /** Nodes within `hops` steps along `next` from `start` (start included). */
  reach(start: number, hops: number, next: number[][], into: Uint8Array): void {
    let frontier = [start];
    into[start] = 1;
    for (let h = 0; h < hops && frontier.length > 0; h++) {
      const following: number[] = [];
      for (const v of frontier) {
        for (const w of next[v]) {
          if (!into[w]) {
            into[w] = 1;
            following.push(w);
          }
        }
      }
      frontier = following;
    }
  }

  /** Recomputes what is visible and lays it out. */
  update(): void {
    const n = this.data.nodes.length;
    const inFocus = new Uint8Array(n);
    if (this.focus) {
      this.reach(this.focus.node, this.focus.up, this.preds, inFocus);
      const down = new Uint8Array(n);
      this.reach(this.focus.node, this.focus.down, this.succs, down);
      for (let i = 0; i < n; i++) inFocus[i] |= down[i];
    }
    let count = 0;
    for (let i = 0; i < n; i++) {
      const shown = (this.focus ? inFocus[i] === 1 : true) && (this.passesFilters(i) || this.focus?.node === i);
      this.visible[i] = shown ? 1 : 0;
      if (shown) count++;
    }
    this.visibleCount = count;
    this.visibleEdges = [];
    this.data.edges.forEach(([a, b], e) => {
      if (this.visible[a] && this.visible[b]) this.visibleEdges.push(e);
    });
    const started = performance.now();
    const everything = count === n;
    if (everything && this.fullLayout) this.layout = this.fullLayout;
    else {
      this.layout = layeredLayout({ count: n, band: this.bands, edges: this.data.edges, include: this.visible });
      if (everything) this.fullLayout = this.layout;
    }
    this.layoutMs = performance.now() - started;
  }

  /** Traces `column` of node `i` through the embedded lineage (null when the page has none for it). */
  traceColumn(i: number, column: string): ColumnTrace | null {
    const lineage = this.data.lineage;
    const id = this.data.nodes[i].id;
    if (!lineage) return null;
    const up = traceColumn(lineage, id, column, "upstream");
    const down = traceColumn(lineage, id, column, "downstream");
    if (!lineage.models[id] && down.hits.length === 0) return null;
    const byNode: ColumnTrace["byNode"] = new Map([[i, [{ column, dir: "self", kind: "copied" }]]]);
    for (const [dir, hits] of [["up", up.hits], ["down", down.hits]] as const) {
      for (const h of hits) {
        const n = this.indexOf(h.table);
        if (n < 0) continue;
        const list = byNode.get(n) ?? [];
        list.push({ column: h.column, dir, kind: h.kind });
        byNode.set(n, list);
      }
    }
    return { node: i, column, up: up.hits, down: down.hits, unresolved: up.unresolved, byNode };
  }

  /** `col:<model>.<column>` (or part of one): traced columns whose `model.column` matches. */
  private searchColumns(spec: string, limit: number): SearchHit[] {
    const lineage = this.data.lineage;
    if (!lineage || !spec) return [];
    const exact = findColumn(lineage, spec);
    const hits: SearchHit[] = [];
    if (!("error" in exact)) {
      const node = this.indexOf(exact.table);
      if (node >= 0) hits.push({ node, kind: "lineage", detail: exact.column, label: `${this.data.nodes[node].name}.${exact.column}`, score: 100 });
    }
    for (const m of Object.values(lineage.models)) {
      const node = this.indexOf(m.id);
      if (node < 0) continue;
      const name = this.data.nodes[node].name;
      for (const c of m.columns) {
        if (hits.length >= limit) return hits;
        const full = `${m.id}.${c.name}`.toLowerCase();
        const short = `${name}.${c.name}`.toLowerCase();
        if (hits.some((h) => h.node === node && h.detail === c.name)) continue;
        if (short.includes(spec) || full.includes(spec)) hits.push({ node, kind: "lineage", detail: c.name, label: `${name}.${c.name}`, score: short.startsWith(spec) ? 60 : 40 });
      }
    }
    return hits;
  }

  search(query: string, limit = 40): SearchHit[] {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    if (q.startsWith("col:")) {
      const found = this.searchColumns(q.slice(4).trim(), limit);
      found.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
      return found;
    }
    const hits: SearchHit[] = [];
    const { nodes, assertions } = this.data;
    for (let i = 0; i < nodes.length; i++) {
      const name = this.lowerNames[i];
      let score = -1;
      if (name === q || this.lowerIds[i] === q) score = 100;
      else if (name.startsWith(q)) score = 80 - Math.min(20, name.length - q.length) / 2;
      else if (name.includes(q)) score = 60 - Math.min(20, name.length - q.length) / 2;
      else if (this.lowerIds[i].includes(q)) score = 40;
      if (score >= 0) hits.push({ node: i, kind: "node", label: nodes[i].name, score });
    }
    if (hits.length < limit) {
      assertions.forEach((a, k) => {
        const name = a.name.toLowerCase();
        if (name.includes(q) && a.checks.length > 0) hits.push({ node: a.checks[0], kind: "assertion", detail: k, label: a.name, score: name === q ? 50 : 30 });
      });
    }
    if (hits.length < limit) {
      for (let i = 0; i < nodes.length && hits.length < limit * 4; i++) {
        for (const c of nodes[i].columns) {
          const name = c.name.toLowerCase();
          if (name.includes(q)) hits.push({ node: i, kind: "column", detail: c.name, label: c.name, score: name === q ? 20 : 10 });
        }
      }
    }
    hits.sort((a, b) => b.score - a.score || nodes[a.node].band - nodes[b.node].band || a.label.localeCompare(b.label));
    return hits.slice(0, limit);
  }

  /** Aggregate status of a node's assertions: none, failed (any), successful (all), else unknown. */
  assertionStatus(i: number): string {
    const list = this.data.nodes[i].assertions;
    if (list.length === 0) return "none";
    let allOk = true;
    for (const k of list) {
      const s = this.data.assertions[k].status;
      if (s === "failed") return "failed";
      if (s !== "successful") allOk = false;
    }
    return allOk ? "successful" : "unknown";
  }

  private idIndex: Map<string, number> | undefined;

  indexOf(id: string): number {
    this.idIndex ??= new Map(this.data.nodes.map((node, i) => [node.id, i]));
    return this.idIndex.get(id) ?? -1;
  }
}

export function valuesOf(node: GraphNode, key: FilterKey): string[] {
  switch (key) {
    case "layer":
      return [node.layer];
    case "type":
      return [node.type];
    case "schema":
      return node.schema ? [node.schema] : [];
    case "tag":
      return node.tags;
  }
}
