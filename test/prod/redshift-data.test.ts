import {
  ActiveStatementsExceededException,
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  ValidationException,
} from "@aws-sdk/client-redshift-data";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import {
  dataApiTarget,
  externalSchemaSql,
  goldRowCounts,
  postRunChecks,
  RedshiftData,
  RedshiftStatementError,
  setupExternalSchema,
  sqlStateOf,
} from "../../scripts/prod/redshift-data.ts";
import { SILVER_TABLES } from "../../scripts/silver/tables.ts";

/** The Redshift Data API client against the API mocked at the SDK client level (aws-sdk-client-mock). */

const TARGET = { Database: "deftunes", WorkgroupName: "deftunes-wh", SecretArn: "deftunes/redshift/dataform" };

function requests(mock: ReturnType<typeof mockClient>): [string, unknown][] {
  return mock.calls().map((c) => {
    const command = c.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name, command.input];
  });
}

let env: Environment;
let sdk: RedshiftDataClient;
let mock: ReturnType<typeof mockClient>;
let sleeps: number[];
let clock: number;

function client(options: { timeoutMs?: number } = {}): RedshiftData {
  return new RedshiftData(sdk, dataApiTarget(env), {
    pollIntervalMs: 100,
    maxPollIntervalMs: 400,
    timeoutMs: options.timeoutMs ?? 60_000,
    // Virtual time: waits are recorded, not slept.
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
  });
}

beforeEach(() => {
  env = loadEnvironment("prod");
  sdk = new RedshiftDataClient({ region: "eu-west-1" });
  mock = mockClient(sdk);
  sleeps = [];
  clock = 0;
});

afterEach(() => mock.restore());

describe("redshift data api client (Redshift Data API mocked at SDK client level)", () => {
  test("the target comes from prod.yaml: workgroup + database + secret; a cluster without a secret signs in as the db user", () => {
    expect(dataApiTarget(env)).toEqual({ database: "deftunes", workgroupName: "deftunes-wh", secretArn: "deftunes/redshift/dataform" });
    const cluster = { ...env, warehouse: { ...env.warehouse, workgroup: undefined, secret_name: undefined, cluster_identifier: "deftunes-cluster" } };
    expect(dataApiTarget(cluster)).toEqual({ database: "deftunes", clusterIdentifier: "deftunes-cluster", dbUser: "dataform" });
    expect(() => dataApiTarget({ ...env, warehouse: { ...env.warehouse, workgroup: undefined } })).toThrow(/workgroup nor warehouse.cluster_identifier/);
  });

  test("execute: ExecuteStatement, then DescribeStatement polled with growing waits until FINISHED", async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: "st-1" });
    mock
      .on(DescribeStatementCommand, { Id: "st-1" })
      .resolvesOnce({ Id: "st-1", Status: "SUBMITTED" })
      .resolvesOnce({ Id: "st-1", Status: "PICKED" })
      .resolvesOnce({ Id: "st-1", Status: "STARTED" })
      .resolvesOnce({ Id: "st-1", Status: "STARTED" })
      .resolvesOnce({ Id: "st-1", Status: "FINISHED", HasResultSet: false, ResultRows: 3, Duration: 1234 });
    const outcome = await client().execute("delete from gold.x where false", { name: "cleanup" });
    expect(outcome).toEqual({ id: "st-1", status: "FINISHED", hasResultSet: false, resultRows: 3, durationNs: 1234 });
    expect(requests(mock)).toEqual([
      ["ExecuteStatementCommand", { Sql: "delete from gold.x where false", ...TARGET, StatementName: "cleanup" }],
      ["DescribeStatementCommand", { Id: "st-1" }],
      ["DescribeStatementCommand", { Id: "st-1" }],
      ["DescribeStatementCommand", { Id: "st-1" }],
      ["DescribeStatementCommand", { Id: "st-1" }],
      ["DescribeStatementCommand", { Id: "st-1" }],
    ]);
    // Backoff: ×1.5 from the first interval, capped.
    expect(sleeps).toEqual([100, 150, 225, 338]);
  });

  test("a FAILED statement throws an error naming the statement id, the SQL state and Redshift's message", async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: "st-bad" });
    mock.on(DescribeStatementCommand).resolves({
      Id: "st-bad",
      Status: "FAILED",
      Error: 'ERROR: relation "gold.nope" does not exist [SQL State=42P01]',
      QueryString: "select count(*) from gold.nope",
    });
    const error = (await client()
      .execute("select count(*) from gold.nope")
      .catch((e: unknown) => e)) as RedshiftStatementError;
    expect(error).toBeInstanceOf(RedshiftStatementError);
    expect(error.statementId).toBe("st-bad");
    expect(error.status).toBe("FAILED");
    expect(error.sqlState).toBe("42P01");
    expect(error.message).toBe('statement st-bad FAILED (SQL state 42P01): ERROR: relation "gold.nope" does not exist [SQL State=42P01] [sql: select count(*) from gold.nope]');
    expect(error.oneLine()).toMatch(/^redshift: statement st-bad FAILED/);
    expect(requests(mock)).toEqual([
      ["ExecuteStatementCommand", { Sql: "select count(*) from gold.nope", ...TARGET }],
      ["DescribeStatementCommand", { Id: "st-bad" }],
    ]);
  });

  test("a FAILED statement without a SQL state still names id and message", async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: "st-2" });
    mock.on(DescribeStatementCommand).resolves({ Id: "st-2", Status: "FAILED", Error: "ERROR: division by zero" });
    await expect(client().execute("select 1/0")).rejects.toThrow("statement st-2 FAILED: ERROR: division by zero [sql: select 1/0]");
  });

  test("a statement still running at the timeout is cancelled and the error names it", async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: "st-slow" });
    mock.on(DescribeStatementCommand).resolves({ Id: "st-slow", Status: "STARTED" });
    mock.on(CancelStatementCommand).resolves({ Status: true });
    const error = (await client({ timeoutMs: 1000 })
      .execute("select pg_sleep(100)")
      .catch((e: unknown) => e)) as RedshiftStatementError;
    expect(error.message).toBe("statement st-slow did not finish within 1 s (last status STARTED); cancelled [sql: select pg_sleep(100)]");
    expect(error.statementId).toBe("st-slow");
    // Waits never overshoot the deadline.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(requests(mock).at(-1)).toEqual(["CancelStatementCommand", { Id: "st-slow" }]);
  });

  test("too many active statements: the submission is retried, other refusals are errors naming the cause", async () => {
    mock
      .on(ExecuteStatementCommand)
      .rejectsOnce(new ActiveStatementsExceededException({ message: "Active statements exceeded the allowed quota (500).", $metadata: {} }))
      .resolvesOnce({ Id: "st-3" });
    mock.on(DescribeStatementCommand).resolves({ Id: "st-3", Status: "FINISHED" });
    expect((await client().execute("select 1")).id).toBe("st-3");
    expect(mock.commandCalls(ExecuteStatementCommand)).toHaveLength(2);

    mock.reset();
    mock.on(ExecuteStatementCommand).rejects(new ValidationException({ message: "Workgroup deftunes-wh not found", $metadata: {} }));
    await expect(client().execute("select 1")).rejects.toThrow('the Data API refused statement "select 1": ValidationException: Workgroup deftunes-wh not found');
  });

  test("query: GetStatementResult is paginated with NextToken and rows come back keyed by column", async () => {
    mock.on(ExecuteStatementCommand).resolves({ Id: "st-q" });
    mock.on(DescribeStatementCommand).resolves({ Id: "st-q", Status: "FINISHED", HasResultSet: true, ResultRows: 3 });
    mock
      .on(GetStatementResultCommand)
      .resolvesOnce({
        ColumnMetadata: [{ name: "name" }, { name: "n" }, { name: "note" }],
        Records: [
          [{ stringValue: "a" }, { longValue: 1 }, { isNull: true }],
          [{ stringValue: "b" }, { longValue: 2 }, { booleanValue: true }],
        ],
        NextToken: "tok-2",
      })
      .resolvesOnce({ Records: [[{ stringValue: "c" }, { doubleValue: 2.5 }, { stringValue: "x" }]] });
    const result = await client().query("select name, n, note from t where k = :k", { parameters: { k: "v" } });
    expect(result.rows).toEqual([
      { name: "a", n: 1, note: null },
      { name: "b", n: 2, note: true },
      { name: "c", n: 2.5, note: "x" },
    ]);
    expect(requests(mock)).toEqual([
      ["ExecuteStatementCommand", { Sql: "select name, n, note from t where k = :k", ...TARGET, Parameters: [{ name: "k", value: "v" }] }],
      ["DescribeStatementCommand", { Id: "st-q" }],
      ["GetStatementResultCommand", { Id: "st-q" }],
      ["GetStatementResultCommand", { Id: "st-q", NextToken: "tok-2" }],
    ]);
  });

  test("batch: BatchExecuteStatement; a failing sub-statement is named by its own id", async () => {
    mock.on(BatchExecuteStatementCommand).resolves({ Id: "b-1" });
    mock.on(DescribeStatementCommand).resolves({
      Id: "b-1",
      Status: "FAILED",
      Error: "ERROR: syntax error at or near \"selec\"",
      SubStatements: [
        { Id: "b-1:1", Status: "FINISHED", QueryString: "create schema if not exists gold" },
        { Id: "b-1:2", Status: "FAILED", Error: 'ERROR: syntax error at or near "selec" SQLSTATE 42601', QueryString: "selec 1" },
      ],
    });
    const error = (await client()
      .batch(["create schema if not exists gold", "selec 1"])
      .catch((e: unknown) => e)) as RedshiftStatementError;
    expect(error.statementId).toBe("b-1:2");
    expect(error.sqlState).toBe("42601");
    expect(error.message).toBe('statement b-1:2 FAILED (SQL state 42601): ERROR: syntax error at or near "selec" SQLSTATE 42601 [sql: selec 1]');
    expect(requests(mock)).toEqual([
      ["BatchExecuteStatementCommand", { Sqls: ["create schema if not exists gold", "selec 1"], ...TARGET }],
      ["DescribeStatementCommand", { Id: "b-1" }],
    ]);
  });

  test("status: gold row counts as { schema.table: { rows } } from svv_tables and one union-all count", async () => {
    mock.on(ExecuteStatementCommand).resolvesOnce({ Id: "list" }).resolvesOnce({ Id: "count" });
    mock.on(DescribeStatementCommand).resolves({ Status: "FINISHED", HasResultSet: true });
    mock
      .on(GetStatementResultCommand, { Id: "list" })
      .resolves({
        ColumnMetadata: [{ name: "table_schema" }, { name: "table_name" }],
        Records: [
          [{ stringValue: "gold" }, { stringValue: "dim_songs" }],
          [{ stringValue: "sparkify" }, { stringValue: "songplays" }],
        ],
      })
      .on(GetStatementResultCommand, { Id: "count" })
      .resolves({
        ColumnMetadata: [{ name: "name" }, { name: "row_count" }],
        Records: [
          [{ stringValue: "gold.dim_songs" }, { longValue: 71 }],
          [{ stringValue: "sparkify.songplays" }, { longValue: 6820 }],
        ],
      });
    expect(await goldRowCounts(client())).toEqual({ "gold.dim_songs": { rows: 71 }, "sparkify.songplays": { rows: 6820 } });
    const sqls = mock.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input.Sql);
    expect(sqls).toEqual([
      "select table_schema, table_name from svv_tables where table_schema in ('gold', 'sparkify') and table_type in ('BASE TABLE', 'VIEW') order by table_schema, table_name",
      `select 'gold.dim_songs' as name, count(*) as row_count from "gold"."dim_songs"\nunion all\nselect 'sparkify.songplays' as name, count(*) as row_count from "sparkify"."songplays"`,
    ]);
  });

  test("setup: the external schema over the Glue database, then what Redshift sees through it", async () => {
    mock.on(ExecuteStatementCommand).resolvesOnce({ Id: "ddl" }).resolvesOnce({ Id: "seen" });
    mock.on(DescribeStatementCommand, { Id: "ddl" }).resolves({ Status: "FINISHED", HasResultSet: false });
    mock.on(DescribeStatementCommand, { Id: "seen" }).resolves({ Status: "FINISHED", HasResultSet: true });
    mock.on(GetStatementResultCommand).resolves({ ColumnMetadata: [{ name: "tablename" }], Records: [[{ stringValue: "songs" }], [{ stringValue: "users" }]] });
    const result = await setupExternalSchema(client(), env);
    expect(externalSchemaSql(env)).toBe(`create external schema if not exists "silver" from data catalog database 'deftunes_silver' iam_role 'arn:aws:iam::123456789012:role/deftunes-spectrum'`);
    expect(result).toEqual({
      schema: "silver",
      glueDatabase: "deftunes_silver",
      externalTables: ["songs", "users"],
      missing: SILVER_TABLES.map((t) => t.name).filter((t) => t !== "songs" && t !== "users"),
    });
    expect(mock.commandCalls(ExecuteStatementCommand).map((c) => c.args[0].input)).toEqual([
      { Sql: externalSchemaSql(env), ...TARGET, StatementName: "lakehouse-setup-external-schema" },
      { Sql: "select tablename from svv_external_tables where schemaname = :schema order by tablename", ...TARGET, Parameters: [{ name: "schema", value: "silver" }] },
    ]);
  });

  test("post-run checks: a missing model and an empty table fail, silver visibility is reported", async () => {
    const ids = ["list", "count", "ext"];
    mock.on(ExecuteStatementCommand).callsFake(async () => ({ Id: ids.shift() }));
    mock.on(DescribeStatementCommand).resolves({ Status: "FINISHED", HasResultSet: true });
    mock
      .on(GetStatementResultCommand, { Id: "list" })
      .resolves({ ColumnMetadata: [{ name: "table_schema" }, { name: "table_name" }], Records: [[{ stringValue: "gold" }, { stringValue: "dim_songs" }], [{ stringValue: "gold" }, { stringValue: "fct_songplays" }]] })
      .on(GetStatementResultCommand, { Id: "count" })
      .resolves({ ColumnMetadata: [{ name: "name" }, { name: "row_count" }], Records: [[{ stringValue: "gold.dim_songs" }, { longValue: 10 }], [{ stringValue: "gold.fct_songplays" }, { longValue: 0 }]] })
      .on(GetStatementResultCommand, { Id: "ext" })
      .resolves({ ColumnMetadata: [{ name: "tablename" }], Records: SILVER_TABLES.map((t) => [{ stringValue: t.name }]) });
    const checks = await postRunChecks(client(), env, [
      { target: "gold.dim_songs", kind: "table" },
      { target: "gold.fct_songplays", kind: "incremental" },
      { target: "gold.dim_users", kind: "table" },
    ]);
    expect(checks).toEqual([
      { name: "gold.dim_songs exists", ok: true, detail: "10 rows" },
      { name: "gold.fct_songplays has rows", ok: false, detail: "incremental gold.fct_songplays is empty" },
      { name: "gold.dim_users exists", ok: false, detail: "table gold.dim_users is not in the warehouse after the run" },
      { name: "silver visible through external schema silver", ok: true, detail: `${SILVER_TABLES.length} external tables` },
    ]);
  });

  test("SQL states are read from the forms Redshift messages use", () => {
    expect(sqlStateOf("ERROR: x [SQL State=42601]")).toBe("42601");
    expect(sqlStateOf("ERROR: x SQLSTATE 22012")).toBe("22012");
    expect(sqlStateOf("ERROR: x; sqlstate: XX000")).toBe("XX000");
    expect(sqlStateOf("ERROR: no state here")).toBeUndefined();
  });
});
