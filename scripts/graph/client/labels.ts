/**
 * What a node is called on the canvas: its name, or, when several nodes share it (the Iceberg table, its
 * silver declaration and a Sparkify model all called `songs`), a form that tells them apart; a landing prefix
 * without its `landing/` (the band header says it). Long labels are
 * shortened in the middle (`stg_api…sessions`), keeping the ends that differ; the full name is in the tooltip
 * and the panel.
 */
import type { GraphNode } from "../model.ts";

/** Canvas labels per node: unique names as they are, shared ones qualified by schema (but the Iceberg table's). */
export function displayNames(nodes: GraphNode[]): string[] {
  const count = new Map<string, number>();
  for (const n of nodes) count.set(n.name, (count.get(n.name) ?? 0) + 1);
  return nodes.map((n) => {
    // The band header already says Landing: `landing/catalog/songs/` is drawn `catalog/songs/`.
    if (n.layer === "landing" && n.name.startsWith("landing/")) return n.name.slice("landing/".length);
    // The Iceberg table keeps the bare name (its band says Silver (Iceberg)); the others get their schema.
    if ((count.get(n.name) ?? 0) < 2 || n.layer === "iceberg") return n.name;
    return n.schema ? `${n.schema}.${n.name}` : n.id;
  });
}

/**
 * `text` shortened in the middle to fit `room`, knowing its full width (assumes even character widths:
 * cheap, close enough). Keeps a little more of the end, where names differ most (`__sessions`, `__users`).
 */
export function middleCut(text: string, width: number, room: number): string {
  if (width <= room || text.length < 3) return text;
  const keep = Math.max(2, Math.floor((text.length * room) / width) - 1);
  const tail = Math.ceil(keep * 0.55);
  const head = Math.max(1, keep - tail);
  return `${text.slice(0, head)}…${text.slice(text.length - tail)}`;
}
