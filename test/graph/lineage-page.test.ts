/**
 * Column lineage on the graph page, in headless Chromium, built from the real compiled project (the fixture's
 * SQL is only stubs). Screenshots go to test-results/graph/ (git-ignored).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { createLogger } from "../../scripts/core/log.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import type { DataformCompiled } from "../../scripts/graph/build.ts";
import { writeGraph } from "../../scripts/graph/index.ts";
import { HAS_CHROMIUM, launch, NO_CHROMIUM_MESSAGE, openPage } from "./browser.ts";
import { LAST_RUN } from "./helpers.ts";

const SHOTS = fromRoot("test-results", "graph");

const trace = (page: Page) => page.evaluate(() => window.lakehouseGraph!.trace());

describe.skipIf(!HAS_CHROMIUM)(`column lineage on the graph page${HAS_CHROMIUM ? "" : ` (${NO_CHROMIUM_MESSAGE})`}`, () => {
  let browser: Browser;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "graph-lineage-"));
    const run = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "compile", "--env", "ci", "--json"], { cwd: fromRoot(), encoding: "utf8", timeout: 120_000 });
    if (run.status !== 0) throw new Error(`lakehouse compile failed: ${run.stderr}`);
    const compiled = JSON.parse(run.stdout) as DataformCompiled;
    file = (await writeGraph(loadEnvironment("ci"), { compiled, out: path.join(dir, "index.html"), lastRunFile: LAST_RUN, offline: true, log: createLogger({ quiet: true }) })).path;
    browser = await launch();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("`col:sales_per_country.total` traces the column: upstream to silver.session_items.price, listed in the nodes and the panel", async () => {
    const { page, problems, context } = await openPage(browser, file);
    await page.fill("#search", "col:sales_per_country.total");
    const first = page.locator("#search-results li[data-node]").first();
    await first.waitFor();
    expect(await first.getAttribute("data-kind")).toBe("lineage");
    expect(await first.locator(".hit-name").textContent()).toBe("sales_per_country.total");
    await page.press("#search", "Enter");
    await page.waitForFunction(() => window.lakehouseGraph!.trace() !== null);

    const t = (await trace(page))!;
    expect(t).toMatchObject({ id: "gold.sales_per_country", column: "total", down: [] });
    expect(t.up).toEqual(expect.arrayContaining(["gold.fct_session_items.price", "gold.stg_api__session_items.price", "silver.session_items.price", "iceberg:session_items.price"]));
    // Every node on the trace is shown, and each lists its traced columns.
    const visible = await page.evaluate(() => window.lakehouseGraph!.visibleIds());
    for (const id of ["gold.fct_session_items", "gold.stg_api__session_items", "silver.session_items", "iceberg:session_items", "gold.dim_users"]) expect(visible).toContain(id);
    expect(await page.evaluate(() => window.lakehouseGraph!.tracedColumns("gold.fct_session_items"))).toContain("price");
    expect(await page.evaluate(() => window.lakehouseGraph!.tracedColumns("gold.dim_songs"))).not.toContain("title");

    const lineage = page.locator("#panel-lineage");
    await expect(lineage.locator("h3").textContent()).resolves.toContain("sales_per_country.total");
    const price = lineage.locator('a[data-node="silver.session_items"][data-column="price"]');
    expect(await price.count()).toBe(1);
    expect(await price.locator("xpath=..").locator(".kind").textContent()).toBe("aggregated");
    expect(await page.evaluate(() => decodeURIComponent(location.hash))).toBe("#col=gold.sales_per_country.total");
    await page.screenshot({ path: path.join(SHOTS, "lineage-total.png") });
    // Coloured by status, the legend says when and by which command the statuses were taken.
    await page.selectOption("#colour-by", "status");
    expect(await page.locator("#status-source").textContent()).toBe("status from `run --tags gold` at 2018-12-01 06:00 UTC (test/graph/fixtures/last-run.json)");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("clicking a column in the side panel highlights what reads it downstream, and a link with #col= reopens it", async () => {
    const { page, problems, context } = await openPage(browser, file, undefined, "#focus=gold.stg_api__session_items");
    await page.waitForFunction(() => window.lakehouseGraph!.selectedId() === "gold.stg_api__session_items");
    await page.click('#panel button.column-trace[data-trace="price"]');
    await page.waitForFunction(() => window.lakehouseGraph!.trace()?.column === "price");
    const t = (await trace(page))!;
    expect(t.id).toBe("gold.stg_api__session_items");
    expect(t.down).toEqual(expect.arrayContaining(["gold.fct_session_items.price", "gold.sales_per_country.total", "gold.sales_per_artist.total"]));
    expect(t.up).toEqual(expect.arrayContaining(["silver.session_items.price"]));
    // The panel marks the traced row; a downstream node lists the column it gets.
    expect(await page.locator('#panel tr.traced-self[data-column="price"]').count()).toBe(1);
    expect(await page.evaluate(() => window.lakehouseGraph!.tracedColumns("gold.sales_per_country"))).toEqual(["total"]);
    await page.screenshot({ path: path.join(SHOTS, "lineage-price.png") });

    const hash = await page.evaluate(() => location.hash);
    const again = await openPage(browser, file, undefined, hash);
    expect(await trace(again.page)).toEqual(t);
    expect(await again.page.locator("#panel-lineage").count()).toBe(1);
    expect([...problems, ...again.problems]).toEqual([]);
    await again.context.close();
    await context.close();
  });
});
