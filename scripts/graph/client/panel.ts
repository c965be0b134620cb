/// <reference lib="dom" />
/** The side panel: everything known about one node, as documentation. */
import { LAYERS, STATUS_COLOURS, type GraphNode } from "../model.ts";
import { el, highlightSql } from "./dom.ts";
import type { GraphState, SearchHit } from "./state.ts";

const LAYER_BY_ID = new Map<string, (typeof LAYERS)[number]>(LAYERS.map((l) => [l.id, l]));

export interface PanelActions {
  navigate(node: number): void;
  focus(node: number): void;
  toggleTag(tag: string): void;
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

function columnsTable(node: GraphNode, highlight?: string): HTMLElement {
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
    const row = el(
      "tr",
      { class: c.name === highlight ? "hit" : undefined, "data-column": c.name },
      el("td", { class: "mono nowrap" }, c.name),
      el("td", { class: "mono muted nowrap", title: title || undefined }, type ?? "—", c.required ? el("span", { class: "required", title: "not null" }, " not null") : null),
      el("td", {}, c.description ?? el("span", { class: "undocumented" }, "undocumented"), c.origin === "warehouse" ? el("span", { class: "muted" }, " (warehouse)") : null),
    );
    body.append(row);
  }
  table.append(body);
  return section(
    "Columns",
    node.columns.length,
    node.columns.length ? el("p", { class: "muted small" }, `${documented} of ${node.columns.length} documented`) : null,
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

  container.append(columnsTable(node, hit?.kind === "column" ? String(hit.detail) : undefined));

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
