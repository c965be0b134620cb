/**
 * The page: one self-contained HTML file. The client script (scripts/graph/client/, TypeScript) is bundled
 * with esbuild into one inline <script>; the stylesheet and the graph's JSON are inlined too. A Content
 * Security Policy forbids every network request, so the file works (and stays private) offline.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { LakehouseError } from "../core/errors.ts";
import type { GraphData } from "./model.ts";

const CLIENT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "client");

let bundled: Promise<string> | undefined;

/** The client script as one minified IIFE (built once per process). */
export function clientScript(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = await import("esbuild");
    try {
      const result = await esbuild.build({
        entryPoints: [path.join(CLIENT_DIR, "main.ts")],
        bundle: true,
        format: "iife",
        platform: "browser",
        target: "es2022",
        minify: true,
        write: false,
        legalComments: "none",
        logLevel: "silent",
      });
      return result.outputFiles[0].text;
    } catch (error) {
      bundled = undefined;
      throw new LakehouseError("graph", `could not bundle the page script: ${(error as Error).message.split("\n")[0]}`, { file: path.join(CLIENT_DIR, "main.ts") });
    }
  })();
  return bundled;
}

export function clientStyle(): string {
  return fs.readFileSync(path.join(CLIENT_DIR, "style.css"), "utf8");
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** JSON safe inside <script>: no `<` can close the element or open a comment. */
export function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export async function renderHtml(data: GraphData): Promise<string> {
  const script = (await clientScript()).replace(/<\/(script)/gi, "<\\/$1");
  const title = `${data.meta.title} · lineage (${data.meta.env})`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="lakehouse graph">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>
${clientStyle()}
</style>
</head>
<body>
<header id="top">
  <h1>${escapeHtml(data.meta.title)} <span class="muted">lineage</span></h1>
  <div id="meta"></div>
  <label>Colour by <select id="colour-by">
    <option value="layer">layer</option>
    <option value="status">last run status</option>
    <option value="assertions">assertion results</option>
  </select></label>
  <div class="toolbar">
    <button id="zoom-out" type="button" title="zoom out (-)">−</button>
    <button id="zoom-in" type="button" title="zoom in (+)">+</button>
    <button id="fit" type="button" title="fit to screen (0)">Fit</button>
  </div>
</header>
<aside id="sidebar">
  <div class="search">
    <input id="search" type="search" placeholder="Search models, columns, assertions; col:model.column traces  ( / )" autocomplete="off" spellcheck="false" aria-label="search nodes" aria-controls="search-results">
    <ol id="search-results" role="listbox" hidden></ol>
  </div>
  <h2>Focus</h2>
  <p id="link-note" class="error small" role="status" hidden></p>
  <div id="focus-state"></div>
  <div class="hops">
    <label>Upstream hops <input id="hops-up" type="number" min="0" max="999" value="2"></label>
    <label>Downstream hops <input id="hops-down" type="number" min="0" max="999" value="2"></label>
    <button id="clear-focus" type="button" disabled>Show all</button>
  </div>
  <h2>Filters <button id="clear-filters" type="button" class="small">clear all</button></h2>
  <details class="filter" open><summary>Layer<span class="active" id="filter-layer-active"></span></summary><div class="checks" id="filter-layer"></div></details>
  <details class="filter" open><summary>Tag<span class="active" id="filter-tag-active"></span></summary><input id="tag-search" type="search" placeholder="find a tag" aria-label="find a tag"><div class="checks" id="filter-tag"></div></details>
  <details class="filter"><summary>Type<span class="active" id="filter-type-active"></span></summary><div class="checks" id="filter-type"></div></details>
  <details class="filter"><summary>Schema<span class="active" id="filter-schema-active"></span></summary><div class="checks" id="filter-schema"></div></details>
  <p class="hint">Checked values in a group are alternatives; groups combine. Drag to pan, wheel to zoom, click a node to focus on it. <kbd>/</kbd> search · <kbd>Esc</kbd> close or show all · <kbd>0</kbd> fit. Links: <code>#focus=dim_users&amp;up=2&amp;down=2</code> (full or unique short name), <code>#col=sales_per_country.total</code>.</p>
  <footer id="notes"></footer>
</aside>
<main id="stage">
  <canvas id="canvas" role="img" aria-label="dependency graph"></canvas>
  <div id="legend"></div>
  <div id="count" aria-live="polite"></div>
  <div id="tooltip" hidden></div>
  <div id="empty" hidden>No node matches these filters.</div>
</main>
<aside id="panel" hidden aria-labelledby="panel-title"></aside>
<script type="application/json" id="graph-data">${scriptJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
