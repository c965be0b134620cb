import { describe, expect, it } from "vitest";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";
import { buildGraph } from "../../scripts/graph/build.ts";
import { DEFAULT_LAYOUT, layeredLayout, spaceOut, type Layout } from "../../scripts/graph/layout.ts";
import { syntheticCompiled } from "../../scripts/graph/synthetic.ts";
import { LAKE } from "./helpers.ts";

const W = DEFAULT_LAYOUT.nodeWidth;
const STEP = DEFAULT_LAYOUT.nodeHeight + DEFAULT_LAYOUT.rowGap;

function expectNoOverlap(layout: Layout, nodes: number[]): void {
  const byColumn = new Map<number, number[]>();
  for (const v of nodes) byColumn.set(layout.x[v], [...(byColumn.get(layout.x[v]) ?? []), layout.y[v]]);
  for (const ys of byColumn.values()) {
    ys.sort((a, b) => a - b);
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(STEP - 1e-6);
  }
  const xs = [...byColumn.keys()].sort((a, b) => a - b);
  for (let i = 1; i < xs.length; i++) expect(xs[i] - xs[i - 1]).toBeGreaterThanOrEqual(W);
}

describe("spaceOut", () => {
  it("keeps positions that are far enough apart and pushes close ones apart around their mean", () => {
    expect(spaceOut([0, 100, 200], 10)).toEqual([0, 100, 200]);
    expect(spaceOut([5, 5, 5], 10)).toEqual([-5, 5, 15]);
    const out = spaceOut([0, 1, 50, 51], 10);
    expect(out[1] - out[0]).toBeCloseTo(10);
    expect(out[3] - out[2]).toBeCloseTo(10);
    expect(out[0] + out[1]).toBeCloseTo(1);
  });
});

describe("layeredLayout", () => {
  it("lays a chain out left to right, one column per step", () => {
    const layout = layeredLayout({ count: 3, band: [0, 0, 0], edges: [[0, 1], [1, 2]] });
    expect(layout.x[0]).toBeLessThan(layout.x[1]);
    expect(layout.x[1]).toBeLessThan(layout.x[2]);
    expect(layout.y[0]).toBe(layout.y[2]);
  });

  it("starts each band after the previous one, even without edges", () => {
    const layout = layeredLayout({ count: 3, band: [2, 0, 1], edges: [] });
    expect(layout.x[1]).toBeLessThan(layout.x[2]);
    expect(layout.x[2]).toBeLessThan(layout.x[0]);
  });

  it("leaves out excluded nodes (NaN) and ignores their edges", () => {
    const layout = layeredLayout({ count: 3, band: [0, 0, 0], edges: [[0, 1], [1, 2]], include: [1, 0, 1] });
    expect(layout.x[1]).toBeNaN();
    expect(layout.x[0]).toBe(layout.x[2]);
  });

  it("survives a cycle", () => {
    const layout = layeredLayout({ count: 2, band: [0, 0], edges: [[0, 1], [1, 0]] });
    expect(Number.isFinite(layout.x[0]) && Number.isFinite(layout.x[1])).toBe(true);
  });

  it("orders a crossing away", () => {
    // a→d and b→c, with c before d at first: the barycentre sweep uncrosses them.
    const layout = layeredLayout({ count: 4, band: [0, 0, 1, 1], edges: [[0, 3], [1, 2]] });
    expect(Math.sign(layout.y[0] - layout.y[1])).toBe(Math.sign(layout.y[3] - layout.y[2]));
  });

  it("lays out a 2,000-action project with every edge left to right, no overlaps, and wrapped tall columns", () => {
    const g = buildGraph({ compiled: syntheticCompiled({ actions: 2000 }), silverTables: SILVER_TABLES, lake: LAKE, env: "ci" });
    const layout = layeredLayout({ count: g.nodes.length, band: g.nodes.map((n) => n.band), edges: g.edges });
    for (const [a, b] of g.edges) expect(layout.x[a]).toBeLessThan(layout.x[b]);
    expectNoOverlap(layout, g.nodes.map((_, i) => i));
    // Wrapped: the drawing is a landscape rectangle, not a strip.
    expect(layout.width / layout.height).toBeGreaterThan(0.8);
    expect(layout.width / layout.height).toBeLessThan(4);
  });
});
