/**
 * The graph page read at a glance, in headless Chromium at 1600×1000, built from the project's own compile:
 * distinct labels at the default fit, full names on hover, links by short name, and a first frame that
 * needs no animation frame. Screenshots go to test-results/graph/ (git-ignored).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { createLogger } from "../../scripts/core/log.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import type { DataformCompiled } from "../../scripts/graph/build.ts";
import { writeGraph } from "../../scripts/graph/index.ts";
import { HAS_CHROMIUM, launch, NO_CHROMIUM_MESSAGE, openPage } from "./browser.ts";

const SHOTS = fromRoot("test-results", "graph");

describe.skipIf(!HAS_CHROMIUM)(`graph page readability${HAS_CHROMIUM ? "" : ` (${NO_CHROMIUM_MESSAGE})`}`, () => {
  let browser: Browser;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "graph-readable-"));
    const run = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "compile", "--env", "ci", "--json"], { cwd: fromRoot(), encoding: "utf8", timeout: 120_000 });
    if (run.status !== 0) throw new Error(`lakehouse compile failed: ${run.stderr}`);
    const compiled = JSON.parse(run.stdout) as DataformCompiled;
    file = (await writeGraph(loadEnvironment("ci"), { compiled, out: path.join(dir, "index.html"), offline: true, log: createLogger({ quiet: true }) })).path;
    browser = await launch();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("draws every node of the default project with a distinct label at the default fit, shortened in the middle", async () => {
    const { page, problems, context } = await openPage(browser, file);
    await page.evaluate(() => window.lakehouseGraph!.drawNow());
    const labels = await page.evaluate(() => window.lakehouseGraph!.drawnLabels());
    const visible = await page.evaluate(() => window.lakehouseGraph!.visibleIds());
    expect(Object.keys(labels).sort()).toEqual([...visible].sort());
    const texts = Object.values(labels);
    const repeated = texts.filter((t, k) => texts.indexOf(t) !== k);
    expect(repeated).toEqual([]);
    // Names shared by the Iceberg table, its declaration and a Sparkify model are told apart.
    for (const id of ["iceberg:songs", "silver.songs", "sparkify.songs"]) expect(labels[id]).toBeDefined();
    expect(new Set([labels["iceberg:songs"], labels["silver.songs"], labels["sparkify.songs"]]).size).toBe(3);
    // A cut label keeps both ends: the part that differs between stg_api__sessions and stg_api__session_items.
    // (Dataform nodes: their label is their name, or schema.name; lake nodes' ids are not their names.)
    const cut = Object.entries(labels).filter(([id, t]) => t.includes("…") && !id.includes(":"));
    expect(cut.length).toBeGreaterThan(0);
    for (const [id, t] of cut) {
      const [head, tail] = t.split("…");
      expect(head.length, t).toBeGreaterThan(0);
      expect(id.endsWith(tail), `${id}: ${t}`).toBe(true);
      expect(id.includes(head), `${id}: ${t}`).toBe(true);
    }
    await page.screenshot({ path: path.join(SHOTS, "default-fit.png") });

    // The full name on hover.
    const point = (await page.evaluate(() => window.lakehouseGraph!.clientPoint("gold.stg_api__session_items")))!;
    await page.mouse.move(point.x, point.y);
    await page.locator("#tooltip:not([hidden])").waitFor();
    expect(await page.locator("#tooltip strong").textContent()).toBe("stg_api__session_items");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("#focus= takes a unique short name and says when a name is ambiguous or unknown", async () => {
    const short = await openPage(browser, file, undefined, "#focus=dim_users");
    expect(await short.page.evaluate(() => window.lakehouseGraph!.focus()?.id)).toBe("gold.dim_users");
    expect(await short.page.locator("#link-note").isHidden()).toBe(true);
    await short.context.close();

    const ambiguous = await openPage(browser, file, undefined, "#focus=songs");
    expect(await ambiguous.page.evaluate(() => window.lakehouseGraph!.focus())).toBeNull();
    const note = await ambiguous.page.locator("#link-note").textContent();
    expect(note).toMatch(/^#focus=songs is ambiguous: /);
    for (const id of ["iceberg:songs", "silver.songs", "sparkify.songs"]) expect(note).toContain(id);
    await ambiguous.context.close();

    const unknown = await openPage(browser, file, undefined, "#focus=nope");
    expect(await unknown.page.locator("#link-note").textContent()).toBe("#focus=nope: no node has that name or id.");
    expect([...short.problems, ...ambiguous.problems, ...unknown.problems]).toEqual([]);
    await unknown.context.close();
  });

  it("draws the first frame synchronously: the canvas is inked even when no animation frame ever comes", async () => {
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 });
    await context.addInitScript(() => {
      window.requestAnimationFrame = () => 0;
    });
    const page = await context.newPage();
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => window.lakehouseGraph?.ready === true);
    // Let layout and the ResizeObserver run (they clear the canvas if they resize it).
    await page.waitForTimeout(200);
    const inked = await page.evaluate(() => {
      const canvas = document.getElementById("canvas") as HTMLCanvasElement;
      const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < pixels.length; i += 16) if (Math.abs(pixels[i] - pixels[i + 2]) > 30) coloured++;
      return coloured;
    });
    expect(inked).toBeGreaterThan(100);
    await context.close();
  });
});
