/// <reference lib="dom" />
/**
 * The drawing: one canvas, redrawn on demand (never in a loop). Only what is on screen is drawn; text and
 * badges only when nodes are big enough to read. Pan by dragging, zoom with the wheel, click to pick.
 */
import { DEFAULT_LAYOUT } from "../layout.ts";
import { LAYERS, STATUS_COLOURS, type Layer } from "../model.ts";
import { displayNames, middleCut } from "./labels.ts";
import type { GraphState } from "./state.ts";

const W = DEFAULT_LAYOUT.nodeWidth;
const H = DEFAULT_LAYOUT.nodeHeight;
const LAYER_COLOUR = Object.fromEntries(LAYERS.map((l) => [l.id, l.colour])) as Record<Layer, string>;
const LAYER_LABEL = Object.fromEntries(LAYERS.map((l) => [l.id, l.label])) as Record<Layer, string>;
const BAND_LABEL = LAYERS.map((l) => l.label);
/** Column lineage and selection: upstream blue, downstream orange, the traced node itself black. */
const TRACE_COLOUR = { up: "#2a6fdb", down: "#d9730d", self: "#111111" } as const;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** A colour mixed with white: `amount` 0 is the colour, 1 is white. */
export function tint(hex: string, amount: number): string {
  const v = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  return `rgb(${mix((v >> 16) & 255)},${mix((v >> 8) & 255)},${mix(v & 255)})`;
}

export interface ViewCallbacks {
  onPick(node: number | null): void;
  onHover(node: number | null, clientX: number, clientY: number): void;
}

export class GraphView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private scale = 1;
  private tx = 0;
  private ty = 0;
  private dpr = 1;
  private width = 0;
  private height = 0;
  private frame = 0;
  hovered: number | null = null;
  /** Labels cut to the node's width, measured once per node. */
  private readonly labels: ({ label: string; labelWidth: number; sub: string; subWidth: number } | undefined)[] = [];
  /** Canvas names (shared names qualified), and the label each node got in the last draw. */
  readonly names: string[];
  readonly drawnLabels = new Map<number, string>();
  /** Draws taken, and the last one's duration (for the benchmark). */
  draws = 0;
  lastDrawMs = 0;

  constructor(
    canvas: HTMLCanvasElement,
    private readonly state: GraphState,
    private readonly callbacks: ViewCallbacks,
  ) {
    this.canvas = canvas;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("no 2D canvas");
    this.ctx = ctx;
    this.names = displayNames(state.data.nodes);
    this.resize();
    // Resizing clears the canvas: redraw at once (not in the next animation frame), and only on a real change,
    // so the first frame stays on screen even where no animation frame comes (a headless screenshot).
    new ResizeObserver(() => {
      const box = (this.canvas.parentElement ?? this.canvas).getBoundingClientRect();
      if (Math.max(1, box.width) === this.width && Math.max(1, box.height) === this.height && (window.devicePixelRatio || 1) === this.dpr) return;
      this.resize();
      this.draw();
    }).observe(canvas.parentElement ?? canvas);
    this.bindPointer();
  }

  resize(): void {
    const box = (this.canvas.parentElement ?? this.canvas).getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    this.width = Math.max(1, box.width);
    this.height = Math.max(1, box.height);
    this.canvas.width = Math.round(this.width * this.dpr);
    this.canvas.height = Math.round(this.height * this.dpr);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
  }

  /** Fits the visible nodes in the canvas (not enlarging past 1.2×). */
  fit(): void {
    this.resize();
    const { width, height } = this.state.layout;
    const margin = 40;
    const top = 28;
    const scale = Math.min((this.width - 2 * margin) / Math.max(width, 1), (this.height - 2 * margin - top) / Math.max(height, 1), 1);
    this.scale = Math.max(0.005, scale);
    this.tx = (this.width - width * this.scale) / 2;
    this.ty = top + (this.height - top - height * this.scale) / 2;
    this.requestDraw();
  }

  /** Centres a node, zooming in to a readable size if needed. */
  centre(node: number): void {
    const { x, y } = this.state.layout;
    if (Number.isNaN(x[node])) return;
    this.scale = Math.max(this.scale, 0.8);
    this.tx = this.width / 2 - (x[node] + W / 2) * this.scale;
    this.ty = this.height / 2 - (y[node] + H / 2) * this.scale;
    this.requestDraw();
  }

  /** Client (page) coordinates of a node's centre, or null when it is not laid out. */
  clientPoint(node: number): { x: number; y: number } | null {
    const { x, y } = this.state.layout;
    if (Number.isNaN(x[node])) return null;
    const box = this.canvas.getBoundingClientRect();
    return { x: box.left + this.tx + (x[node] + W / 2) * this.scale, y: box.top + this.ty + (y[node] + H / 2) * this.scale };
  }

  isOnScreen(node: number): boolean {
    const p = this.clientPoint(node);
    if (!p) return false;
    const box = this.canvas.getBoundingClientRect();
    return p.x >= box.left && p.x <= box.right && p.y >= box.top && p.y <= box.bottom;
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  nodeAt(clientX: number, clientY: number): number | null {
    const box = this.canvas.getBoundingClientRect();
    const wx = (clientX - box.left - this.tx) / this.scale;
    const wy = (clientY - box.top - this.ty) / this.scale;
    const { x, y } = this.state.layout;
    const visible = this.state.visible;
    for (let i = 0; i < visible.length; i++) {
      if (visible[i] && wx >= x[i] && wx <= x[i] + W && wy >= y[i] && wy <= y[i] + H) return i;
    }
    return null;
  }

  private bindPointer(): void {
    const canvas = this.canvas;
    let down: { x: number; y: number; tx: number; ty: number; id: number } | null = null;
    let dragged = false;
    canvas.addEventListener("pointerdown", (e) => {
      down = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, id: e.pointerId };
      dragged = false;
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointermove", (e) => {
      if (down && e.pointerId === down.id) {
        const dx = e.clientX - down.x;
        const dy = e.clientY - down.y;
        if (!dragged && Math.hypot(dx, dy) > 4) dragged = true;
        if (dragged) {
          this.tx = down.tx + dx;
          this.ty = down.ty + dy;
          canvas.style.cursor = "grabbing";
          this.requestDraw();
        }
        return;
      }
      const hit = this.nodeAt(e.clientX, e.clientY);
      canvas.style.cursor = hit === null ? "grab" : "pointer";
      if (hit !== this.hovered) {
        this.hovered = hit;
        this.requestDraw();
      }
      this.callbacks.onHover(hit, e.clientX, e.clientY);
    });
    const release = (e: PointerEvent) => {
      if (!down || e.pointerId !== down.id) return;
      const wasDrag = dragged;
      down = null;
      dragged = false;
      canvas.style.cursor = "grab";
      if (!wasDrag && e.type === "pointerup") this.callbacks.onPick(this.nodeAt(e.clientX, e.clientY));
    };
    canvas.addEventListener("pointerup", release);
    canvas.addEventListener("pointercancel", release);
    canvas.addEventListener("pointerleave", () => {
      if (this.hovered !== null) {
        this.hovered = null;
        this.requestDraw();
      }
      this.callbacks.onHover(null, 0, 0);
    });
    canvas.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const box = canvas.getBoundingClientRect();
        const px = e.clientX - box.left;
        const py = e.clientY - box.top;
        const factor = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
        const scale = Math.min(3, Math.max(0.005, this.scale * factor));
        this.tx = px - ((px - this.tx) * scale) / this.scale;
        this.ty = py - ((py - this.ty) * scale) / this.scale;
        this.scale = scale;
        this.requestDraw();
      },
      { passive: false },
    );
  }

  currentScale(): number {
    return this.scale;
  }

  /** Zooms by a factor around the canvas centre (toolbar buttons, keyboard). */
  zoom(factor: number): void {
    const scale = Math.min(3, Math.max(0.005, this.scale * factor));
    const cx = this.width / 2;
    const cy = this.height / 2;
    this.tx = cx - ((cx - this.tx) * scale) / this.scale;
    this.ty = cy - ((cy - this.ty) * scale) / this.scale;
    this.scale = scale;
    this.requestDraw();
  }

  /** The colour a node is filled with in the current mode. */
  colourOf(i: number): string {
    const node = this.state.data.nodes[i];
    switch (this.state.colourBy) {
      case "layer":
        return LAYER_COLOUR[node.layer];
      case "status":
        return STATUS_COLOURS[node.status] ?? STATUS_COLOURS.unknown;
      case "assertions":
        return STATUS_COLOURS[this.state.assertionStatus(i)] ?? STATUS_COLOURS.unknown;
    }
  }

  /** Full label widths at the base fonts (world units), measured once per node. */
  private labelOf(i: number): { label: string; labelWidth: number; sub: string; subWidth: number } {
    let label = this.labels[i];
    if (label === undefined) {
      const node = this.state.data.nodes[i];
      const ctx = this.ctx;
      const sub = [node.schema, node.type === node.layer ? LAYER_LABEL[node.layer].toLowerCase() : node.type].filter(Boolean).join(" · ");
      const name = this.names[i];
      ctx.font = `600 13px ${FONT}`;
      const labelWidth = ctx.measureText(name).width;
      ctx.font = `11px ${FONT}`;
      const subWidth = ctx.measureText(sub).width;
      label = { label: name, labelWidth, sub, subWidth };
      this.labels[i] = label;
    }
    return label;
  }

  draw(): void {
    const started = performance.now();
    const { ctx, state } = this;
    const { x, y } = state.layout;
    const nodes = state.data.nodes;
    const edges = state.data.edges;
    const s = this.scale;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = "#f7f8fa";
    ctx.fillRect(0, 0, this.width, this.height);

    // World rectangle on screen, with a margin.
    const x0 = -this.tx / s - W;
    const x1 = (this.width - this.tx) / s + W;
    const y0 = -this.ty / s - H;
    const y1 = (this.height - this.ty) / s + H;
    const onScreen = (i: number) => x[i] >= x0 && x[i] <= x1 && y[i] >= y0 && y[i] <= y1;
    const selected = state.selected;
    // Semantic zoom: below readable size, nodes are plain boxes; between, one line in a font that stays
    // about 10-11 px on screen; near full size, name and schema/type.
    const detailed = H * s >= 12;
    const twoLines = s >= 0.78;
    const labelFont = twoLines ? 13 : Math.min(Math.max(13, 11 / s), H * 0.72);

    ctx.setTransform(this.dpr * s, 0, 0, this.dpr * s, this.dpr * this.tx, this.dpr * this.ty);

    // Edges: plain first, the selected node's on top.
    const highlighted: number[] = [];
    ctx.lineWidth = Math.max(1 / s, 1.2);
    ctx.strokeStyle = selected === null ? "rgba(80,90,110,0.38)" : "rgba(80,90,110,0.18)";
    ctx.beginPath();
    const traced = state.trace?.byNode;
    this.drawnLabels.clear();
    const dirOf = (n: number) => traced?.get(n)?.[0]?.dir;
    for (const e of state.visibleEdges) {
      const [a, b] = edges[e];
      if (traced ? traced.has(a) && traced.has(b) : a === selected || b === selected) {
        highlighted.push(e);
        continue;
      }
      this.edgePath(a, b, x0, x1, y0, y1);
    }
    ctx.stroke();
    if (highlighted.length) {
      ctx.lineWidth = Math.max(2 / s, 2.2);
      for (const e of highlighted) {
        const [a, b] = edges[e];
        // Upstream of the selection (or of the traced column) in blue, downstream in orange.
        ctx.strokeStyle = (traced ? dirOf(a) === "up" : b === selected) ? TRACE_COLOUR.up : TRACE_COLOUR.down;
        ctx.beginPath();
        this.edgePath(a, b, -Infinity, Infinity, -Infinity, Infinity);
        ctx.stroke();
      }
    }
    if (detailed) {
      ctx.fillStyle = selected === null ? "rgba(80,90,110,0.55)" : "rgba(80,90,110,0.3)";
      ctx.beginPath();
      for (const e of state.visibleEdges) {
        const b = edges[e][1];
        if (!onScreen(b)) continue;
        ctx.moveTo(x[b], y[b] + H / 2);
        ctx.lineTo(x[b] - 7, y[b] + H / 2 - 4);
        ctx.lineTo(x[b] - 7, y[b] + H / 2 + 4);
        ctx.closePath();
      }
      ctx.fill();
    }

    // Nodes.
    for (let i = 0; i < nodes.length; i++) {
      if (!state.visible[i] || !onScreen(i)) continue;
      const colour = this.colourOf(i);
      const node = nodes[i];
      const onTrace = traced?.get(i);
      ctx.globalAlpha = traced && !onTrace ? 0.3 : 1;
      if (!detailed) {
        ctx.fillStyle = colour === STATUS_COLOURS.none ? "#d8dbe0" : colour;
        ctx.fillRect(x[i], y[i], W, H);
        if (i === selected) {
          ctx.lineWidth = 4 / s;
          ctx.strokeStyle = "#111";
          ctx.strokeRect(x[i], y[i], W, H);
        }
        continue;
      }
      ctx.beginPath();
      ctx.roundRect(x[i], y[i], W, H, 6);
      ctx.fillStyle = colour === STATUS_COLOURS.none ? "#ffffff" : tint(colour, 0.82);
      ctx.fill();
      ctx.lineWidth = i === selected || onTrace ? 3 : i === this.hovered ? 2 : 1;
      ctx.strokeStyle =
        i === selected ? "#111" : onTrace ? TRACE_COLOUR[onTrace[0].dir] : i === this.hovered ? "#444" : tint(colour === STATUS_COLOURS.none ? "#888888" : colour, 0.3);
      ctx.stroke();
      ctx.fillStyle = colour === STATUS_COLOURS.none ? "#bbbbbb" : colour;
      ctx.beginPath();
      ctx.roundRect(x[i], y[i], 7, H, [6, 0, 0, 6]);
      ctx.fill();
      if (node.disabled) {
        ctx.setLineDash([4, 3]);
        ctx.strokeStyle = "#777";
        ctx.strokeRect(x[i] + 2, y[i] + 2, W - 4, H - 4);
        ctx.setLineDash([]);
      }
      const text = this.labelOf(i);
      const room = W - 20 - (node.assertions.length ? 36 : 0);
      ctx.fillStyle = "#1d1f24";
      // A long name gets a smaller font (down to about 9 px on screen) before it is cut.
      const font = Math.min(labelFont, Math.max(9 / s, (room * 13) / Math.max(text.labelWidth, 1)));
      ctx.font = `600 ${font}px ${FONT}`;
      const shown = middleCut(text.label, (text.labelWidth * font) / 13, room);
      this.drawnLabels.set(i, shown);
      ctx.fillText(shown, x[i] + 13, twoLines ? y[i] + 16 : y[i] + H / 2 + font * 0.36);
      if (twoLines && onTrace) {
        // The traced columns this node holds, in place of schema and type.
        ctx.fillStyle = TRACE_COLOUR[onTrace[0].dir];
        ctx.font = `600 11px ${FONT}`;
        const list = `▸ ${onTrace.map((c) => c.column).join(", ")}`;
        ctx.fillText(fitText(ctx, list, W - 22), x[i] + 13, y[i] + 30);
      } else if (twoLines) {
        ctx.fillStyle = "#5b606b";
        ctx.font = `11px ${FONT}`;
        ctx.fillText(middleCut(text.sub, text.subWidth, W - 22), x[i] + 13, y[i] + 30);
      }
      if (node.assertions.length) this.badge(i, x[i] + W - 36, twoLines ? y[i] + 6 : y[i] + (H - 16) / 2);
      if (state.colourBy === "layer" && node.status !== "unknown") {
        ctx.beginPath();
        ctx.arc(x[i] + W - 9, y[i] + H - 9, 4, 0, Math.PI * 2);
        ctx.fillStyle = STATUS_COLOURS[node.status] ?? STATUS_COLOURS.unknown;
        ctx.fill();
      }
    }

    ctx.globalAlpha = 1;
    this.drawBandHeaders();
    this.draws++;
    this.lastDrawMs = performance.now() - started;
  }

  private edgePath(a: number, b: number, x0: number, x1: number, y0: number, y1: number): void {
    const { x, y } = this.state.layout;
    const ax = x[a] + W;
    const ay = y[a] + H / 2;
    const bx = x[b];
    const by = y[b] + H / 2;
    if (Math.max(ax, bx) < x0 || Math.min(ax, bx) > x1 || Math.max(ay, by) < y0 || Math.min(ay, by) > y1) return;
    const dx = Math.max(40, Math.abs(bx - ax) / 2);
    this.ctx.moveTo(ax, ay);
    this.ctx.bezierCurveTo(ax + dx, ay, bx - dx, by, bx, by);
  }

  private badge(i: number, bx: number, by: number): void {
    const ctx = this.ctx;
    const status = this.state.assertionStatus(i);
    const count = this.state.data.nodes[i].assertions.length;
    ctx.beginPath();
    ctx.roundRect(bx, by, 30, 16, 8);
    ctx.fillStyle = status === "failed" ? STATUS_COLOURS.failed : status === "successful" ? STATUS_COLOURS.successful : "#7a7f8a";
    ctx.fill();
    ctx.fillStyle = "#fff";
    ctx.font = `600 10px ${FONT}`;
    ctx.textAlign = "center";
    ctx.fillText(`${status === "failed" ? "✗" : status === "successful" ? "✓" : "?"}${count}`, bx + 15, by + 12);
    ctx.textAlign = "left";
  }

  /** Layer names above their columns, kept at the top of the screen. */
  private drawBandHeaders(): void {
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    const columns = this.state.layout.columns;
    const spans = new Map<number, [number, number]>();
    for (const c of columns) {
      const span = spans.get(c.band);
      if (span) span[1] = c.x + W;
      else spans.set(c.band, [c.x, c.x + W]);
    }
    ctx.fillStyle = "rgba(247,248,250,0.92)";
    ctx.fillRect(0, 0, this.width, 24);
    ctx.font = `600 12px ${FONT}`;
    ctx.textBaseline = "middle";
    for (const [band, [a, b]] of spans) {
      const left = this.tx + a * this.scale;
      const right = this.tx + b * this.scale;
      if (right < 0 || left > this.width) continue;
      const label = BAND_LABEL[band] ?? "";
      const colour = LAYERS[band]?.colour ?? "#666";
      const from = Math.max(left, 4);
      const to = Math.min(right, this.width - 4);
      ctx.fillStyle = colour;
      ctx.fillRect(from, 20, Math.max(0, to - from), 3);
      ctx.fillStyle = "#2b2f36";
      if (to - from > 30) ctx.fillText(fitText(ctx, label, to - from - 4), from + 2, 11);
    }
    ctx.textBaseline = "alphabetic";
  }
}

function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
