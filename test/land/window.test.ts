/** Issue 15.3 (land part): a start date alone is one day, and a window that lands nothing for a source says so. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import type { Logger } from "../../scripts/core/log.ts";
import { landContext, landSources } from "../../scripts/land/index.ts";
import { listPartitions } from "../../scripts/land/partitions.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import { copySparkify } from "./fixtures.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "land-window-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = loadEnvironment("ci");

describe("the landing window", () => {
  it("--start-date D alone lands the day D (the end defaults to the start)", () => {
    expect(landContext(env, { startDate: "2018-11-20" }).window).toEqual({ start_date: "2018-11-20", end_date: "2018-11-20" });
    expect(landContext(env, { startDate: "2018-11-20", endDate: "2018-11-22" }).window).toEqual({ start_date: "2018-11-20", end_date: "2018-11-22" });
    expect(landContext(env, {}).window).toEqual({ start_date: env.sources.start_date, end_date: env.sources.end_date });
  });

  it("warns when a window lands nothing for a source (a day without a Sparkify log), and lands the rest", async () => {
    const sparkify = path.join(dir, "sparkify");
    copySparkify(sparkify, 5, ["2018-11-05"]);
    const warnings: string[] = [];
    const log: Logger = { info: () => undefined, warn: (m) => warnings.push(m), progress: () => undefined, step: (_l, fn) => fn() };
    const storage = new LocalStorage(path.join(dir, "bucket"));
    const day = await landSources(env, { sources: ["sparkify"], sparkifyPath: sparkify, startDate: "2018-11-06", storage, log });
    expect(day.window).toEqual({ start_date: "2018-11-06", end_date: "2018-11-06" });
    expect(warnings).toEqual([`land: the window 2018-11-06 landed nothing for sparkify/events: no log file YYYY-MM-DD-events.json of those days under ${sparkify}/log_data`]);
    expect((await listPartitions(storage, "sparkify/songs")).map((p) => [p.ingestOn, p.manifest.rows])).toEqual([["2018-11-06", 5]]);
    warnings.length = 0;
    await landSources(env, { sources: ["sparkify"], sparkifyPath: sparkify, startDate: "2018-11-05", storage, log });
    expect(warnings).toEqual([]);
    expect((await listPartitions(storage, "sparkify/events")).map((p) => p.ingestOn)).toEqual(["2018-11-05"]);
  });
});
