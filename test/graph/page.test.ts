/**
 * The graph page in a real headless Chromium (Debian's, driven by playwright-core). Screenshots go to
 * test-results/graph/ (git-ignored).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { createLogger } from "../../scripts/core/log.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import type { DataformCompiled } from "../../scripts/graph/build.ts";
import { graphData, writeGraph } from "../../scripts/graph/index.ts";
import { syntheticCompiled, syntheticLastRun } from "../../scripts/graph/synthetic.ts";
import { HAS_CHROMIUM, launch, NO_CHROMIUM_MESSAGE, openPage, type OpenedPage } from "./browser.ts";
import { FIXTURE, LAST_RUN } from "./helpers.ts";

const SHOTS = fromRoot("test-results", "graph");
const quiet = createLogger({ quiet: true });
const env = loadEnvironment("ci");

if (!HAS_CHROMIUM) console.warn(`graph page tests ${NO_CHROMIUM_MESSAGE}`);

const visible = (page: Page) => page.evaluate(() => window.lakehouseGraph!.visibleIds());
const countText = (page: Page) => page.locator("#count").getAttribute("data-visible").then(Number);

async function searchAndPick(page: Page, query: string): Promise<void> {
  await page.fill("#search", query);
  await page.locator("#search-results li[data-node]").first().waitFor();
  await page.press("#search", "Enter");
  await page.waitForFunction(() => window.lakehouseGraph!.focus() !== null);
}

describe.skipIf(!HAS_CHROMIUM)(`graph page in headless Chromium${HAS_CHROMIUM ? "" : ` (${NO_CHROMIUM_MESSAGE})`}`, () => {
  let browser: Browser;
  let dir: string;
  let file: string;
  let opened: OpenedPage;
  let page: Page;
  const compiled = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as DataformCompiled;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "graph-page-"));
    file = (await writeGraph(env, { compiled, out: path.join(dir, "index.html"), lastRunFile: LAST_RUN, offline: true, log: quiet })).path;
    browser = await launch();
    opened = await openPage(browser, file);
    page = opened.page;
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("loads without console errors or network requests and shows every node", async () => {
    const data = await graphData(env, { compiled, lastRunFile: LAST_RUN, offline: true, log: quiet });
    expect(await countText(page)).toBe(data.nodes.length);
    expect((await visible(page)).length).toBe(data.nodes.length);
    // The canvas has been drawn on (not a blank page).
    const inked = await page.evaluate(() => {
      const canvas = document.getElementById("canvas") as HTMLCanvasElement;
      const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < pixels.length; i += 16) if (Math.abs(pixels[i] - pixels[i + 2]) > 30) coloured++;
      return coloured;
    });
    expect(inked).toBeGreaterThan(100);
    await page.screenshot({ path: path.join(SHOTS, "overview.png") });
    expect(opened.problems).toEqual([]);
  });

  it("search finds a node by part of its name and focuses on it, hiding unrelated nodes", async () => {
    await page.fill("#search", "dim_son");
    const first = page.locator("#search-results li[data-node]").first();
    await first.waitFor();
    expect(await first.getAttribute("data-node")).toBe("gold.dim_songs");
    await page.press("#search", "Enter");
    await page.waitForFunction(() => window.lakehouseGraph!.selectedId() === "gold.dim_songs");
    expect(await page.locator("#panel-title").textContent()).toBe("dim_songs");

    const ids = await visible(page);
    // Two hops each way (the default): stg and silver.songs upstream; facts and their reports downstream.
    expect(ids).toEqual(expect.arrayContaining(["gold.dim_songs", "gold.stg_catalog__songs", "silver.songs", "gold.fct_session_items", "gold.monthly_active_users"]));
    // Unrelated: the Sparkify star, the users' side, sources three hops away.
    for (const unrelated of ["sparkify.songplays", "gold.stg_api__users", "iceberg:songs", "source:api/users"]) expect(ids).not.toContain(unrelated);
    expect(await countText(page)).toBe(ids.length);
    expect(await page.locator("#focus-state").textContent()).toContain("dim_songs");
    await page.screenshot({ path: path.join(SHOTS, "focus-dim_songs.png") });
  });

  it("focus depth is adjustable up and down", async () => {
    await page.fill("#hops-up", "5");
    await page.waitForFunction(() => window.lakehouseGraph!.focus()?.up === 5);
    const deeper = await visible(page);
    expect(deeper).toEqual(expect.arrayContaining(["iceberg:songs", "landing:catalog/songs", "source:catalog/songs"]));
    await page.fill("#hops-down", "0");
    await page.waitForFunction(() => window.lakehouseGraph!.focus()?.down === 0);
    expect(await visible(page)).not.toContain("gold.fct_session_items");
    await page.fill("#hops-up", "2");
    await page.fill("#hops-down", "2");
    await page.waitForFunction(() => window.lakehouseGraph!.focus()?.down === 2 && window.lakehouseGraph!.focus()?.up === 2);
  });

  it("clicking a node on the canvas focuses on it and shows its columns, SQL, tags and assertions", async () => {
    const point = await page.evaluate(() => window.lakehouseGraph!.clientPoint("gold.fct_session_items"));
    expect(point).not.toBeNull();
    await page.mouse.click(point!.x, point!.y);
    await page.waitForFunction(() => window.lakehouseGraph!.selectedId() === "gold.fct_session_items");
    expect(await page.evaluate(() => window.lakehouseGraph!.focus()?.id)).toBe("gold.fct_session_items");
    const panel = page.locator("#panel");
    await expect.poll(() => panel.locator("tr[data-column]").count()).toBe(5);
    expect(await panel.locator('tr[data-column="track_id"]').textContent()).toContain("joins dim_songs on track_id");
    expect(await panel.textContent()).toContain("definitions/marts/fct_session_items.sqlx");
    expect(await panel.locator("#panel-sql pre.sql").first().textContent()).toContain('"gold"."stg_api__session_items"');
    const failed = panel.locator('li[data-assertion="gold_assertions.gold_fct_session_items_assertions_uniqueKey_0"]');
    expect(await failed.locator(".status").textContent()).toBe("failed");
    expect(await failed.textContent()).toContain("2 rows failed the assertion");
    expect(await panel.locator('li[data-assertion="gold_assertions.fct_session_items__track_in_dim_songs"] .status').textContent()).toBe("successful");
    await page.screenshot({ path: path.join(SHOTS, "panel-fct_session_items.png") });
  });

  it("shows silver column types on a declaration", async () => {
    await searchAndPick(page, "silver.users");
    expect(await page.evaluate(() => window.lakehouseGraph!.selectedId())).toBe("silver.users");
    const row = page.locator('#panel tr[data-column="user_since"]');
    expect(await row.textContent()).toContain("timestamp");
    expect(await row.textContent()).toContain("when the user signed up");
  });

  it("filter by tag shows only nodes with that tag", async () => {
    await page.click("#clear-focus");
    await page.waitForFunction(() => window.lakehouseGraph!.focus() === null);
    await page.locator('#filter-tag input[value="reporting"]').check();
    await page.waitForFunction(() => window.lakehouseGraph!.visibleIds().length < 10);
    expect((await visible(page)).sort()).toEqual(["gold.monthly_active_users", "gold.sales_per_artist", "gold.sales_per_country"]);
    expect(await countText(page)).toBe(3);
    // A second tag widens (values of a group are alternatives), a layer narrows (groups combine).
    await page.locator('#filter-tag input[value="sparkify"]').check();
    await page.waitForFunction(() => window.lakehouseGraph!.visibleIds().length > 3);
    expect(await visible(page)).toContain("sparkify.songplays");
    await page.locator('#filter-layer input[value="report"]').check();
    await page.waitForFunction(() => !window.lakehouseGraph!.visibleIds().includes("sparkify.songplays"));
    expect((await visible(page)).length).toBe(3);
    await page.screenshot({ path: path.join(SHOTS, "filter-tag-reporting.png") });
    await page.click("#clear-filters");
    await page.waitForFunction(() => window.lakehouseGraph!.visibleIds().length > 40);
  });

  it("colours by last run status and by assertion results", async () => {
    await page.selectOption("#colour-by", "status");
    expect(await page.locator("#legend").textContent()).toContain("failed");
    await page.screenshot({ path: path.join(SHOTS, "colour-status.png") });
    await page.selectOption("#colour-by", "assertions");
    expect(await page.locator("#legend").textContent()).toContain("one failed");
    await page.selectOption("#colour-by", "layer");
    expect(opened.problems).toEqual([]);
  });

  it("restores focus and filters from the URL", async () => {
    const again = await openPage(browser, file, undefined, "#focus=gold.dim_users&up=1&down=0&colour=status");
    try {
      expect(await again.page.evaluate(() => window.lakehouseGraph!.focus())).toEqual({ id: "gold.dim_users", up: 1, down: 0 });
      expect((await visible(again.page)).sort()).toEqual(["gold.dim_users", "gold.stg_api__users"]);
      expect(await again.page.locator("#colour-by").inputValue()).toBe("status");
      expect(again.problems).toEqual([]);
    } finally {
      await again.context.close();
    }
  });

  it("a page built from the project's own `dataform compile --json` loads", async () => {
    const own = await writeGraph(env, { out: path.join(dir, "own.html"), offline: true, log: quiet });
    const ownPage = await openPage(browser, own.path);
    try {
      expect(await countText(ownPage.page)).toBe(own.nodes);
      expect(own.nodes).toBeGreaterThanOrEqual(16);
      expect(ownPage.problems).toEqual([]);
      await ownPage.page.screenshot({ path: path.join(SHOTS, "project.png") });
    } finally {
      await ownPage.context.close();
    }
  });

  it("a synthetic 2,000-action project becomes interactive: search, focus and filter work", async () => {
    const big = syntheticCompiled({ actions: 2000 });
    const lastRun = path.join(dir, "big-last-run.json");
    fs.writeFileSync(lastRun, JSON.stringify(syntheticLastRun(big)));
    const written = await writeGraph(env, { compiled: big, out: path.join(dir, "big.html"), lastRunFile: lastRun, offline: true, log: quiet });
    const started = performance.now();
    const bigPage = await openPage(browser, written.path);
    const interactiveMs = performance.now() - started;
    try {
      const p = bigPage.page;
      expect(await countText(p)).toBe(written.nodes);
      await p.screenshot({ path: path.join(SHOTS, "synthetic-2000-overview.png") });
      await searchAndPick(p, "fct_finance");
      const focused = await visible(p);
      expect(focused.length).toBeGreaterThan(1);
      expect(focused.length).toBeLessThan(written.nodes / 10);
      await p.screenshot({ path: path.join(SHOTS, "synthetic-2000-focus.png") });
      await p.click("#clear-focus");
      await p.locator('#filter-tag input[value="pii"]').check();
      await p.waitForFunction(() => window.lakehouseGraph!.visibleIds().length < 300);
      const timings = await p.evaluate(() => ({ ...window.lakehouseGraph!.timings, drawMs: window.lakehouseGraph!.lastDrawMs() }));
      // A figure, not an assertion: the benchmark (bench/graph.ts) records it in bench/RESULTS.md.
      console.info(`2,000 actions (${written.nodes} nodes, ${written.edges} edges): interactive ${interactiveMs.toFixed(0)} ms after navigation; in-page ${JSON.stringify(timings)}`);
      expect(bigPage.problems).toEqual([]);
    } finally {
      await bigPage.context.close();
    }
  });
});
