import { describe, expect, it } from "vitest";
import { Random } from "../../scripts/api/random.ts";

describe("simulator randomness", () => {
  it("gives the same uuids for the same identity, in order", () => {
    const a = Random.of(7, "session", "2018-11-01", 3);
    const b = Random.of(7, "session", "2018-11-01", 3);
    expect([a.uuid(), a.uuid()]).toEqual([b.uuid(), b.uuid()]);
    expect(Random.of(7, "session", "2018-11-01", 4).uuid()).not.toBe(Random.of(7, "session", "2018-11-01", 3).uuid());
  });

  it("draws version-4 shaped uuids", () => {
    const id = Random.of(1, "user").uuid();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("does not collide at benchmark scale (uuids from a 32-bit state would: ~10 expected pairs here)", () => {
    const n = 300_000;
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) seen.add(Random.of(20181101, "session", "2018-11-01", i).uuid());
    expect(seen.size).toBe(n);
  });
});
