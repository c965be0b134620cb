/// <reference lib="dom" />
/**
 * The page's script (bundled by esbuild into the HTML file): wires the search box, focus controls, filters,
 * colour modes and side panel to the state and the canvas view. `window.lakehouseGraph` exposes a small
 * read-only API for tests and the benchmark.
 */
import { findColumn } from "../lineage-trace.ts";
import { LAYERS, STATUS_COLOURS, type GraphData } from "../model.ts";
import { byId, el } from "./dom.ts";
import { renderPanel } from "./panel.ts";
import { FILTER_KEYS, GraphState, type ColourBy, type FilterKey, type SearchHit } from "./state.ts";
import { GraphView } from "./view.ts";

declare global {
  interface Window {
    lakehouseGraph?: {
      ready: boolean;
      nodeCount: number;
      visibleIds(): string[];
      selectedId(): string | null;
      focus(): { id: string; up: number; down: number } | null;
      clientPoint(id: string): { x: number; y: number } | null;
      timings: Record<string, number>;
      lastDrawMs(): number;
      layoutMs(): number;
      /** Milliseconds the last change of focus or filters took (visibility, layout, fit), before drawing. */
      lastRefreshMs(): number;
      /** Draws taken so far (a change is drawn in the next animation frame). */
      draws(): number;
      /** Draws now, synchronously; returns how long it took (ms). */
      drawNow(): number;
      /** Zooms to a scale (1 = full size) around the canvas centre. */
      zoomTo(scale: number): void;
      /** The traced column, with its upstream and downstream columns as `nodeId.column`. */
      trace(): { id: string; column: string; up: string[]; down: string[] } | null;
      /** The label each node got in the last draw, by node id. */
      drawnLabels(): Record<string, string>;
      /** Traced columns drawn inside a node (empty when it is not on the trace). */
      tracedColumns(id: string): string[];
    };
  }
}

const LAYER_LABEL = Object.fromEntries(LAYERS.map((l) => [l.id, l.label]));
const LAYER_COLOUR = Object.fromEntries(LAYERS.map((l) => [l.id, l.colour]));

function start(): void {
  const t0 = performance.now();
  const raw = byId("graph-data").textContent ?? "{}";
  const data = JSON.parse(raw) as GraphData;
  const tParsed = performance.now();
  const state = new GraphState(data);
  const tLayout = performance.now();

  const canvas = byId<HTMLCanvasElement>("canvas");
  const panel = byId("panel");
  const search = byId<HTMLInputElement>("search");
  const results = byId<HTMLOListElement>("search-results");
  const hopsUp = byId<HTMLInputElement>("hops-up");
  const hopsDown = byId<HTMLInputElement>("hops-down");
  const clearFocus = byId<HTMLButtonElement>("clear-focus");
  const focusState = byId("focus-state");
  const count = byId("count");
  const tooltip = byId("tooltip");
  const colourBy = byId<HTMLSelectElement>("colour-by");
  const empty = byId("empty");

  const view = new GraphView(canvas, state, {
    onPick(node) {
      if (node === null) {
        select(null);
        return;
      }
      focusOn(node);
    },
    onHover(node, cx, cy) {
      if (node === null) {
        tooltip.hidden = true;
        return;
      }
      const n = state.data.nodes[node];
      tooltip.replaceChildren(
        el("strong", {}, n.name),
        el("div", { class: "muted small" }, `${n.id} · ${n.type}`),
        ...(n.description ? [el("div", { class: "small" }, n.description.length > 160 ? `${n.description.slice(0, 160)}…` : n.description)] : []),
      );
      const box = canvas.getBoundingClientRect();
      tooltip.style.left = `${Math.min(cx - box.left + 14, box.width - 300)}px`;
      tooltip.style.top = `${cy - box.top + 14}px`;
      tooltip.hidden = false;
    },
  });

  const hops = (input: HTMLInputElement) => {
    const v = Math.floor(Number(input.value));
    return Number.isFinite(v) && v >= 0 ? Math.min(v, 999) : 2;
  };

  function writeHash(): void {
    const parts: string[] = [];
    if (state.trace) parts.push(`col=${encodeURIComponent(`${state.data.nodes[state.trace.node].id}.${state.trace.column}`)}`);
    else if (state.focus) parts.push(`focus=${encodeURIComponent(state.data.nodes[state.focus.node].id)}`, `up=${state.focus.up}`, `down=${state.focus.down}`);
    if (state.selected !== null && state.selected !== state.focus?.node) parts.push(`node=${encodeURIComponent(state.data.nodes[state.selected].id)}`);
    for (const key of FILTER_KEYS) if (state.filters[key].size) parts.push(`${key}=${[...state.filters[key]].map(encodeURIComponent).join(",")}`);
    if (state.colourBy !== "layer") parts.push(`colour=${state.colourBy}`);
    try {
      history.replaceState(null, "", parts.length ? `#${parts.join("&")}` : location.pathname + location.search);
    } catch {
      /* some file:// contexts refuse; the page works without */
    }
  }

  let lastRefreshMs = 0;
  function refresh(options: { fit?: boolean } = {}): void {
    const started = performance.now();
    state.update();
    const n = state.data.nodes.length;
    count.textContent = `Showing ${state.visibleCount.toLocaleString("en-US")} of ${n.toLocaleString("en-US")} nodes · ${state.visibleEdges.length.toLocaleString("en-US")} edges`;
    count.dataset.visible = String(state.visibleCount);
    count.dataset.total = String(n);
    empty.hidden = state.visibleCount > 0;
    if (state.focus) {
      const node = state.data.nodes[state.focus.node];
      focusState.replaceChildren("Focused on ", el("strong", {}, node.name), ` (${state.focus.up} up, ${state.focus.down} down)`);
      clearFocus.disabled = false;
    } else {
      focusState.textContent = "Click a node (or pick a search result) to focus on it.";
      clearFocus.disabled = true;
    }
    for (const key of FILTER_KEYS) {
      byId(`filter-${key}`)
        .querySelectorAll<HTMLInputElement>("input[type=checkbox]")
        .forEach((box) => (box.checked = state.filters[key].has(box.value)));
      const active = byId(`filter-${key}-active`);
      active.textContent = state.filters[key].size ? `${state.filters[key].size} selected` : "";
    }
    if (options.fit) view.fit();
    view.requestDraw();
    renderLegend();
    writeHash();
    lastRefreshMs = performance.now() - started;
  }

  function select(node: number | null, hit?: SearchHit): void {
    state.selected = node;
    if (node === null) {
      panel.hidden = true;
      panel.replaceChildren();
    } else {
      renderPanel(panel, state, node, panelActions, hit);
    }
    view.requestDraw();
    writeHash();
  }

  function focusOn(node: number, hit?: SearchHit): void {
    state.trace = null;
    state.focus = { node, up: hops(hopsUp), down: hops(hopsDown) };
    // Panel first: it narrows the canvas, and the fit must use the narrower size.
    select(node, hit);
    refresh({ fit: true });
  }

  /** Traces a column: focus on its node with enough hops to show every node on the trace. */
  function traceOn(node: number, column: string): void {
    const trace = node >= 0 ? state.traceColumn(node, column) : null;
    state.trace = trace;
    if (trace) {
      const depth = (hits: { depth: number }[]) => hits.reduce((m, h) => Math.max(m, h.depth), 0);
      hopsUp.value = String(depth(trace.up));
      hopsDown.value = String(depth(trace.down));
      state.focus = { node, up: depth(trace.up), down: depth(trace.down) };
      select(node, { node, kind: "lineage", detail: column, label: column, score: 0 });
    } else if (state.selected !== null) select(state.selected);
    refresh({ fit: Boolean(trace) });
  }

  const panelActions = {
    traceColumn(node: number, column: string) {
      traceOn(node, column);
    },
    navigate(node: number) {
      if (!state.visible[node]) focusOn(node);
      else {
        select(node);
        if (!view.isOnScreen(node)) view.centre(node);
      }
    },
    focus(node: number) {
      focusOn(node);
    },
    toggleTag(tag: string) {
      toggleFilter("tag", tag);
    },
    close() {
      select(null);
    },
  };

  function toggleFilter(key: FilterKey, value: string): void {
    const set = state.filters[key];
    if (set.has(value)) set.delete(value);
    else set.add(value);
    refresh({ fit: true });
  }

  // Filters: checkboxes with counts; none checked means no filter on that key.
  for (const key of FILTER_KEYS) {
    const box = byId(`filter-${key}`);
    const facet = state.facet(key);
    if (facet.length === 0) box.append(el("p", { class: "muted small" }, key === "tag" ? "No tags in the project." : "none"));
    for (const { value, count: c } of facet) {
      const input = el("input", { type: "checkbox", value, "data-filter": key });
      input.addEventListener("change", () => toggleFilter(key, value));
      const label = key === "layer" ? (LAYER_LABEL[value] ?? value) : value;
      box.append(
        el(
          "label",
          { class: "check", "data-value": value },
          input,
          key === "layer" ? el("span", { class: "swatch", style: `background:${LAYER_COLOUR[value] ?? "#999"}` }) : null,
          el("span", { class: "check-label" }, label),
          el("span", { class: "muted small" }, ` ${c}`),
        ),
      );
    }
  }
  const tagSearch = byId<HTMLInputElement>("tag-search");
  tagSearch.addEventListener("input", () => {
    const q = tagSearch.value.trim().toLowerCase();
    byId("filter-tag")
      .querySelectorAll<HTMLElement>("label.check")
      .forEach((label) => (label.hidden = Boolean(q) && !(label.dataset.value ?? "").toLowerCase().includes(q)));
  });
  byId("clear-filters").addEventListener("click", () => {
    for (const key of FILTER_KEYS) state.filters[key].clear();
    refresh({ fit: true });
  });

  clearFocus.addEventListener("click", () => {
    state.focus = null;
    refresh({ fit: true });
    if (state.selected !== null && state.visible[state.selected]) view.centre(state.selected);
  });
  const onHops = () => {
    if (!state.focus) return;
    state.focus = { ...state.focus, up: hops(hopsUp), down: hops(hopsDown) };
    refresh({ fit: true });
  };
  let hopsTimer = 0;
  for (const input of [hopsUp, hopsDown]) {
    input.addEventListener("change", onHops);
    input.addEventListener("input", () => {
      clearTimeout(hopsTimer);
      hopsTimer = window.setTimeout(onHops, 150);
    });
  }

  colourBy.addEventListener("change", () => {
    state.colourBy = colourBy.value as ColourBy;
    view.requestDraw();
    renderLegend();
    writeHash();
  });
  byId("fit").addEventListener("click", () => view.fit());
  byId("zoom-in").addEventListener("click", () => view.zoom(1.4));
  byId("zoom-out").addEventListener("click", () => view.zoom(1 / 1.4));

  // Search: ranked matches on names, then assertions and columns; Enter picks the highlighted one.
  let hits: SearchHit[] = [];
  let active = 0;
  const renderResults = () => {
    results.replaceChildren();
    results.hidden = hits.length === 0 && !search.value.trim();
    if (search.value.trim() && hits.length === 0) {
      results.append(el("li", { class: "muted no-hit" }, "No match."));
      return;
    }
    hits.forEach((hit, k) => {
      const node = state.data.nodes[hit.node];
      const what =
        hit.kind === "node"
          ? `${node.schema ?? ""} · ${node.type}`
          : hit.kind === "column"
            ? `column of ${node.name}`
            : hit.kind === "lineage"
              ? `trace lineage · ${node.id}`
              : `assertion on ${node.name}`;
      const li = el(
        "li",
        { role: "option", class: k === active ? "active" : undefined, "aria-selected": k === active ? "true" : "false", "data-node": node.id, "data-kind": hit.kind },
        el("span", { class: "swatch", style: `background:${LAYER_COLOUR[node.layer] ?? "#999"}` }),
        el("span", { class: "hit-name" }, hit.label),
        el("span", { class: "muted small" }, ` ${what}`),
      );
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        pick(hit);
      });
      results.append(li);
    });
  };
  const pick = (hit: SearchHit) => {
    results.hidden = true;
    if (hit.kind === "lineage") traceOn(hit.node, String(hit.detail));
    else focusOn(hit.node, hit);
  };
  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      hits = state.search(search.value);
      active = 0;
      renderResults();
    }, 60);
  });
  search.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (hits.length) active = (active + (e.key === "ArrowDown" ? 1 : hits.length - 1)) % hits.length;
      renderResults();
    } else if (e.key === "Enter") {
      e.preventDefault();
      clearTimeout(timer);
      hits = state.search(search.value);
      if (hits.length) pick(hits[Math.min(active, hits.length - 1)]);
      else renderResults();
    } else if (e.key === "Escape") {
      search.value = "";
      hits = [];
      renderResults();
      results.hidden = true;
    }
  });
  search.addEventListener("focus", () => {
    if (hits.length) results.hidden = false;
  });
  search.addEventListener("blur", () => setTimeout(() => (results.hidden = true), 150));
  document.addEventListener("keydown", (e) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement;
    if (e.key === "/" && !typing) {
      e.preventDefault();
      search.focus();
      search.select();
    } else if (e.key === "Escape" && !typing) {
      if (!panel.hidden) select(null);
      else if (state.focus) clearFocus.click();
    } else if (!typing && (e.key === "+" || e.key === "=")) view.zoom(1.4);
    else if (!typing && e.key === "-") view.zoom(1 / 1.4);
    else if (!typing && e.key === "0") view.fit();
  });

  /** When, and by which command, the statuses were taken (or that there are none yet). */
  function statusSource(): string {
    const run = data.meta.lastRun;
    if (!run) return "status: no run results yet";
    const when = run.finishedAt ? run.finishedAt.replace("T", " ").slice(0, 16) + " UTC" : "an unknown time";
    return `status from ${run.command ? `\`${run.command}\`` : "the latest run"} at ${when} (${run.file})`;
  }

  function renderLegend(): void {
    const legend = byId("legend");
    legend.replaceChildren();
    if (state.colourBy === "layer") {
      const present = new Set(state.data.nodes.map((n) => n.layer));
      for (const l of LAYERS) if (present.has(l.id)) legend.append(el("span", { class: "legend-item" }, el("span", { class: "swatch", style: `background:${l.colour}` }), l.label));
      legend.append(el("span", { class: "legend-item muted" }, "● dot: last run status · badge: assertions"));
    } else {
      const statuses = state.colourBy === "status" ? ["successful", "failed", "skipped", "disabled", "unknown"] : ["successful", "failed", "unknown", "none"];
      for (const s of statuses) {
        legend.append(
          el(
            "span",
            { class: "legend-item" },
            el("span", { class: "swatch", style: `background:${STATUS_COLOURS[s]};border:1px solid #bbb` }),
            state.colourBy === "assertions" ? { successful: "all passed", failed: "one failed", unknown: "not run", none: "no assertions" }[s] ?? s : s,
          ),
        );
      }
      legend.append(el("span", { class: "legend-item muted", id: "status-source" }, statusSource()));
    }
  }

  // Header facts and notes.
  const meta = data.meta;
  byId("meta").replaceChildren(
    el("span", {}, `env ${meta.env} · ${meta.warehouse}`),
    el("span", {}, ` · ${data.nodes.length} nodes, ${data.edges.length} edges, ${data.assertions.length} assertions, ${meta.tests.length} unit tests`),
    el("span", {}, ` · built ${meta.generatedAt.replace("T", " ").slice(0, 16)} UTC`),
    meta.lastRun
      ? el("span", {}, ` · last run ${meta.lastRun.finishedAt ? meta.lastRun.finishedAt.replace("T", " ").slice(0, 16) : ""} ${meta.lastRun.command ?? ""}`)
      : el("span", { class: "muted" }, " · no run results yet (status unknown)"),
  );
  const notes = byId("notes");
  for (const note of meta.notes) notes.append(el("p", {}, note));
  if (meta.tests.length) {
    const list = el("ul", { class: "tests" });
    for (const t of meta.tests) list.append(el("li", { class: "mono", title: t.file ?? "" }, t.name));
    notes.append(el("details", {}, el("summary", {}, `Unit tests (${meta.tests.length})`), list));
  }

  /** A node named in the link: its id, or a name only one node has; else a note saying why it is not shown. */
  function linkedNode(name: string, key: string): number {
    const exact = state.indexOf(name);
    if (exact >= 0) return exact;
    const q = name.toLowerCase();
    const matches = state.data.nodes.flatMap((n, i) => (n.name.toLowerCase() === q || n.id.toLowerCase().endsWith(`.${q}`) ? [i] : []));
    if (matches.length === 1) return matches[0];
    const note = byId("link-note");
    note.textContent =
      matches.length > 1
        ? `#${key}=${name} is ambiguous: ${matches.map((i) => state.data.nodes[i].id).join(", ")}. Use the full name.`
        : `#${key}=${name}: no node has that name or id.`;
    note.hidden = false;
    return -1;
  }

  // Initial state from the URL (#focus=…&up=…&down=…&tag=…&colour=…).
  const params = new URLSearchParams(location.hash.slice(1));
  for (const key of FILTER_KEYS) {
    const v = params.get(key);
    if (v) for (const value of v.split(",")) state.filters[key].add(decodeURIComponent(value));
  }
  const colour = params.get("colour");
  if (colour === "status" || colour === "assertions") {
    state.colourBy = colour;
    colourBy.value = colour;
  }
  if (params.get("up")) hopsUp.value = params.get("up")!;
  if (params.get("down")) hopsDown.value = params.get("down")!;
  const focusId = params.get("focus");
  const focusIndex = focusId ? linkedNode(focusId, "focus") : -1;
  if (focusIndex >= 0) focusOn(focusIndex);
  else refresh({ fit: true });
  const col = params.get("col");
  const traced = col && data.lineage ? findColumn(data.lineage, col) : undefined;
  if (traced && !("error" in traced) && state.indexOf(traced.table) >= 0) traceOn(state.indexOf(traced.table), traced.column);
  const nodeId = params.get("node");
  const nodeIndex = nodeId ? linkedNode(nodeId, "node") : -1;
  if (nodeIndex >= 0) select(nodeIndex);

  view.resize();
  view.fit();
  view.draw();
  const tReady = performance.now();
  performance.mark("graph:interactive");
  // The next frame on screen: the drawn graph is visible.
  requestAnimationFrame(() => setTimeout(() => performance.mark("graph:painted"), 0));
  document.body.dataset.ready = "true";
  window.lakehouseGraph = {
    ready: true,
    nodeCount: data.nodes.length,
    visibleIds: () => state.data.nodes.filter((_, i) => state.visible[i]).map((n) => n.id),
    selectedId: () => (state.selected === null ? null : state.data.nodes[state.selected].id),
    focus: () => (state.focus ? { id: state.data.nodes[state.focus.node].id, up: state.focus.up, down: state.focus.down } : null),
    clientPoint: (id: string) => {
      const i = state.indexOf(id);
      return i >= 0 && state.visible[i] ? view.clientPoint(i) : null;
    },
    timings: { parseMs: tParsed - t0, initialLayoutMs: tLayout - tParsed, startMs: tReady - t0, scriptStartedAt: t0 },
    lastDrawMs: () => view.lastDrawMs,
    layoutMs: () => state.layoutMs,
    lastRefreshMs: () => lastRefreshMs,
    draws: () => view.draws,
    drawNow: () => {
      view.draw();
      return view.lastDrawMs;
    },
    zoomTo: (scale: number) => view.zoom(scale / view.currentScale()),
    trace: () => {
      const t = state.trace;
      if (!t) return null;
      const ids = (hits: { table: string; column: string }[]) => hits.map((h) => `${h.table}.${h.column}`);
      return { id: state.data.nodes[t.node].id, column: t.column, up: ids(t.up), down: ids(t.down) };
    },
    drawnLabels: () => Object.fromEntries([...view.drawnLabels].map(([i, label]) => [state.data.nodes[i].id, label])),
    tracedColumns: (id: string) => (state.trace?.byNode.get(state.indexOf(id)) ?? []).map((c) => c.column),
  };
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
