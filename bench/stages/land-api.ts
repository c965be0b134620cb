import * as fs from "node:fs";
import * as path from "node:path";
import { startApiServer, type RunningApiServer } from "../../scripts/api/server.ts";
import { staticTracks } from "../../scripts/api/catalog.ts";
import { landSources } from "../../scripts/land/index.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import type { Benchmark } from "../harness.ts";
import { dayOf, pipeline, type Pipeline } from "../lib/pipeline.ts";

/**
 * Sessions per day over HTTP: the scale's volume, capped so that the whole window stays a few minutes (users
 * per day are not capped: at FULL the window also lands 1.1 M users, hence records/s beside sessions/s).
 */
const MAX_SESSIONS_PER_DAY = 10_000;

interface Context {
  p: Pipeline;
  server: RunningApiServer;
  days: number;
  sessionsPerDay: number;
}

/**
 * API landing through the real HTTP path (`landSources(api)`: fetch, verify, stage, manifest) from the
 * purchase API simulator on loopback, in its own bucket: the whole window (`scale.days` days) and then one
 * day, which is landing's incremental figure (one new day vs the whole history). Simulator and lander share
 * this process, so the rate includes generating the responses.
 */
export const landApiBench: Benchmark = {
  stage: "land-api",
  notes: { "land (API over HTTP): new day / whole window": "target ≤ 0.1" },
  async setup(scale) {
    const p = await pipeline(scale);
    const sessionsPerDay = Math.min(p.generator.sessionsPerDay, MAX_SESSIONS_PER_DAY);
    const server = await startApiServer({ host: "127.0.0.1", port: 0, generator: { ...p.generator, sessionsPerDay }, tracks: staticTracks(p.tracks()), faults: {} });
    return { p, server, days: scale.days, sessionsPerDay } satisfies Context;
  },
  async run(_scale, context) {
    const { p, server, days, sessionsPerDay } = context as Context;
    const root = fs.mkdtempSync(path.join(p.scratch, "api-bucket-"));
    try {
      const storage = new LocalStorage(root);
      const land = async (start: string, end: string) => {
        const started = performance.now();
        const summary = await landSources(p.stack.env, { sources: ["api"], startDate: start, endDate: end, apiBaseUrl: server.url, storage });
        const rows = (entity: string) => summary.entities.find((e) => e.entity === entity)?.rows ?? 0;
        return { seconds: (performance.now() - started) / 1000, sessions: rows("api/sessions"), users: rows("api/users") };
      };
      const whole = await land(dayOf(0), dayOf(days - 1));
      const one = await land(dayOf(days), dayOf(days));
      return [
        { metric: `API landing, ${days} days × ${sessionsPerDay.toLocaleString("en-US")} sessions and ${whole.users.toLocaleString("en-US")} users (s)`, value: whole.seconds, unit: "s" },
        { metric: "API landing sessions/s", value: whole.sessions / whole.seconds, unit: "sessions/s" },
        { metric: "API landing records/s (sessions + users)", value: (whole.sessions + whole.users) / whole.seconds, unit: "records/s" },
        { stage: "incremental", metric: "land (API over HTTP): new day (s)", value: one.seconds, unit: "s" },
        { stage: "incremental", metric: "land (API over HTTP): new day / whole window", value: one.seconds / whole.seconds, unit: "×" },
      ];
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
  async teardown(context) {
    await (context as Context).server.close();
  },
};
