/**
 * The graph page at scale: a synthetic compiled project of N actions (2,000 by default) → page build time
 * in Node, then in Debian's headless Chromium: time from navigation to interactive, and the cost of the
 * interactions (search + focus, show all, filter by tag, a full redraw).
 *
 *   node --import tsx bench/graph.ts [--actions 2000[,5000]] [--runs 5]
 *
 * writes the "## graph" section of bench/RESULTS.md (only that section). `graphBench` is also a stage for
 * bench/run.ts (scale.actions actions).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Browser } from "playwright-core";
import { loadEnvironment } from "../scripts/core/config.ts";
import { createLogger } from "../scripts/core/log.ts";
import { fromRoot } from "../scripts/core/paths.ts";
import { writeGraph } from "../scripts/graph/index.ts";
import { syntheticCompiled, syntheticLastRun } from "../scripts/graph/synthetic.ts";
import { HAS_CHROMIUM, launch, NO_CHROMIUM_MESSAGE, openPage } from "../test/graph/browser.ts";
import { format, gitRevision, machine, median, type Benchmark, type Sample } from "./harness.ts";

interface Context {
  dir: string;
  browser: Browser;
  actions: number;
  lastRunFile: string;
  compiled: ReturnType<typeof syntheticCompiled>;
}

const quiet = createLogger({ quiet: true });

async function setup(actions: number): Promise<Context> {
  if (!HAS_CHROMIUM) throw new Error(`graph benchmark ${NO_CHROMIUM_MESSAGE}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-graph-"));
  const compiled = syntheticCompiled({ actions });
  const lastRunFile = path.join(dir, "last-run.json");
  fs.writeFileSync(lastRunFile, JSON.stringify(syntheticLastRun(compiled)));
  return { dir, browser: await launch(), actions, lastRunFile, compiled };
}

async function runOnce(ctx: Context): Promise<Sample[]> {
  const env = loadEnvironment("local");
  let started = performance.now();
  const written = await writeGraph(env, { compiled: ctx.compiled, out: path.join(ctx.dir, "index.html"), lastRunFile: ctx.lastRunFile, offline: true, log: quiet });
  const buildMs = performance.now() - started;

  const opened = await openPage(ctx.browser, written.path);
  const wallMs = opened.loadMs;
  const page = opened.page;
  try {
    await page.waitForFunction(() => performance.getEntriesByName("graph:painted").length > 0);
    const load = await page.evaluate(() => ({
      interactive: performance.getEntriesByName("graph:interactive")[0]?.startTime ?? NaN,
      painted: performance.getEntriesByName("graph:painted")[0]?.startTime ?? NaN,
      domInteractive: (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined)?.domInteractive ?? NaN,
      parseMs: window.lakehouseGraph!.timings.parseMs,
      initialLayoutMs: window.lakehouseGraph!.timings.initialLayoutMs,
      draw: window.lakehouseGraph!.lastDrawMs(),
    }));

    // Search + pick the first hit: focus on it (visibility, layout of the neighbourhood, fit).
    await page.fill("#search", "fct_finance");
    await page.locator("#search-results li[data-node]").first().waitFor();
    await page.press("#search", "Enter");
    await page.waitForFunction(() => window.lakehouseGraph!.focus() !== null);
    const focusMs = await page.evaluate(() => window.lakehouseGraph!.lastRefreshMs());

    // Back to everything (the full layout is cached), then a redraw of all nodes at once.
    await page.click("#clear-focus");
    await page.waitForFunction(() => window.lakehouseGraph!.focus() === null);
    const showAllMs = await page.evaluate(() => window.lakehouseGraph!.lastRefreshMs());
    await page.click("#fit");
    const drawMs = await page.evaluate(() => window.lakehouseGraph!.drawNow());
    // Zoomed in to 0.6 (nodes carry their names: text drawn, the costlier frame).
    await page.evaluate(() => window.lakehouseGraph!.zoomTo(0.6));
    const textDrawMs = await page.evaluate(() => window.lakehouseGraph!.drawNow());

    // Filter by a tag (new layout of the filtered set).
    await page.locator('#filter-tag input[value="pii"]').check();
    await page.waitForFunction(() => document.getElementById("filter-tag-active")!.textContent !== "");
    const filterMs = await page.evaluate(() => window.lakehouseGraph!.lastRefreshMs());
    if (opened.problems.length) throw new Error(`the page reported problems: ${opened.problems.join("; ")}`);

    return [
      { metric: "navigation → interactive", value: load.interactive, unit: "ms" },
      { metric: "navigation → first frame with the graph painted", value: load.painted, unit: "ms" },
      { metric: "navigation → HTML parsed (domInteractive)", value: load.domInteractive, unit: "ms" },
      { metric: "goto → ready, seen from Node (new tab's renderer, load event, DevTools round trips)", value: wallMs, unit: "ms" },
      { metric: "in page: JSON parse", value: load.parseMs, unit: "ms" },
      { metric: "in page: initial layout (all nodes)", value: load.initialLayoutMs, unit: "ms" },
      { metric: "in page: first full draw", value: load.draw, unit: "ms" },
      { metric: "search → focus (2 up, 2 down): visibility + layout + fit", value: focusMs, unit: "ms" },
      { metric: "show all again (cached layout)", value: showAllMs, unit: "ms" },
      { metric: "filter by tag: visibility + layout + fit", value: filterMs, unit: "ms" },
      { metric: "redraw, whole graph fitted (pan/zoom frame)", value: drawMs, unit: "ms" },
      { metric: "redraw at zoom 0.6, names drawn (pan/zoom frame)", value: textDrawMs, unit: "ms" },
      { metric: "page build in Node (graph data + bundle + HTML)", value: buildMs, unit: "ms" },
      { metric: "page size", value: written.bytes / 1024, unit: "KiB" },
      { metric: "graph nodes (after attaching assertions)", value: written.nodes, unit: "nodes" },
      { metric: "graph edges", value: written.edges, unit: "edges" },
    ];
  } finally {
    await opened.context.close();
  }
}

async function teardown(ctx: Context): Promise<void> {
  await ctx.browser.close();
  fs.rmSync(ctx.dir, { recursive: true, force: true });
}

/** A stage for bench/run.ts: the page for `scale.actions` synthetic actions. */
export const graphBench: Benchmark = {
  stage: "graph",
  setup: (scale) => setup(scale.actions),
  run: (_scale, context) => runOnce(context as Context),
  teardown: (context) => teardown(context as Context),
  notes: { "navigation → interactive": "issue 9: a figure, not a timed assertion" },
};

/** Replaces (or adds) the `## graph` section of a Markdown file, leaving every other section as it was. */
export function replaceSection(markdown: string, heading: string, body: string): string {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  const section = `${heading}\n\n${body.trim()}\n`;
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  let end = lines.findIndex((l, i) => i > start && /^##?\s/.test(l));
  if (end < 0) end = lines.length;
  return [...lines.slice(0, start), ...section.split("\n"), ...lines.slice(end)].join("\n").replace(/\n{3,}/g, "\n\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { actions: { type: "string", default: "2000" }, runs: { type: "string", default: "5" } } });
  const sizes = values.actions!.split(",").map(Number);
  const runs = Number(values.runs);
  if (!HAS_CHROMIUM) {
    process.stderr.write(`graph benchmark ${NO_CHROMIUM_MESSAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const blocks: string[] = [];
  let chromium = "";
  for (const actions of sizes) {
    process.stderr.write(`graph page, ${actions} actions, ${runs} runs…\n`);
    const ctx = await setup(actions);
    chromium ||= ctx.browser.version();
    const byMetric = new Map<string, { unit: string; values: number[] }>();
    try {
      await runOnce(ctx); // warm-up (bundle build, browser caches), not counted
      for (let i = 0; i < runs; i++) {
        for (const s of await runOnce(ctx)) {
          const entry = byMetric.get(s.metric) ?? { unit: s.unit, values: [] };
          entry.values.push(s.value);
          byMetric.set(s.metric, entry);
        }
      }
    } finally {
      await teardown(ctx);
    }
    const rows = [...byMetric.entries()].map(
      ([metric, { unit, values: v }]) => `| ${metric} | ${format(median(v))} | ${format(Math.min(...v))} | ${format(Math.max(...v))} | ${unit} |`,
    );
    blocks.push(
      [`### ${actions.toLocaleString("en-US")} actions`, "", "| metric | median | min | max | unit |", "| --- | ---: | ---: | ---: | --- |", ...rows].join("\n"),
    );
    for (const r of rows) process.stderr.write(`${r}\n`);
  }
  const body = [
    `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC with \`node --import tsx bench/graph.ts --actions ${values.actions} --runs ${runs}\``,
    `(git ${gitRevision()}; ${machine()}; Chromium ${chromium}, headless, software rendering, 1600×1000 viewport;`,
    `load average ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} at the end: other work was running on the machine).`,
    "A synthetic compiled project (scripts/graph/synthetic.ts: declarations, staging, intermediate models, marts, reports,",
    "operations, assertions; assertions are attached to their models, so there are fewer nodes than actions) plus the",
    "16 lake nodes. Median of the runs after one warm-up. \"Interactive\" is the `graph:interactive` performance mark: data",
    "parsed, layout done, first frame drawn, handlers bound — measured from navigation start by the page's own clock.",
    "Interactions are timed in the page (visibility, layout and fit of the new view; its frame is drawn next). When the",
    "load average above is well over the 2 cores, the min column is the better guide to an idle machine.",
    "",
    ...blocks.flatMap((b) => [b, ""]),
  ].join("\n");
  const file = fromRoot("bench", "RESULTS.md");
  const before = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "# Benchmark results\n";
  fs.writeFileSync(file, replaceSection(before, "## graph", body));
  process.stderr.write(`wrote the graph section of ${file}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
