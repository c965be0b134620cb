import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  AlreadyExistsException,
  ConcurrentModificationException,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
  type Table,
  type TableInput,
} from "@aws-sdk/client-glue";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { CommitConflictError } from "../../scripts/iceberg/catalog.ts";
import { appendFiles, createTable } from "../../scripts/iceberg/table.ts";
import { DataFileWriter } from "../../scripts/iceberg/writer.ts";
import { readRows } from "../../scripts/iceberg/reader.ts";
import { ITEMS, itemRows } from "../iceberg/fixtures.ts";
import { startS3, type TestS3 } from "../storage/s3server.ts";
import { silverTable } from "../../scripts/silver/tables.ts";
import { LocalStorage } from "../../scripts/storage/local.ts";
import type { Storage } from "../../scripts/storage/types.ts";
import { GlueCatalog, glueColumns } from "../../scripts/prod/glue-catalog.ts";
import { readMetadataFile, stringifyMetadata } from "../../scripts/iceberg/metadata-json.ts";
import { newTableMetadata } from "../../scripts/iceberg/metadata.ts";

/** A metadata file name of version `n` (spec "Metastore Tables": `<NNNNN>-<uuid>.metadata.json`). */
const version = (n: number) => new RegExp(`/${String(n).padStart(5, "0")}-[0-9a-f-]{36}\\.metadata\\.json$`);

/**
 * The Glue catalog against the Glue API mocked at the SDK client level (aws-sdk-client-mock): every test
 * asserts the exact requests sent. Metadata files go to a local directory bucket (the Storage interface).
 */

const DB = "deftunes_silver";
const notFound = (what: string) => new EntityNotFoundException({ message: `${what} not found`, $metadata: {} });

/** Every request the mock received: [command name, input]. */
function requests(mock: ReturnType<typeof mockClient>): [string, unknown][] {
  return mock.calls().map((c) => {
    const command = c.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name, command.input];
  });
}

let dir: string;
let storage: Storage;
let glue: GlueClient;
let mock: ReturnType<typeof mockClient>;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "glue-catalog-"));
  storage = new LocalStorage(path.join(dir, "bucket"));
  glue = new GlueClient({ region: "eu-west-1" });
  mock = mockClient(glue);
});

afterEach(() => {
  mock.restore();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A small stateful Glue: tables with VersionId, UpdateTable refused unless VersionId matches (as Glue does). */
function fakeGlue(options: { databaseExists?: boolean; beforeUpdate?: (input: { Name?: string; TableInput?: TableInput }) => Promise<void> } = {}) {
  const tables = new Map<string, Table>();
  let databaseExists = options.databaseExists ?? false;
  mock.on(GetDatabaseCommand).callsFake(async (input: { Name: string }) => {
    if (!databaseExists) throw notFound(`Database ${input.Name}`);
    return { Database: { Name: input.Name } };
  });
  mock.on(CreateDatabaseCommand).callsFake(async () => {
    if (databaseExists) throw new AlreadyExistsException({ message: "exists", $metadata: {} });
    databaseExists = true;
    return {};
  });
  mock.on(GetTableCommand).callsFake(async (input: { Name: string }) => {
    const table = tables.get(input.Name);
    if (!table) throw notFound(`Table ${input.Name}`);
    return { Table: structuredClone(table) };
  });
  mock.on(CreateTableCommand).callsFake(async (input: { TableInput: TableInput }) => {
    const name = input.TableInput.Name!;
    if (tables.has(name)) throw new AlreadyExistsException({ message: `Table ${name} already exists`, $metadata: {} });
    tables.set(name, { ...input.TableInput, Name: name, DatabaseName: DB, VersionId: "1" } as Table);
    return {};
  });
  let inUpdate = false;
  mock.on(UpdateTableCommand).callsFake(async (input: { TableInput: TableInput; VersionId?: string; Name?: string }) => {
    if (options.beforeUpdate && !inUpdate) {
      inUpdate = true;
      try {
        await options.beforeUpdate(input);
      } finally {
        inUpdate = false;
      }
    }
    const name = input.TableInput.Name!;
    const table = tables.get(name);
    if (!table) throw notFound(`Table ${name}`);
    if (input.VersionId !== undefined && input.VersionId !== table.VersionId) {
      throw new ConcurrentModificationException({ message: `Update table failed due to concurrent modifications (version ${input.VersionId} is not ${table.VersionId})`, $metadata: {} });
    }
    tables.set(name, { ...input.TableInput, Name: name, DatabaseName: DB, VersionId: String(Number(table.VersionId) + 1) } as Table);
    return {};
  });
  return { tables };
}

describe("glue catalog (Glue mocked at SDK client level)", () => {
  test("creating a table creates the missing database, then registers an EXTERNAL_TABLE with table_type=ICEBERG and metadata_location", async () => {
    const { tables } = fakeGlue();
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    const songs = silverTable("songs");
    const created = await createTable(storage, catalog, songs);

    const location = created.metadataLocation;
    expect(location.startsWith(`${storage.location.replace(/\/$/, "")}/warehouse/silver/songs/metadata/`)).toBe(true);
    expect(location).toMatch(version(1));
    expect(requests(mock)).toEqual([
      ["GetTableCommand", { DatabaseName: DB, Name: "songs" }],
      ["GetDatabaseCommand", { Name: DB }],
      [
        "CreateDatabaseCommand",
        { DatabaseInput: { Name: DB, Description: "deftunes-lakehouse silver layer (Iceberg tables)", LocationUri: `${storage.location.replace(/\/$/, "")}/warehouse/silver` } },
      ],
      [
        "CreateTableCommand",
        {
          DatabaseName: DB,
          TableInput: {
            Name: "songs",
            TableType: "EXTERNAL_TABLE",
            Parameters: { table_type: "ICEBERG", metadata_location: location },
            StorageDescriptor: { Location: created.metadata.location, Columns: glueColumns(created.metadata) },
          },
        },
      ],
    ]);
    // Columns mirror the Iceberg schema with Glue types and field ids.
    const columns = tables.get("songs")!.StorageDescriptor!.Columns!;
    expect(columns.map((c) => c.Name)).toEqual(songs.columns.map((c) => c.name));
    expect(columns.find((c) => c.Name === "duration")).toMatchObject({ Type: "double", Parameters: { "iceberg.field.optional": "true" } });
    expect(columns.find((c) => c.Name === "ingest_on")).toMatchObject({ Type: "date", Parameters: { "iceberg.field.optional": "false" } });
    expect(columns.find((c) => c.Name === "processed_at")).toMatchObject({ Type: "timestamp" });

    // loadTable reads it back through Glue and the bucket.
    mock.resetHistory();
    const loaded = await catalog.loadTable("songs");
    expect(loaded?.metadataLocation).toBe(location);
    expect(loaded?.metadata["table-uuid"]).toBe(created.metadata["table-uuid"]);
    expect(requests(mock)).toEqual([["GetTableCommand", { DatabaseName: DB, Name: "songs" }]]);
  });

  test("a commit is an UpdateTable guarded by the VersionId read with metadata_location, and records previous_metadata_location", async () => {
    fakeGlue({ databaseExists: true });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    const created = await createTable(storage, catalog, silverTable("users"));
    mock.resetHistory();

    const result = await appendFiles(storage, catalog, "users", [], { summary: { "deftunes.test": "1" } });
    expect(result.attempts).toBe(1);
    const v1 = created.metadataLocation;
    const v2 = result.metadataLocation;
    expect(v2).toMatch(/\/warehouse\/silver\/users\/metadata\/00002-/);
    expect(v2).toMatch(version(2));
    const newMetadata = await readMetadataFile(storage, v2);
    expect(requests(mock)).toEqual([
      // the writer loads the table …
      ["GetTableCommand", { DatabaseName: DB, Name: "users" }],
      // … the catalog re-reads it at commit time for the current location and VersionId (the database is
      // known to exist since this catalog created the table) …
      ["GetTableCommand", { DatabaseName: DB, Name: "users" }],
      // … and swaps the pointer only at that version.
      [
        "UpdateTableCommand",
        {
          DatabaseName: DB,
          TableInput: {
            Name: "users",
            TableType: "EXTERNAL_TABLE",
            Parameters: { table_type: "ICEBERG", metadata_location: v2, previous_metadata_location: v1 },
            StorageDescriptor: { Location: newMetadata.location, Columns: glueColumns(newMetadata) },
          },
          VersionId: "1",
          SkipArchive: true,
        },
      ],
    ]);
  });

  test("a commit whose expected metadata is stale fails with CommitConflictError and sends no UpdateTable", async () => {
    fakeGlue({ databaseExists: true });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    const created = await createTable(storage, catalog, silverTable("sessions"));
    await appendFiles(storage, catalog, "sessions", []);
    mock.resetHistory();

    const v3 = "warehouse/silver/sessions/metadata/00003-6f1c1d9e-0a4b-4c11-9d55-2b7e8a0c3f41.metadata.json";
    await storage.put(v3, stringifyMetadata(created.metadata));
    const error = await catalog.commitTable("sessions", created.metadataLocation, `${storage.location.replace(/\/$/, "")}/${v3}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitConflictError);
    expect((error as CommitConflictError).expected).toBe(created.metadataLocation);
    expect((error as CommitConflictError).actual).toMatch(version(2));
    expect(requests(mock).map(([name]) => name)).toEqual(["GetTableCommand"]);
  });

  test("a concurrent commit between read and UpdateTable is refused by VersionId (ConcurrentModificationException) and the writer's retry loop succeeds", async () => {
    const other = () => new GlueCatalog(glue, storage, { database: DB });
    let interloped = 0;
    fakeGlue({
      databaseExists: true,
      // The first UpdateTable of the test writer arrives just after another writer's commit went through.
      beforeUpdate: async (input) => {
        if (interloped++ === 0) await appendFiles(storage, other(), input.TableInput!.Name!, [], { summary: { writer: "other" } });
      },
    });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    await createTable(storage, catalog, silverTable("session_items"));
    mock.resetHistory();

    const result = await appendFiles(storage, catalog, "session_items", [], { summary: { writer: "test" } });
    expect(result.attempts).toBe(2);
    expect(result.metadataLocation).toMatch(version(3));

    const updates = mock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    const [mine, theirs, retry] = updates.map((u) => ({ VersionId: u.VersionId, location: u.TableInput!.Parameters!.metadata_location!, previous: u.TableInput!.Parameters!.previous_metadata_location! }));
    expect(updates).toHaveLength(3);
    // 1. the test writer, at version 1: arrives second …
    expect(mine).toEqual({ VersionId: "1", location: expect.stringMatching(version(2)), previous: expect.stringMatching(version(1)) });
    // 2. … the other writer's commit, also read at version 1, wins (its own file of version 2)
    expect(theirs).toEqual({ VersionId: "1", location: expect.stringMatching(version(2)), previous: mine.previous });
    expect(theirs.location).not.toBe(mine.location);
    // 3. the test writer's retry on the new base, at version 2
    expect(retry).toEqual({ VersionId: "2", location: result.metadataLocation, previous: theirs.location });
    // The retry's metadata sits on top of the other writer's snapshot: nothing was lost.
    const final = await catalog.loadTable("session_items");
    const writers = final!.metadata.snapshots.map((s) => s.summary.writer);
    expect(writers).toEqual(["other", "test"]);
  });

  test("two writers creating the same table: the loser gets CommitConflictError (AlreadyExistsException) and createTable returns the winner's table", async () => {
    const { tables } = fakeGlue({ databaseExists: true });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    tables.set("songs", {
      Name: "songs",
      DatabaseName: DB,
      VersionId: "7",
      TableType: "EXTERNAL_TABLE",
      Parameters: { table_type: "ICEBERG", metadata_location: "s3://elsewhere/v1.metadata.json" },
    });
    await storage.put("warehouse/silver/songs/metadata/v1.metadata.json", stringifyMetadata(newTableMetadata(silverTable("songs"), `${storage.location}/warehouse/silver/songs`)));
    const error = await catalog.commitTable("songs", null, `${storage.location.replace(/\/$/, "")}/warehouse/silver/songs/metadata/v1.metadata.json`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommitConflictError);
    expect((error as CommitConflictError).actual).toBe("s3://elsewhere/v1.metadata.json");
    expect(requests(mock).map(([name]) => name)).toEqual(["GetDatabaseCommand", "CreateTableCommand", "GetTableCommand"]);
  });

  test("listTables pages through GetTables with NextToken and keeps Iceberg tables only", async () => {
    mock
      .on(GetTablesCommand, { DatabaseName: DB })
      .resolvesOnce({ TableList: [{ Name: "songs", Parameters: { table_type: "ICEBERG" } }, { Name: "legacy_csv", Parameters: { classification: "csv" } }], NextToken: "page-2" })
      .resolvesOnce({ TableList: [{ Name: "users", Parameters: { table_type: "iceberg" } }] });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    expect(await catalog.listTables()).toEqual(["songs", "users"]);
    expect(requests(mock)).toEqual([
      ["GetTablesCommand", { DatabaseName: DB }],
      ["GetTablesCommand", { DatabaseName: DB, NextToken: "page-2" }],
    ]);
  });

  test("a non-Iceberg table under a silver name is an error, not silently overwritten", async () => {
    mock.on(GetTableCommand).resolves({ Table: { Name: "songs", DatabaseName: DB, VersionId: "1", Parameters: { classification: "csv" } } });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    await expect(catalog.loadTable("songs")).rejects.toThrow(/not an Iceberg table/);
  });

  test("other Glue errors name the operation, the table and the cause", async () => {
    mock.on(GetTableCommand).rejects(Object.assign(new Error("User is not authorized to perform: glue:GetTable"), { name: "AccessDeniedException" }));
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    await expect(catalog.loadTable("songs")).rejects.toThrow("cannot read Glue table deftunes_silver.songs: AccessDeniedException: User is not authorized to perform: glue:GetTable");
  });
});

describe("glue catalog over S3 (Glue mocked at SDK client level; S3 is the loopback s3rver)", () => {
  let s3: TestS3;
  afterEach(async () => {
    await s3?.stop();
  });

  test("a silver table written to S3 and committed through Glue reads back through Glue with the s3:// metadata location", async () => {
    s3 = await startS3("deftunes-lakehouse");
    storage = s3.storage("lake");
    const { tables } = fakeGlue();
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    const created = await createTable(storage, catalog, ITEMS);
    expect(created.metadata.location).toBe("s3://deftunes-lakehouse/lake/warehouse/silver/session_items");

    const writer = new DataFileWriter(storage, created.metadata, { rowGroupRows: 50 });
    const rows = itemRows("2026-11-02", 120);
    await writer.writeAll(rows);
    const files = await writer.close();
    const result = await appendFiles(storage, catalog, "session_items", files);

    const glueTable = tables.get("session_items")!;
    expect(glueTable.Parameters).toEqual({
      table_type: "ICEBERG",
      metadata_location: expect.stringMatching(/^s3:\/\/deftunes-lakehouse\/lake\/warehouse\/silver\/session_items\/metadata\/00002-[0-9a-f-]{36}\.metadata\.json$/),
      previous_metadata_location: created.metadataLocation,
    });
    expect(created.metadataLocation).toMatch(/^s3:\/\/deftunes-lakehouse\/lake\/warehouse\/silver\/session_items\/metadata\/00001-[0-9a-f-]{36}\.metadata\.json$/);
    expect(glueTable.StorageDescriptor?.Location).toBe("s3://deftunes-lakehouse/lake/warehouse/silver/session_items");
    expect(result.metadataLocation).toBe(glueTable.Parameters!.metadata_location);

    const loaded = await catalog.loadTable("session_items");
    let count = 0;
    for await (const row of readRows(storage, loaded!.metadata)) {
      expect(row.session_id).toBe(rows[count].session_id);
      count++;
    }
    expect(count).toBe(120);
  });
});

describe("glue catalog after another engine's commit (Glue mocked at SDK client level)", () => {
  test("a foreign commit (64-bit ids, another branch, a schema with decimal and nested columns) is read exactly and committed on top with UpdateTable", async () => {
    const { tables } = fakeGlue({ databaseExists: true });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    const created = await createTable(storage, catalog, ITEMS);
    const writer = new DataFileWriter(storage, created.metadata);
    await writer.writeAll(itemRows("2026-11-01", 10));
    const ours = await appendFiles(storage, catalog, ITEMS.name, await writer.close());

    // Another engine (e.g. a Glue table optimizer or Spark) commits: a replace snapshot with an id above
    // 2^53 listing the same manifests, a new current schema, a branch of its own; it swaps the Glue pointer.
    const base = (await catalog.loadTable(ITEMS.name))!;
    const foreignId = 7_123_456_789_012_345_679n;
    const schema = { type: "struct", "schema-id": 1, fields: [...base.metadata.schemas[0].fields, { id: 17, name: "amount", required: false, type: "decimal(10, 2)" }, { id: 18, name: "tags", required: false, type: { type: "list", "element-id": 19, element: "string", "element-required": false } }] };
    const foreign = {
      ...base.metadata,
      "last-sequence-number": 2,
      "last-column-id": 19,
      schemas: [...base.metadata.schemas, schema],
      "current-schema-id": 1,
      "current-snapshot-id": foreignId,
      snapshots: [...base.metadata.snapshots, { "snapshot-id": foreignId, "parent-snapshot-id": ours.snapshotId, "sequence-number": 2, "timestamp-ms": Date.now(), "manifest-list": base.metadata.snapshots[0]["manifest-list"], summary: { operation: "replace" }, "schema-id": 1 }],
      refs: { main: { "snapshot-id": foreignId, type: "branch" }, audit: { "snapshot-id": ours.snapshotId, type: "branch", "max-snapshot-age-ms": 86400000 } },
      "metadata-log": [...base.metadata["metadata-log"], { "timestamp-ms": base.metadata["last-updated-ms"], "metadata-file": base.metadataLocation }],
    };
    const foreignKey = "warehouse/silver/session_items/metadata/00003-5d2c7c1e-8a43-4f59-9a7e-0f1d2c3b4a59.metadata.json";
    await storage.put(foreignKey, stringifyMetadata(foreign as never));
    const foreignLocation = `${storage.location.replace(/\/$/, "")}/${foreignKey}`;
    const glueTable = tables.get(ITEMS.name)!;
    tables.set(ITEMS.name, { ...glueTable, Parameters: { ...glueTable.Parameters, metadata_location: foreignLocation, previous_metadata_location: ours.metadataLocation }, VersionId: "9" });
    mock.resetHistory();

    const loaded = (await catalog.loadTable(ITEMS.name))!;
    expect(loaded.metadataLocation).toBe(foreignLocation);
    expect(loaded.metadata["current-snapshot-id"]).toBe(foreignId);
    const result = await appendFiles(storage, catalog, ITEMS.name, [], { summary: { writer: "silver" } });

    const [update] = mock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(update.VersionId).toBe("9");
    expect(update.TableInput!.Parameters).toEqual({ table_type: "ICEBERG", metadata_location: result.metadataLocation, previous_metadata_location: foreignLocation });
    expect(result.metadataLocation).toMatch(version(4));
    // Glue columns follow the foreign current schema, with Glue's names for the types this project never writes
    expect(update.TableInput!.StorageDescriptor!.Columns!.slice(-2)).toEqual([
      { Name: "amount", Type: "decimal(10,2)", Parameters: { "iceberg.field.id": "17", "iceberg.field.optional": "true", "iceberg.field.current": "true" } },
      { Name: "tags", Type: "array<string>", Parameters: { "iceberg.field.id": "18", "iceberg.field.optional": "true", "iceberg.field.current": "true" } },
    ]);
    const text = (await storage.get(result.metadataLocation.slice(storage.location.replace(/\/$/, "").length + 1))).toString("utf8");
    expect(text).toContain(`"parent-snapshot-id": ${foreignId}`);
    const after = (await catalog.loadTable(ITEMS.name))!.metadata;
    expect(after.snapshots.map((s) => s["snapshot-id"])).toEqual([ours.snapshotId, foreignId, result.snapshotId]);
    expect(after.refs.audit).toEqual({ "snapshot-id": ours.snapshotId, type: "branch", "max-snapshot-age-ms": 86400000 });
    expect(after["current-schema-id"]).toBe(1);
    expect(after.snapshots[2]["schema-id"]).toBe(1);
    // the rows are still there (the foreign snapshot lists the same manifests)
    let rows = 0;
    for await (const _ of readRows(storage, after)) rows++;
    expect(rows).toBe(10);
  });
});

describe("glue catalog on a table another engine registered (Glue mocked at SDK client level)", () => {
  test("the spec's example table at its own location: loaded with exact ids, committed on top under that location", async () => {
    const { tables } = fakeGlue({ databaseExists: true });
    const catalog = new GlueCatalog(glue, storage, { database: DB });
    const root = storage.location.replace(/\/$/, "");
    const location = `${root}/external/people`;
    await storage.put("external/people/metadata/snap-2.avro", fs.readFileSync("test/iceberg/reference/manifest-list-v2-2.avro"));
    const text = fs
      .readFileSync("test/iceberg/reference/example_table_metadata_v2.json", "utf8")
      .replaceAll("{{ table_location }}", location)
      .replaceAll("{{ manifest_list_1_location }}", `${location}/metadata/snap-1.avro`)
      .replaceAll("{{ manifest_list_2_location }}", `${location}/metadata/snap-2.avro`)
      .replaceAll("{{ table_metadata_1_location }}", `${location}/metadata/00000-1c7bd5a1-0f6e-4a0d-8c3b-7b3c1f0e9a11.metadata.json`);
    const foreignKey = "external/people/metadata/00001-2f9a3c4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b.metadata.json";
    await storage.put(foreignKey, text);
    tables.set("people", { Name: "people", DatabaseName: DB, VersionId: "4", TableType: "EXTERNAL_TABLE", Parameters: { table_type: "ICEBERG", metadata_location: `${root}/${foreignKey}`, owner: "spark" } });

    const loaded = (await catalog.loadTable("people"))!;
    expect(loaded.metadata["current-snapshot-id"]).toBe(3055729675574597004n);
    const result = await appendFiles(storage, catalog, "people", []);
    expect(result.metadataLocation).toMatch(new RegExp(`^${location}/metadata/00002-[0-9a-f-]{36}\\.metadata\\.json$`));
    const [update] = mock.commandCalls(UpdateTableCommand).map((c) => c.args[0].input);
    expect(update).toMatchObject({ VersionId: "4", TableInput: { Parameters: { table_type: "ICEBERG", owner: "spark", metadata_location: result.metadataLocation, previous_metadata_location: `${root}/${foreignKey}` } } });
    const after = (await catalog.loadTable("people"))!.metadata;
    expect(after.snapshots.map((s) => s["snapshot-id"])).toEqual([3051729675574597004n, 3055729675574597004n, result.snapshotId]);
    expect(after.refs.test).toEqual({ "snapshot-id": 3051729675574597004n, type: "tag", "max-ref-age-ms": 10000000 });
    expect(after.snapshots[2]["manifest-list"].startsWith(`${location}/metadata/snap-`)).toBe(true);
    expect(await storage.list("warehouse/")).toEqual([]);
  });
});
