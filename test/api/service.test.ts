import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiService } from "../../scripts/api/service.ts";
import type { ApiSession } from "../../scripts/api/generate.ts";
import { seedSongs } from "../../scripts/seed/songs.ts";
import { withClient } from "../../scripts/stack/db.ts";
import { isAlive } from "../../scripts/stack/process.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const SONGS = "/work/shared/data/sparkify/song_data";
let stack: TestStack;

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  const dir = path.join(stack.dir, "songs");
  fs.mkdirSync(dir);
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  for (const file of walk(SONGS).sort().slice(0, 25)) fs.copyFileSync(file, path.join(dir, path.basename(file)));
  stack.env.sources = { ...stack.env.sources, songs_path: dir };
}, 60_000);
afterAll(async () => {
  if (stack) await apiService.stop(stack.env);
  await stack?.stop();
});

describe("API simulator as a background service", () => {
  it("answers 503 before seeding, serves catalog tracks after, and re-reads a re-seeded catalog", async () => {
    const { env } = stack;
    expect(await apiService.start(env)).toBe("started");
    expect(await apiService.start(env)).toBe("already running");
    const status = await apiService.status(env);
    expect(status).toMatchObject({ running: true, address: `127.0.0.1:${env.api.port}` });
    const url = `http://127.0.0.1:${env.api.port}/sessions?start_date=2018-11-02&end_date=2018-11-02`;
    const before = await fetch(url);
    expect(before.status).toBe(503);
    await seedSongs(env);
    const catalog = new Set(await withClient(env, "catalog", async (c) => (await c.query("select track_id from deftunes.songs")).rows.map((r) => r.track_id as string)));
    const first = await (await fetch(url)).text();
    const sessions = JSON.parse(first) as ApiSession[];
    expect(sessions.length).toBe(env.api.sessions_per_day);
    for (const s of sessions) for (const item of s.session_items) expect(catalog.has(item.song_id)).toBe(true);
    expect(await (await fetch(url)).text()).toBe(first);
    await seedSongs(env, { scale: 50 });
    const after = JSON.parse(await (await fetch(url)).text()) as ApiSession[];
    expect(after.some((s) => s.session_items.some((i) => i.song_id.startsWith("TRSYN")))).toBe(true);

    const pid = status.pid as number;
    expect(await apiService.stop(env)).toBe("stopped");
    expect(isAlive(pid)).toBe(false);
    expect((await apiService.status(env)).running).toBe(false);
    expect(await apiService.stop(env)).toBe("not running");
  }, 60_000);

  it("refuses to start when its port is taken, naming the port", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(stack.env.api.port, "127.0.0.1", () => r()));
    try {
      await expect(apiService.start(stack.env)).rejects.toThrow(new RegExp(`port ${stack.env.api.port} on 127.0.0.1 is taken`));
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});
