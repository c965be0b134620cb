/**
 * `lakehouse mount` (real embedded PostgreSQL, real Iceberg files) after other engines committed to a silver
 * table: a compaction (replace snapshot with a 64-bit id) and a position delete. The mount loads exactly
 * the rows the snapshot holds after its deletes, and reloads the whole table when deletes are involved
 * (which partitions a delete touched is not tracked).
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFiles, createTable, DataFileWriter, DirectoryCatalog, snapshotFiles, type Row } from "../../scripts/iceberg/index.ts";
import { icebergSource } from "../../scripts/mount/iceberg-source.ts";
import { mountSilver } from "../../scripts/mount/mount.ts";
import { SILVER_ROOT } from "../../scripts/silver/catalog.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { connect } from "../../scripts/stack/db.ts";
import { openStorage } from "../../scripts/storage/index.ts";
import { parseDate } from "../../scripts/iceberg/values.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { foreignCommit, foreignEntry as entry, positionDeleteFile } from "./foreign.ts";

let stack: TestStack;
let client: pg.Client;
const schema = "silver_foreign";
const USERS = silverTable("users");

beforeAll(async () => {
  stack = await testEnvironment({ postgres: true });
  client = await connect(stack.env, "warehouse");
}, 120_000);

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await stack?.stop();
});

const users = (day: string, n: number, tag: string): Row[] =>
  Array.from({ length: n }, (_, i) => ({
    user_id: `${tag}-${i}`,
    user_name: i % 3 === 0 ? null : `name ${i}`,
    user_lastname: "Lee",
    user_latitude: i % 4 === 0 ? -0 : 48.85 + i,
    user_longitude: 2.35,
    user_place: "Paris",
    user_country_code: "FR",
    user_timezone: "Europe/Paris",
    user_since: 1541030400000000n + BigInt(i),
    ingest_on: parseDate(day),
    source_file: `landing/api/users/ingest_on=${day}/part-00000.json`,
    processed_at: 1541116800000000n,
  }));

describe("mount after another engine's commits (embedded PostgreSQL)", () => {
  it("mounts the rows of a compacted table minus a foreign position delete, then a later append", async () => {
    const storage = openStorage(stack.env);
    const catalog = new DirectoryCatalog(storage, SILVER_ROOT);
    const { metadata } = await createTable(storage, catalog, USERS);
    const write = async (rows: Row[]) => {
      const writer = new DataFileWriter(storage, (await catalog.loadTable(USERS.name))!.metadata);
      await writer.writeAll(rows);
      return writer.close();
    };
    const a = users("2018-11-01", 6, "a");
    const b = users("2018-11-01", 4, "b");
    const c = users("2018-11-02", 5, "c");
    await appendFiles(storage, catalog, USERS.name, await write(a));
    await appendFiles(storage, catalog, USERS.name, await write([...b, ...c]));
    expect(metadata.location).toContain(SILVER_ROOT);
    const mounted = async () => (await client.query(`select user_id from ${schema}.users order by user_id`)).rows.map((r) => r.user_id as string);
    const first = await mountSilver(client, icebergSource(stack.env), { tables: [USERS.name], schema });
    expect(first[0]).toMatchObject({ action: "mounted", rows: 15 });

    // compaction of 2018-11-01 by another engine, then its DELETE of two rows
    const live = await snapshotFiles(storage, (await catalog.loadTable(USERS.name))!.metadata);
    const [merged] = await write([...a, ...b]);
    const compaction = await foreignCommit(storage, catalog, USERS.name, "replace", (_p, id, seq) => ({
      keep: [],
      manifests: [{ content: "data", entries: [...live.filter((f) => f.partition === "2018-11-01").map((f) => entry(2, f, id, seq)), entry(1, merged, id, seq), ...live.filter((f) => f.partition === "2018-11-02").map((f) => entry(0, f, id, seq))] }],
    }));
    const del = await positionDeleteFile(storage, `${SILVER_ROOT}/users/data/ingest_on=2018-11-01/foreign-deletes.parquet`, [{ path: merged.file_path, pos: 1 }, { path: merged.file_path, pos: 7 }], { ingest_on: parseDate("2018-11-01") });
    const deletion = await foreignCommit(storage, catalog, USERS.name, "delete", (parents, id, seq) => ({ keep: parents, manifests: [{ content: "deletes", entries: [entry(1, del, id, seq)] }] }));
    expect(deletion.snapshotId).not.toBe(compaction.snapshotId);

    const second = await mountSilver(client, icebergSource(stack.env), { tables: [USERS.name], schema });
    expect(second[0]).toMatchObject({ action: "mounted", rows: 13, snapshotId: String(deletion.snapshotId) });
    expect(second[0].method).not.toBe("partitions");
    const expected = [...a, ...b, ...c].map((r) => r.user_id as string).filter((id) => id !== "a-1" && id !== "b-1").sort();
    expect(await mounted()).toEqual(expected);

    // this project's next commit on top: the delete still applies, the new rows come in
    const d = users("2018-11-03", 2, "d");
    await appendFiles(storage, catalog, USERS.name, await write(d));
    const third = await mountSilver(client, icebergSource(stack.env), { tables: [USERS.name], schema });
    expect(third[0]).toMatchObject({ action: "mounted", rows: 15 });
    expect(await mounted()).toEqual([...expected, "d-0", "d-1"].sort());
    const zeros = await client.query(`select count(*)::int as n from ${schema}.users where user_latitude = 0`);
    expect(zeros.rows[0].n).toBe(6); // the -0.0 latitudes: a-0, a-4, b-0, c-0, c-4, d-0
  }, 120_000);
});
