/**
 * Issue 22, items 1, 2 and 6: single bad inputs that used to fail a partition (or a later mount) now go
 * through silver with every other record committed, the bad ones quarantined with their reason, and
 * landed = committed + quarantined per table. Landed with landing's own stager, real Sparkify files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../scripts/core/log.ts";
import { icebergSource } from "../../scripts/mount/iceberg-source.ts";
import { mountSilver } from "../../scripts/mount/mount.ts";
import { connect } from "../../scripts/stack/db.ts";
import { runSilver, type TableReport } from "../../scripts/silver/run.ts";
import { castColumn, FieldError, MAX_TEXT_BYTES } from "../../scripts/silver/values.ts";
import type { SilverColumn } from "../../scripts/silver/tables.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import type { Storage } from "../../scripts/storage/types.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { apiBody, ITEM, land, SESSION, sparkifyLog, sparkifySongFiles, USER } from "./fixtures.ts";

const D = "2018-11-01";
const BOM = "\uFEFF";
let stack: TestStack;
let storage: Storage;
let reports: Record<string, TableReport>;

/** A log line with one field replaced by raw JSON text (escapes kept as written). */
function withField(line: string, key: string, json: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  record[key] = "@@";
  return JSON.stringify(record).replace('"@@"', json);
}

async function quarantined(entity: string): Promise<{ field: string; reason: string; record: number; line: number | null }[]> {
  const out = [];
  for (const object of await storage.list(`quarantine/${entity}/`)) {
    for (const line of (await storage.get(object.key)).toString("utf8").split("\n")) if (line) out.push(JSON.parse(line));
  }
  return out;
}

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  storage = openStorage(stack.env);
  const songs = sparkifySongFiles(4);
  await land(storage, "sparkify/songs", D, [
    songs[0],
    { body: "", original: songs[1].original }, // 22.1: an empty song file
    { body: `${BOM}${songs[2].body.toString()}`, original: songs[2].original }, // 22.6: BOM before a song
    { body: songs[3].body.toString().replace(/"title": ?"[^"]*"/, '"title":"A\\u0000B"'), original: songs[3].original }, // 22.3: NUL in a title
  ]);
  const lines = sparkifyLog(D).split("\n").filter((l) => l.includes('"NextSong"')).slice(0, 6);
  const events = [
    BOM, // 22.2: a first line holding only a BOM
    lines[0],
    withField(lines[1], "song", '"Bad \\u0000 song"'), // 22.3: escaped NUL
    withField(lines[2], "artist", '"lone \\ud800 surrogate"'), // 22.6: lone surrogate
    withField(lines[3], "ts", "0"), // ts = 0
    withField(lines[4], "length", "-1.5"), // negative length
    lines[5],
  ];
  await land(storage, "sparkify/events", D, [{ body: events.join("\n") }]);
  await land(storage, "api/sessions", D, [apiBody([SESSION(1, [ITEM("TRAAAAW128F429D538")]), SESSION(2, [ITEM("TRAAAAW128F429D538", { price: 1e-320 })])])]);
  await land(storage, "api/users", D, [apiBody([USER(1), USER(2, { user_name: "x\u0000y" })])]);
  reports = Object.fromEntries((await runSilver(stack.env, { log: createLogger({ quiet: true }) })).map((r) => [r.table, r]));
});

afterAll(async () => {
  await stack?.stop();
});

describe("bad single inputs are quarantined, the rest goes on", () => {
  it("every table reconciles: landed = committed + quarantined", () => {
    for (const report of Object.values(reports)) expect(report.landed, report.table).toBe(report.committed + report.quarantined);
    expect(reports.sparkify_songs).toMatchObject({ landed: 4, committed: 2, quarantined: 2, rows: 2 });
    expect(reports.sparkify_events).toMatchObject({ landed: 6, committed: 2, quarantined: 4, rows: 2 });
    expect(reports.sessions).toMatchObject({ landed: 2, committed: 1, quarantined: 1 });
    expect(reports.users).toMatchObject({ landed: 2, committed: 1, quarantined: 1 });
  });

  it("names the reason of each: empty file, NUL, lone surrogate, ts = 0, negative length, subnormal price", async () => {
    const songs = await quarantined("sparkify/songs");
    expect(songs.map((q) => [q.record, q.field, q.reason.split(" ").slice(0, 4).join(" ")]).sort()).toEqual([
      [1, "(record)", "empty file: no JSON"],
      [1, "title", "text contains a NUL"],
    ]);
    const events = await quarantined("sparkify/events");
    expect(events.map((q) => [q.line, q.field])).toEqual([
      [3, "song"],
      [4, "artist"],
      [5, "ts"],
      [6, "length"],
    ]);
    expect(events[0].reason).toMatch(/NUL character .* PostgreSQL and Redshift cannot store/);
    expect(events[1].reason).toMatch(/lone surrogate \\ud800 at character 6/);
    expect(events[2].reason).toMatch(/placeholder of a missing time/);
    expect(events[3].reason).toBe("negative length: -1.5");
    expect((await quarantined("api/sessions"))[0]).toMatchObject({ field: "session_items[0].price", reason: expect.stringMatching(/subnormal/) });
    expect((await quarantined("api/users"))[0]).toMatchObject({ field: "user_name", reason: expect.stringMatching(/NUL/) });
  });
});

describe("what silver committed, the warehouse stores", () => {
  it("mounts every table into PostgreSQL (a NUL used to block the mount of a whole table), counts equal to silver", async () => {
    const client = await connect(stack.env, "warehouse");
    try {
      const results = await mountSilver(client, icebergSource(stack.env));
      for (const name of ["sparkify_songs", "sparkify_events", "sessions", "session_items", "users"]) {
        const result = results.find((r) => r.table === name)!;
        expect(result.action, name).toBe("mounted");
        expect(Number((await client.query(`select count(*) as n from silver.${name}`)).rows[0].n), name).toBe(reports[name].rows);
      }
      expect(Number((await client.query(`select count(*) as n from silver.sparkify_events where artist like '%' || chr(65533) || '%'`)).rows[0].n)).toBe(0);
    } finally {
      await client.end();
    }
  });
});

describe("warehouse limits of single values", () => {
  const col = (type: SilverColumn["type"]): SilverColumn => ({ id: 1, name: "c", type, required: false, doc: "" });
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (error instanceof FieldError) return error.reason;
      throw error;
    }
    return "accepted";
  };
  it("refuses a string over 65,535 UTF-8 bytes, counting bytes not characters", () => {
    expect(reason(() => castColumn(col("string"), "é".repeat(MAX_TEXT_BYTES / 2)))).toBe("accepted");
    expect(reason(() => castColumn(col("string"), "é".repeat(MAX_TEXT_BYTES / 2 + 1)))).toMatch(/65536 UTF-8 bytes is longer than 65535/);
  });
  it("refuses numbers and timestamps outside the target types", () => {
    expect(reason(() => castColumn(col("int"), 2147483648))).toMatch(/out of the int range/);
    expect(reason(() => castColumn(col("long"), "9223372036854775808"))).toMatch(/out of the long range/);
    expect(reason(() => castColumn(col("double"), "1e400"))).toMatch(/not a finite number/);
    expect(reason(() => castColumn(col("double"), 2.2250738585072014e-308))).toBe("accepted");
    expect(reason(() => castColumn(col("timestamp"), "0099-12-31T23:59:59"))).toMatch(/year before 0100/);
    expect(reason(() => castColumn(col("timestamp"), "9999-12-31T23:59:59.999999"))).toBe("accepted");
    expect(reason(() => castColumn(col("timestamp"), "9999-12-31T23:59:59-01:00"))).toMatch(/timestamp out of range/);
  });
});
