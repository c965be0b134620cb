/**
 * The data the graph page is built from: nodes of every layer (lake and Dataform), edges between them and
 * the assertions attached to the models they check. Built in Node (build.ts), embedded in the page as JSON,
 * read by the page's script (client/). Shared by both sides, so no Node or DOM imports here.
 */
import type { ProjectLineage } from "./lineage-trace.ts";

/** Layers, left to right. `band` orders the layout's column groups. */
export const LAYERS = [
  { id: "source", label: "Sources", colour: "#b07aa1" },
  { id: "landing", label: "Landing", colour: "#9c755f" },
  { id: "iceberg", label: "Silver (Iceberg)", colour: "#76b7b2" },
  { id: "operation", label: "Operations", colour: "#a0a0a0" },
  { id: "declaration", label: "Declarations", colour: "#59a14f" },
  { id: "staging", label: "Staging", colour: "#d4a72c" },
  { id: "model", label: "Other models", colour: "#ff9da7" },
  { id: "mart", label: "Marts", colour: "#4e79a7" },
  { id: "report", label: "Reports", colour: "#f28e2b" },
  { id: "assertion", label: "Assertions", colour: "#e15759" },
] as const;

export type Layer = (typeof LAYERS)[number]["id"];

export const LAYER_INDEX: Record<Layer, number> = Object.fromEntries(LAYERS.map((l, i) => [l.id, i])) as Record<Layer, number>;

/**
 * Node types: the lake's own (source, landing, iceberg) and Dataform's action types. An assertion is a node
 * only when it checks nothing in the graph; otherwise it is attached to the models it checks.
 */
export type NodeType =
  | "source"
  | "landing"
  | "iceberg"
  | "declaration"
  | "table"
  | "view"
  | "incremental"
  | "inline"
  | "operation"
  | "assertion";

/** Last run outcome. Anything the run file says that is not one of the first four is kept as is. */
export type RunStatus = "successful" | "failed" | "skipped" | "unknown" | (string & {});

export const STATUS_COLOURS: Record<string, string> = {
  successful: "#3a9d4a",
  failed: "#d62f2f",
  skipped: "#c9a227",
  disabled: "#8a8a8a",
  cancelled: "#8a8a8a",
  running: "#3b7dd8",
  unknown: "#c8c8c8",
  none: "#ffffff",
};

export interface GraphColumn {
  name: string;
  /** SQL type (silver schemas, or the warehouse's catalog when it was reachable). */
  type?: string;
  /** Iceberg type, for silver columns. */
  icebergType?: string;
  required?: boolean;
  description?: string;
  /** Where the column is known from. */
  origin: "definition" | "silver" | "warehouse" | "lineage";
}

export interface SqlBlock {
  label: string;
  text: string;
}

export interface GraphNode {
  /** Unique: `schema.name` (with database first if any) for Dataform actions; `<layer>:<key>` for lake nodes. */
  id: string;
  name: string;
  schema?: string;
  layer: Layer;
  type: NodeType;
  /** Layout column group (the layer's index, or later for an operation that depends on later layers). */
  band: number;
  description?: string;
  /** Project-relative definition file. */
  file?: string;
  tags: string[];
  columns: GraphColumn[];
  sql: SqlBlock[];
  /** Key/value facts shown in the side panel (prefix, source URL, unique key, partitions…). */
  details: [string, string][];
  status: RunStatus;
  /** The run file's error message, if it has one. */
  error?: string;
  disabled?: boolean;
  /** Indexes into GraphData.assertions. */
  assertions: number[];
}

export interface GraphAssertion {
  id: string;
  name: string;
  description?: string;
  file?: string;
  tags: string[];
  sql: string;
  status: RunStatus;
  error?: string;
  /** Declared in the model's own config (uniqueKey, nonNull, rowConditions) rather than in a file of its own. */
  builtIn: boolean;
  /** Node indexes of the models it checks. */
  checks: number[];
}

export interface GraphMeta {
  title: string;
  env: string;
  warehouse: string;
  generatedAt: string;
  dataformCoreVersion?: string;
  /** The last-run file read, when there was one. */
  lastRun?: { file: string; finishedAt?: string; command?: string };
  /** Unit tests (Dataform `type: "test"`): listed, they have no target in the compiled graph. */
  tests: { name: string; file?: string }[];
  /** What the build could not read (warehouse types, bucket counts); shown in the page's footer. */
  notes: string[];
}

export interface GraphData {
  meta: GraphMeta;
  nodes: GraphNode[];
  /** [from, to] node indexes: `from` is upstream of `to`. */
  edges: [number, number][];
  assertions: GraphAssertion[];
  /** Column lineage keyed by node id (lineage-project.ts); absent when the build left it out. */
  lineage?: ProjectLineage;
}
