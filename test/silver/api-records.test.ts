/**
 * The silver parsers against what the purchase API simulator really sends (its generator, pure), clean
 * and with its record faults (missing field, wrong type, duplicate): clean records all pass, every
 * damaged record is quarantined with the damaged field named, duplicates are kept.
 */
import { describe, expect, it } from "vitest";
import { applyRecordFaults } from "../../scripts/api/faults.ts";
import { API_EPOCH, sessionsOn, usersOn } from "../../scripts/api/generate.ts";
import { PARSERS } from "../../scripts/silver/entities/index.ts";
import { transformRecord } from "../../scripts/silver/transform.ts";
import { parseDate } from "../../scripts/silver/values.ts";
import { sampleTracks } from "../api/tracks.ts";

const generator = { seed: 11, usersPerDay: 40, sessionsPerDay: 120, maxItemsPerSession: 5, epoch: API_EPOCH };
const tracks = sampleTracks(300);
const DAYS = ["2018-11-01", "2018-11-02", "2018-11-15"];
const file = (day: string) => ({ key: `landing/api/x/ingest_on=${day}/part-00000.json`, lineage: { ingest_on: parseDate(day), source_file: "k", processed_at: 0n } });

function run(entity: "api/users" | "api/sessions", records: unknown[], day: string) {
  return records.map((r, i) => transformRecord(PARSERS[entity], { text: JSON.stringify(r), record: i + 1 }, file(day)));
}

describe("API simulator records", () => {
  it("every clean user and session passes", () => {
    for (const day of DAYS) {
      const users = run("api/users", usersOn(generator, day), day);
      expect(users.filter((r) => !r.ok).map((r) => !r.ok && `${r.entry.field}: ${r.entry.reason}`)).toEqual([]);
      const sessions = run("api/sessions", sessionsOn(generator, tracks, day), day);
      expect(sessions.filter((r) => !r.ok).map((r) => !r.ok && `${r.entry.field}: ${r.entry.reason}`)).toEqual([]);
      expect(sessions.length).toBeGreaterThan(0);
    }
  });

  it("every record damaged by a fault is quarantined with the damaged field; duplicates are kept", () => {
    const faults = { missing_field: { rate: 0.2 }, wrong_type: { rate: 0.2 }, duplicate: { rate: 0.1 } };
    for (const [entity, path, clean] of [
      ["api/users", "/users", usersOn(generator, "2018-11-05")],
      ["api/sessions", "/sessions", sessionsOn(generator, tracks, "2018-11-05")],
    ] as const) {
      const originals = new Set((clean as unknown[]).map((r) => JSON.stringify(r)));
      const damaged = applyRecordFaults(clean as unknown as Record<string, unknown>[], faults, path, `${path}?day=2018-11-05`);
      const results = run(entity, damaged, "2018-11-05");
      const bad = damaged.filter((r) => !originals.has(JSON.stringify(r)));
      expect(bad.length).toBeGreaterThan(5);
      expect(damaged.length).toBeGreaterThan(clean.length); // duplicates
      results.forEach((result, i) => {
        const wasDamaged = !originals.has(JSON.stringify(damaged[i]));
        expect(result.ok, JSON.stringify(damaged[i]).slice(0, 200)).toBe(!wasDamaged);
        if (!result.ok) {
          expect(result.entry.field).toMatch(/^(user_id|user_lastname|user_location|user_since|session_start_time|session_items|session_items\[0\]\.price)$/);
          expect(result.entry.reason).toMatch(/required field is missing|wrong type|not a number/);
        }
      });
    }
  });
});
