/// <reference lib="dom" />
/** The side panel: everything known about one node, as documentation. */
import { KIND_LABEL } from "../lineage-kind.ts";
import { LAYERS, STATUS_COLOURS, type GraphNode } from "../model.ts";
import { el, highlightSql } from "./dom.ts";
import type { GraphState, SearchHit } from "./state.ts";

const LAYER_BY_ID = new Map<string, (typeof LAYERS)[number]>(LAYERS.map((l) => [l.id, l]));

export interface PanelActions {
  navigate(node: number): void;
  focus(node: number): void;
  toggleTag(tag: string): void;
  /** Highlights a column's upstream and downstream columns across the graph. */
  traceColumn(node: number, column: string): void;
  close(): void;
}

function chip(text: string, colour: string, title?: string): HTMLElement {
  return el("span", { class: "chip", style: `--chip:${colour}`, title }, text);
}

export function statusChip(status: string): HTMLElement {
  return el("span", { class: `status status-${status.replace(/[^a-z]/g, "")}`, style: `--chip:${STATUS_COLOURS[status] ?? STATUS_COLOURS.unknown}` }, status);
}

function section(title: string, count: number | undefined, ...body: (Node | null)[]): HTMLElement {
  return el("section", { class: "panel-section" }, el("h3", {}, title, count !== undefined ? el("span", { class: "count" }, ` ${count}`) : null), ...body);
}

function nodeLink(state: GraphState, i: number, actions: PanelActions): HTMLElement {
  const node = state.data.nodes[i];
  const layer = LAYER_BY_ID.get(node.layer);
  return el(
    "li",
    {},
    el("span", { class: "swatch", style: `background:${layer?.colour ?? "#999"}` }),
    (() => {
      const a = el("a", { href: "#", "data-node": node.id }, node.name);
      a.addEventListener("click", (e) => {
        e.preventDefault();
        actions.navigate(i);
      });
      return a;
    })(),
    el("span", { class: "muted" }, ` ${node.schema ?? ""}`),
  );
}

const TRACE_CLASS = { up: "traced-up", down: "traced-down", self: "traced-self" } as const;

function columnsTable(state: GraphState, i: number, actions: PanelActions, highlight?: string): HTMLElement {
  const node = state.data.nodes[i];
  const traced = new Map((state.trace?.byNode.get(i) ?? []).map((t) => [t.column.toLowerCase(), t]));
  const traceable = Boolean(state.data.lineage);
  const documented = node.columns.filter((c) => c.description).length;
  const table = el(
    "table",
    { class: "columns" },
    el("thead", {}, el("tr", {}, el("th", {}, "column"), el("th", {}, "type"), el("th", {}, "description"))),
  );
  const body = el("tbody");
  for (const c of node.columns) {
    // An Iceberg table shows its Iceberg types; everything read through the warehouse shows SQL types.
    const type = (node.layer === "iceberg" ? c.icebergType : c.type) ?? c.type;
    const title = [c.type && `SQL: ${c.type}`, c.icebergType && `Iceberg: ${c.icebergType}`, c.required ? "required (not null)" : ""].filter(Boolean).join(" · ");
    const onTrace = traced.get(c.name.toLowerCase());
    const name = traceable
      ? el("button", { type: "button", class: "column-trace mono", "data-trace": c.name, title: `show where ${c.name} comes from and what reads it` }, c.name)
      : c.name;
    if (traceable) (name as HTMLElement).addEventListener("click", () => actions.traceColumn(i, c.name));
    const row = el(
      "tr",
      {
        class: [c.name === highlight ? "hit" : "", onTrace ? TRACE_CLASS[onTrace.dir] : ""].filter(Boolean).join(" ") || undefined,
        "data-column": c.name,
        title: onTrace && onTrace.dir !== "self" ? `${onTrace.dir === "up" ? "upstream" : "downstream"} of the traced column: ${KIND_LABEL[onTrace.kind]}` : undefined,
      },
      el("td", { class: "mono nowrap" }, name),
      el("td", { class: "mono muted nowrap", title: title || undefined }, type ?? "—", c.required ? el("span", { class: "required", title: "not null" }, " not null") : null),
      el("td", {}, c.description ?? el("span", { class: "undocumented" }, "undocumented"), c.origin === "warehouse" ? el("span", { class: "muted" }, " (warehouse)") : null),
    );
    body.append(row);
  }
  table.append(body);
  return section(
    "Columns",
    node.columns.length,
    node.columns.length ? el("p", { class: "muted small" }, `${documented} of ${node.columns.length} documented`, traceable ? " · click a column to trace its lineage" : "") : null,
    node.columns.length
      ? el("div", { class: "table-wrap" }, table)
      : el(
          "p",
          { class: "muted" },
          node.layer === "source" || node.layer === "landing"
            ? "Raw data, kept as received: columns are typed from the silver layer on."
            : "No columns known: none documented in the definition, and the warehouse was not asked or does not have the table yet.",
        ),
  );
}

/** The traced column's lineage: upstream and downstream columns with their kind, each a link to its node. */
function lineageSection(state: GraphState, actions: PanelActions): HTMLElement | null {
  const trace = state.trace;
  if (!trace) return null;
  const node = state.data.nodes[trace.node];
  const list = (hits: typeof trace.up) => {
    if (!hits.length) return el("p", { class: "muted" }, "none");
    const ul = el("ul", { class: "links lineage" });
    // Values first (what the column is made of), then the columns that only choose the rows.
    const ordered = [...hits].sort((a, b) => Number(a.kind === "filter") - Number(b.kind === "filter") || a.depth - b.depth);
    for (const h of ordered.slice(0, 300)) {
      const n = state.indexOf(h.table);
      const label = `${h.table}.${h.column}`;
      const a = el("a", { href: "#", "data-node": h.table, "data-column": h.column, title: `${h.table}.${h.column}` }, label);
      a.addEventListener("click", (e) => {
        e.preventDefault();
        if (n >= 0) actions.navigate(n);
      });
      ul.append(el("li", { class: `kind-${h.kind}` }, el("span", { class: `kind kind-${h.kind}` }, KIND_LABEL[h.kind]), " ", a, el("span", { class: "muted small" }, ` ${h.depth} hop${h.depth === 1 ? "" : "s"}`)));
    }
    if (hits.length > 300) ul.append(el("li", { class: "muted" }, `… and ${hits.length - 300} more`));
    return ul;
  };
  const clear = el("button", { type: "button", class: "small-button", id: "clear-trace" }, "Clear lineage");
  clear.addEventListener("click", () => actions.traceColumn(-1, ""));
  const s = el(
    "section",
    { class: "panel-section", id: "panel-lineage" },
    el("h3", {}, "Column lineage: ", el("span", { class: "mono" }, `${node.name}.${trace.column}`)),
    el("p", { class: "muted small" }, "Highlighted in the graph: upstream in blue, downstream in orange."),
    el("h4", {}, `Upstream `, el("span", { class: "count" }, String(trace.up.length))),
    list(trace.up),
    el("h4", {}, `Downstream `, el("span", { class: "count" }, String(trace.down.length))),
    list(trace.down),
    trace.unresolved.length ? el("div", { class: "error small" }, `Not resolved: ${trace.unresolved.join("; ")}`) : null,
    clear,
  );
  return s;
}

function sqlBlock(label: string, text: string, open: boolean): HTMLElement {
  const pre = el("pre", { class: "sql" }, highlightSql(text));
  const copy = el("button", { class: "copy", type: "button", title: "copy to clipboard" }, "copy");
  copy.addEventListener("click", (e) => {
    e.preventDefault();
    void navigator.clipboard?.writeText(text).then(
      () => (copy.textContent = "copied"),
      () => (copy.textContent = "copy failed"),
    );
  });
  const details = el("details", { open }, el("summary", {}, label, copy), pre);
  return details;
}

/** Renders the panel for node `i`; `hit` points at the column or assertion the search found. */
export function renderPanel(container: HTMLElement, state: GraphState, i: number, actions: PanelActions, hit?: SearchHit): void {
  const node = state.data.nodes[i];
  const layer = LAYER_BY_ID.get(node.layer);
  container.replaceChildren();
  container.hidden = false;

  const close = el("button", { class: "close", type: "button", title: "close (Esc)", "aria-label": "close" }, "×");
  close.addEventListener("click", () => actions.close());
  const focusButton = el("button", { type: "button", class: "small-button" }, "Focus on this node");
  focusButton.addEventListener("click", () => actions.focus(i));
  const copyLink = el("button", { type: "button", class: "small-button", id: "copy-link", title: "copy a link to this view" }, "Copy link");
  copyLink.addEventListener("click", () => {
    void navigator.clipboard?.writeText(location.href).then(
      () => (copyLink.textContent = "Link copied"),
      () => (copyLink.textContent = "Copy failed"),
    );
  });

  container.append(
    el(
      "header",
      {},
      close,
      el("h2", { id: "panel-title" }, node.name),
      el("div", { class: "mono muted small" }, node.id),
      el(
        "div",
        { class: "chips" },
        chip(layer?.label ?? node.layer, layer?.colour ?? "#999"),
        chip(node.type, "#6b7280"),
        node.disabled ? chip("disabled", "#8a8a8a") : null,
        el("span", { class: "muted small" }, "last run: "),
        statusChip(node.status),
      ),
      focusButton,
      " ",
      copyLink,
    ),
  );
  if (node.error) container.append(el("p", { class: "error" }, node.error));
  container.append(
    section("Description", undefined, node.description ? el("p", { class: "description" }, node.description) : el("p", { class: "muted" }, "No description.")),
  );

  const facts: [string, string][] = [...(node.file ? ([["file", node.file]] as [string, string][]) : []), ...node.details];
  if (facts.length) {
    const dl = el("dl", { class: "facts" });
    for (const [k, v] of facts) dl.append(el("dt", {}, k), el("dd", { class: k === "file" || /path|url|layout|table|query/.test(k) ? "mono" : undefined }, v));
    container.append(section("Details", undefined, dl));
  }

  if (node.tags.length) {
    const tags = el("div", { class: "chips" });
    for (const tag of node.tags) {
      const b = el("button", { type: "button", class: "tag", title: `filter by tag ${tag}` }, tag);
      b.addEventListener("click", () => actions.toggleTag(tag));
      tags.append(b);
    }
    container.append(section("Tags", node.tags.length, tags));
  }

  const lineage = state.trace?.node === i ? lineageSection(state, actions) : null;
  if (lineage) container.append(lineage);
  container.append(columnsTable(state, i, actions, hit?.kind === "column" || hit?.kind === "lineage" ? String(hit.detail) : undefined));

  if (node.assertions.length) {
    const list = el("ul", { class: "assertions" });
    for (const k of node.assertions) {
      const a = state.data.assertions[k];
      const others = a.checks.filter((n) => n !== i).map((n) => state.data.nodes[n].name);
      list.append(
        el(
          "li",
          { class: hit?.kind === "assertion" && hit.detail === k ? "hit" : undefined, "data-assertion": a.id },
          el("div", {}, statusChip(a.status), " ", el("strong", { class: "mono" }, a.name), a.builtIn ? el("span", { class: "muted small" }, " (in the model's config)") : null),
          a.description ? el("div", { class: "small" }, a.description) : null,
          others.length ? el("div", { class: "small muted" }, `also checks ${others.join(", ")}`) : null,
          a.file ? el("div", { class: "small muted mono" }, a.file) : null,
          a.error ? el("div", { class: "error small" }, a.error) : null,
          a.sql ? sqlBlock("SQL", a.sql, false) : null,
        ),
      );
    }
    container.append(section("Assertions", node.assertions.length, list));
  }

  const ups = state.preds[i];
  const downs = state.succs[i];
  const linkList = (items: number[]) => {
    const ul = el("ul", { class: "links" });
    for (const n of items.slice(0, 200)) ul.append(nodeLink(state, n, actions));
    if (items.length > 200) ul.append(el("li", { class: "muted" }, `… and ${items.length - 200} more`));
    return ul;
  };
  container.append(section("Upstream", ups.length, ups.length ? linkList(ups) : el("p", { class: "muted" }, "none")));
  container.append(section("Downstream", downs.length, downs.length ? linkList(downs) : el("p", { class: "muted" }, "none")));

  if (node.sql.length) {
    const sql = section("Compiled SQL", undefined, ...node.sql.map((b, k) => sqlBlock(b.label, b.text, k === 0)));
    sql.id = "panel-sql";
    container.append(sql);
  }

  container.scrollTop = 0;
  const target = container.querySelector(".hit");
  if (target) target.scrollIntoView({ block: "center" });
}
