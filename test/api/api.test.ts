import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staticTracks } from "../../scripts/api/catalog.ts";
import { API_EPOCH, type ApiSession, type ApiUser } from "../../scripts/api/generate.ts";
import { startApiServer, type RunningApiServer } from "../../scripts/api/server.ts";
import { sampleTracks } from "./tracks.ts";

const generator = { seed: 7, usersPerDay: 12, sessionsPerDay: 30, maxItemsPerSession: 4, epoch: API_EPOCH };
const tracks = sampleTracks(150);
const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
let server: RunningApiServer;

beforeAll(async () => {
  server = await startApiServer({ generator, tracks: staticTracks(tracks) });
});
afterAll(async () => {
  await server?.close();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });
const json = async <T>(path: string): Promise<T> => (await (await get(path)).json()) as T;

describe("purchase API simulator", () => {
  it("answers the same request with the same bytes, also from another server instance", async () => {
    const path = "/sessions?start_date=2018-11-03&end_date=2018-11-04";
    const a = Buffer.from(await (await get(path)).arrayBuffer());
    const b = Buffer.from(await (await get(path)).arrayBuffer());
    const other = await startApiServer({ generator, tracks: staticTracks([...tracks].reverse()) });
    const c = Buffer.from(await (await fetch(`${other.url}${path}`)).arrayBuffer());
    await other.close();
    expect(a.length).toBeGreaterThan(1000);
    expect(b.equals(a)).toBe(true);
    expect(c.equals(a)).toBe(true);
    // Another seed gives other data.
    const seeded = await startApiServer({ generator: { ...generator, seed: 8 }, tracks: staticTracks(tracks) });
    const d = Buffer.from(await (await fetch(`${seeded.url}${path}`)).arrayBuffer());
    await seeded.close();
    expect(d.equals(a)).toBe(false);
  });

  it("serves users in the documented shape, with moves of existing users (SCD2)", async () => {
    const users = await json<ApiUser[]>("/users?start_date=2018-11-01&end_date=2018-11-06");
    for (const u of users) {
      expect(Object.keys(u)).toEqual(["user_id", "user_name", "user_lastname", "user_location", "user_since"]);
      expect(u.user_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(u.user_location).toHaveLength(5);
      expect(Number.isFinite(Number(u.user_location[0]))).toBe(true);
      expect(u.user_location[3]).toMatch(/^[A-Z]{2}$/);
      expect(u.user_since).toMatch(TS);
    }
    const byId = new Map<string, ApiUser[]>();
    for (const u of users) byId.set(u.user_id, [...(byId.get(u.user_id) ?? []), u]);
    const moved = [...byId.values()].filter((versions) => versions.length > 1);
    expect(moved.length).toBeGreaterThan(0);
    for (const versions of moved) {
      expect(new Set(versions.map((v) => v.user_since)).size).toBe(1);
      expect(new Set(versions.map((v) => JSON.stringify(v.user_location))).size).toBeGreaterThan(1);
    }
    // The first day only creates users; a window equals the concatenation of its days.
    const day1 = await json<ApiUser[]>("/users?start_date=2018-11-01&end_date=2018-11-01");
    expect(day1).toHaveLength(generator.usersPerDay);
    const days = [];
    for (let d = 1; d <= 6; d++) days.push(...(await json<ApiUser[]>(`/users?start_date=2018-11-0${d}&end_date=2018-11-0${d}`)));
    expect(days).toEqual(users);
  });

  it("serves sessions of existing users over the catalog's tracks", async () => {
    const users = await json<ApiUser[]>("/users?start_date=2018-11-01&end_date=2018-11-05");
    const known = new Map(users.map((u) => [u.user_id, u.user_since]));
    const sessions = await json<ApiSession[]>("/sessions?start_date=2018-11-05&end_date=2018-11-05");
    expect(sessions).toHaveLength(generator.sessionsPerDay);
    const byTrack = new Map(tracks.map((t) => [t.track_id, t]));
    for (const s of sessions) {
      expect(Object.keys(s)).toEqual(["session_id", "user_id", "session_start_time", "user_agent", "session_items"]);
      expect(known.has(s.user_id)).toBe(true);
      expect(s.session_start_time > known.get(s.user_id)!).toBe(true);
      expect(s.session_start_time.startsWith("2018-11-05T")).toBe(true);
      expect(s.session_items.length).toBeGreaterThanOrEqual(1);
      expect(s.session_items.length).toBeLessThanOrEqual(generator.maxItemsPerSession);
      for (const item of s.session_items) {
        expect(Object.keys(item)).toEqual(["song_id", "song_name", "artist_id", "artist_name", "price", "currency", "liked", "liked_since"]);
        const track = byTrack.get(item.song_id);
        expect(track).toBeDefined();
        expect([item.song_name, item.artist_id, item.artist_name]).toEqual([track!.title, track!.artist_id, track!.artist_name]);
        expect(item.price).toBeGreaterThan(0);
        expect(item.price).toBeLessThanOrEqual(2);
        expect(Math.round(item.price * 100) / 100).toBe(item.price);
        expect(item.currency).toBe("USD");
        if (item.liked) expect(item.liked_since! > s.session_start_time).toBe(true);
        else expect(item.liked_since).toBeNull();
      }
    }
  });

  it("refuses bad windows and answers 503 while the catalog is empty", async () => {
    expect((await get("/users?start_date=2018-11-31&end_date=2018-12-01")).status).toBe(400);
    expect((await get("/users?start_date=../etc&end_date=2018-12-01")).status).toBe(400);
    expect((await get("/users?start_date=2018-11-02&end_date=2018-11-01")).status).toBe(400);
    expect((await get("/users")).status).toBe(400);
    const empty = await startApiServer({ generator, tracks: staticTracks([]) });
    const res = await fetch(`${empty.url}/sessions?start_date=2018-11-01&end_date=2018-11-01`);
    const body = (await res.json()) as { error: string };
    await empty.close();
    expect(res.status).toBe(503);
    expect(body.error).toMatch(/empty.*seed/);
    const broken = await startApiServer({ generator, tracks: { tracks: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")), close: async () => undefined } });
    const down = await fetch(`${broken.url}/sessions?start_date=2018-11-01&end_date=2018-11-01`);
    const downBody = (await down.json()) as { error: string };
    await broken.close();
    expect(down.status).toBe(503);
    expect(downBody.error).toMatch(/catalog database is unreachable: connect ECONNREFUSED 127\.0\.0\.1:1/);
  });

  it("injects request faults by query or header, healing after fault_times", async () => {
    const base = "/users?start_date=2018-11-02&end_date=2018-11-02";
    const r500 = await get(`${base}&fault=500&fault_times=1`);
    expect(r500.status).toBe(500);
    expect((await get(`${base}&fault=500&fault_times=1`)).status).toBe(200);
    const r429 = await get("/users?start_date=2018-11-03&end_date=2018-11-03", { "x-fault": "429", "x-fault-times": "1", "x-retry-after": "2" });
    expect(r429.status).toBe(429);
    expect(r429.headers.get("retry-after")).toBe("2");
    const good = await (await get(base)).text();
    const malformed = await (await get(`${base}&fault=malformed`)).text();
    expect(() => JSON.parse(malformed)).toThrow();
    expect(malformed.length).toBeGreaterThan(good.length);
    await expect(get(`${base}&fault=truncate`).then((r) => r.text())).rejects.toThrow();
    const started = Date.now();
    expect((await get(`${base}&fault=slow&delay_ms=300`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("injects record faults deterministically: duplicates, missing and mistyped fields", async () => {
    const base = "/sessions?start_date=2018-11-04&end_date=2018-11-04";
    const clean = await json<Record<string, unknown>[]>(base);
    const dup = await json<Record<string, unknown>[]>(`${base}&fault=duplicate&fault_rate=0.3`);
    expect(dup.length).toBeGreaterThan(clean.length);
    expect(new Set(dup.map((s) => s.session_id)).size).toBe(clean.length);
    const broken1 = await (await get(`${base}&fault=missing_field,wrong_type&fault_rate=0.3`)).text();
    const broken2 = await (await get(`${base}&fault=missing_field,wrong_type&fault_rate=0.3`)).text();
    expect(broken2).toBe(broken1);
    const broken = JSON.parse(broken1) as Record<string, unknown>[];
    expect(broken.some((s) => !("user_id" in s) || !("session_start_time" in s) || !("session_items" in s))).toBe(true);
    expect(broken.some((s) => typeof s.session_start_time === "number" || (Array.isArray(s.session_items) && typeof (s.session_items[0] as { price: unknown }).price === "string"))).toBe(true);
  });
});
