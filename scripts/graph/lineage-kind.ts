/**
 * Kinds of column dependency and how they compose along a path. Shared by the Node side (lineage.ts) and
 * the page (client/), so no imports here.
 */

/** How an output column depends on an input column, weakest first. */
export type LineageKind = "filter" | "copied" | "transformed" | "aggregated";

export const KIND_LABEL: Record<LineageKind, string> = {
  copied: "copied",
  transformed: "transformed",
  aggregated: "aggregated",
  filter: "filter/join only",
};

export const RANK: Record<LineageKind, number> = { filter: 0, copied: 1, transformed: 2, aggregated: 3 };

export interface ColumnInput {
  /** Table id as the SQL names it, resolved by the caller's `tableId` (e.g. `gold.fct_session_items`). */
  table: string;
  column: string;
  kind: LineageKind;
}

export interface ColumnLineage {
  name: string;
  inputs: ColumnInput[];
  /** Why part of this column could not be traced (one line each); empty when fully resolved. */
  unresolved: string[];
}

/** Composing two hops: filter anywhere makes the whole path filter-only; otherwise the stronger hop wins. */
export function composeKind(outer: LineageKind, inner: LineageKind): LineageKind {
  if (outer === "filter" || inner === "filter") return "filter";
  return RANK[outer] >= RANK[inner] ? outer : inner;
}

/** Merging two paths to the same input: the stronger kind wins (a value dependency beats a filter). */
export function mergeKind(a: LineageKind, b: LineageKind): LineageKind {
  return RANK[a] >= RANK[b] ? a : b;
}

