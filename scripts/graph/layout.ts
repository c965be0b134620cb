/**
 * A small layered (Sugiyama-style) layout, fast enough to run in the page on every focus or filter change:
 *  1. columns: a node's band (its layer) first, then the longest path from its upstream nodes in that band;
 *  2. order within a column: barycentre sweeps down and up the columns, to reduce edge crossings;
 *  3. rows: each node pulled towards the mean height of its neighbours, keeping the order and a minimum
 *     gap (isotonic regression, pool-adjacent-violators), in a few sweeps;
 *  4. a column longer than the page can show is wrapped into several sub-columns, so a 2,000-node graph
 *     is a wide rectangle, not a 50,000-pixel strip.
 * Linear in nodes + edges per sweep; no dependencies. Used by the page and by tests (pure, no DOM).
 */

export interface LayoutInput {
  /** Number of nodes; node i has band[i]. */
  count: number;
  band: ArrayLike<number>;
  /** [from, to] node indexes. */
  edges: ArrayLike<readonly [number, number]>;
  /** Nodes to lay out (others get NaN); all when absent. */
  include?: ArrayLike<boolean | number>;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  /** Extra horizontal gap where the band changes. */
  bandGap: number;
  /** Ordering sweeps (each is one pass down and one up). */
  sweeps: number;
  /** Wanted width / height of the whole drawing when columns must be wrapped. */
  aspect: number;
  /** Columns up to this long are never wrapped. */
  minWrapRows: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 200,
  nodeHeight: 36,
  columnGap: 48,
  rowGap: 12,
  bandGap: 24,
  sweeps: 4,
  aspect: 1.8,
  minWrapRows: 40,
};

export interface LayoutColumn {
  x: number;
  band: number;
  rank: number;
}

export interface Layout {
  /** Top-left corner of each node; NaN for nodes not laid out. */
  x: Float64Array;
  y: Float64Array;
  width: number;
  height: number;
  columns: LayoutColumn[];
  /** Rank (logical column before wrapping) of each node; -1 when not laid out. */
  rank: Int32Array;
}

/** Pool-adjacent-violators: positions closest to `desired` (in order) with at least `gap` between neighbours. */
export function spaceOut(desired: number[], gap: number): number[] {
  const n = desired.length;
  const sums: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    sums.push(desired[i] - i * gap);
    counts.push(1);
    while (sums.length > 1 && sums[sums.length - 2] / counts[counts.length - 2] > sums[sums.length - 1] / counts[counts.length - 1]) {
      const s = sums.pop()!;
      const c = counts.pop()!;
      sums[sums.length - 1] += s;
      counts[counts.length - 1] += c;
    }
  }
  const out: number[] = new Array(n);
  let i = 0;
  for (let b = 0; b < sums.length; b++) {
    const mean = sums[b] / counts[b];
    for (let k = 0; k < counts[b]; k++, i++) out[i] = mean + i * gap;
  }
  return out;
}

export function layeredLayout(input: LayoutInput, options: Partial<LayoutOptions> = {}): Layout {
  const o = { ...DEFAULT_LAYOUT, ...options };
  const n = input.count;
  const included = (i: number) => !input.include || Boolean(input.include[i]);
  const nodes: number[] = [];
  for (let i = 0; i < n; i++) if (included(i)) nodes.push(i);

  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  for (let e = 0; e < input.edges.length; e++) {
    const [a, b] = input.edges[e];
    if (a === b || !included(a) || !included(b)) continue;
    preds[b].push(a);
    succs[a].push(b);
  }

  // Topological order (Kahn, stable by index); nodes on a cycle follow in index order.
  const indegree = new Int32Array(n);
  for (const v of nodes) indegree[v] = preds[v].length;
  const topo: number[] = [];
  const seen = new Uint8Array(n);
  const queue: number[] = nodes.filter((v) => indegree[v] === 0);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    seen[v] = 1;
    topo.push(v);
    for (const w of succs[v]) if (--indegree[w] === 0) queue.push(w);
  }
  for (const v of nodes) if (!seen[v]) topo.push(v);

  // Ranks: bands in order; within a band, longest path from upstream nodes of the same band.
  const rank = new Int32Array(n).fill(-1);
  const bands = [...new Set(nodes.map((v) => input.band[v]))].sort((a, b) => a - b);
  let next = 0;
  for (const b of bands) {
    const start = next;
    for (const v of topo) {
      if (input.band[v] !== b) continue;
      let r = start;
      for (const u of preds[v]) if (input.band[u] === b && rank[u] >= 0) r = Math.max(r, rank[u] + 1);
      rank[v] = r;
      next = Math.max(next, r + 1);
    }
  }
  const columns: number[][] = Array.from({ length: next }, () => []);
  for (const v of nodes) columns[rank[v]].push(v);

  // Order within columns: barycentre of neighbours' relative positions.
  const pos = new Float64Array(n);
  const setPositions = (col: number[]) => col.forEach((v, i) => (pos[v] = (i + 0.5) / col.length));
  columns.forEach(setPositions);
  const reorder = (col: number[], neighbours: number[][]) => {
    const key = new Map<number, number>();
    for (const v of col) {
      const ns = neighbours[v];
      if (ns.length === 0) key.set(v, pos[v]);
      else {
        let sum = 0;
        for (const u of ns) sum += pos[u];
        key.set(v, sum / ns.length);
      }
    }
    col.sort((a, b) => key.get(a)! - key.get(b)! || pos[a] - pos[b]);
    setPositions(col);
  };
  for (let s = 0; s < o.sweeps; s++) {
    for (let r = 1; r < columns.length; r++) reorder(columns[r], preds);
    for (let r = columns.length - 2; r >= 0; r--) reorder(columns[r], succs);
  }

  // Wrapping: the row count that brings the drawing closest to the wanted aspect.
  const step = o.nodeHeight + o.rowGap;
  const colWidth = o.nodeWidth + o.columnGap;
  const longest = columns.reduce((m, c) => Math.max(m, c.length), 0);
  let maxRows = longest;
  if (longest > o.minWrapRows) {
    let best = Infinity;
    for (let rows = o.minWrapRows; rows <= longest; rows += Math.max(1, Math.floor((longest - o.minWrapRows) / 200))) {
      let cols = 0;
      for (const c of columns) cols += Math.max(1, Math.ceil(c.length / rows));
      const aspect = (cols * colWidth) / (rows * step);
      const score = Math.abs(Math.log(aspect / o.aspect));
      if (score < best) {
        best = score;
        maxRows = rows;
      }
    }
  }

  const x = new Float64Array(n).fill(NaN);
  const y = new Float64Array(n).fill(NaN);
  const outColumns: LayoutColumn[] = [];
  const wrapped = new Uint8Array(columns.length);
  let cx = 0;
  let previousBand: number | undefined;
  columns.forEach((col, r) => {
    if (col.length === 0) return;
    const band = input.band[col[0]];
    if (previousBand !== undefined && band !== previousBand) cx += o.bandGap;
    previousBand = band;
    const parts = Math.max(1, Math.ceil(col.length / maxRows));
    const rows = Math.ceil(col.length / parts);
    wrapped[r] = parts > 1 ? 1 : 0;
    for (let p = 0; p < parts; p++) {
      outColumns.push({ x: cx, band, rank: r });
      const chunk = col.slice(p * rows, (p + 1) * rows);
      chunk.forEach((v, i) => {
        x[v] = cx;
        y[v] = (i - (rows - 1) / 2) * step;
      });
      cx += colWidth;
    }
  });

  // Rows: pull unwrapped columns towards their neighbours, keeping order and gaps.
  const pull = (r: number, neighbours: number[][][]) => {
    const col = columns[r];
    if (wrapped[r] || col.length === 0) return;
    const desired = col.map((v) => {
      let sum = 0;
      let count = 0;
      for (const list of neighbours) {
        for (const u of list[v]) {
          sum += y[u];
          count++;
        }
      }
      return count ? sum / count : y[v];
    });
    const placed = spaceOut(desired, step);
    col.forEach((v, i) => (y[v] = placed[i]));
  };
  for (let s = 0; s < 2; s++) {
    for (let r = 0; r < columns.length; r++) pull(r, [preds]);
    for (let r = columns.length - 1; r >= 0; r--) pull(r, [succs]);
  }
  for (let r = 0; r < columns.length; r++) pull(r, [preds, succs]);

  let minY = Infinity;
  let maxY = -Infinity;
  for (const v of nodes) {
    minY = Math.min(minY, y[v]);
    maxY = Math.max(maxY, y[v]);
  }
  if (nodes.length === 0) minY = maxY = 0;
  for (const v of nodes) y[v] -= minY;
  return {
    x,
    y,
    width: Math.max(0, cx - o.columnGap),
    height: nodes.length ? maxY - minY + o.nodeHeight : 0,
    columns: outColumns,
    rank,
  };
}
