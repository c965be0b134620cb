/**
 * Headless Chromium for the graph page's tests and benchmark: Debian's /usr/bin/chromium driven by
 * playwright-core (no browser download), with the flags this machine needs (no sandbox as root, no
 * background networking: the network is closed).
 */
import * as fs from "node:fs";
import type { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
export const NO_CHROMIUM_MESSAGE = `skipped: ${CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium; CI installs it from .ci/apt-packages.txt)`;

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export async function launch(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  // Playwright adds --headless and its own empty --user-data-dir.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and any request that is not the file itself. */
  problems: string[];
  /** Milliseconds from `goto` to the page saying it is ready (seen from Node). */
  loadMs: number;
}

/** Opens a local file and records everything that would mean the page is broken or not self-contained. */
export async function openPage(browser: Browser, file: string, viewport = { width: 1600, height: 1000 }, hash = ""): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m: ConsoleMessage) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  const url = `file://${file}${hash}`;
  page.on("request", (r) => {
    if (r.url().split("#")[0] !== url.split("#")[0]) problems.push(`request: ${r.url()}`);
  });
  const started = performance.now();
  await page.goto(url);
  await page.waitForFunction(() => window.lakehouseGraph?.ready === true, undefined, { timeout: 60_000 });
  return { context, page, problems, loadMs: performance.now() - started };
}
