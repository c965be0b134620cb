import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type ColumnMetadata,
  type DescribeStatementCommandOutput,
  type Field,
  type SqlParameter,
} from "@aws-sdk/client-redshift-data";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { SILVER_TABLES } from "../silver/tables.ts";
import { silverSchema } from "./config.ts";

/**
 * A small client for the Redshift Data API: submit a statement (or a batch run as one transaction), poll
 * DescribeStatement with backoff until it finishes or a timeout (then cancel it), and read the result page by
 * page (GetStatementResult with NextToken). Errors name the statement id, the SQL state when Redshift gives one,
 * and Redshift's message. Used for `lakehouse status --env prod`, the external-schema setup and post-run checks;
 * Dataform's own Redshift adapter runs the models.
 */

/** Where statements go: a Serverless workgroup or a provisioned cluster, a database, and how to sign in. */
export interface DataApiTarget {
  database: string;
  workgroupName?: string;
  clusterIdentifier?: string;
  /** Secrets Manager secret (name or ARN) holding the database credentials. */
  secretArn?: string;
  /** Temporary credentials for this database user (provisioned clusters only). */
  dbUser?: string;
}

/** The Data API target of an environment: workgroup or cluster from prod.yaml; the secret if named, else the user. */
export function dataApiTarget(env: Environment): DataApiTarget {
  const { workgroup, cluster_identifier: cluster, secret_name: secret, database, user } = env.warehouse;
  if (!workgroup && !cluster) {
    throw new LakehouseError("redshift", "neither warehouse.workgroup nor warehouse.cluster_identifier is set: the Data API needs one", { file: env.file, field: "warehouse.workgroup" });
  }
  if (workgroup && cluster) {
    throw new LakehouseError("redshift", "both warehouse.workgroup and warehouse.cluster_identifier are set: keep one", { file: env.file, field: "warehouse.cluster_identifier" });
  }
  const target: DataApiTarget = { database };
  if (workgroup) target.workgroupName = workgroup;
  else target.clusterIdentifier = cluster;
  if (secret) target.secretArn = secret;
  // Serverless signs in as the caller's IAM identity when no secret is given; clusters need a database user.
  else if (cluster) target.dbUser = user;
  return target;
}

function targetParams(target: DataApiTarget) {
  return {
    Database: target.database,
    ...(target.workgroupName ? { WorkgroupName: target.workgroupName } : {}),
    ...(target.clusterIdentifier ? { ClusterIdentifier: target.clusterIdentifier } : {}),
    ...(target.secretArn ? { SecretArn: target.secretArn } : {}),
    ...(target.dbUser ? { DbUser: target.dbUser } : {}),
  };
}

/** A statement that failed, was aborted or timed out; or a request the Data API refused. */
export class RedshiftStatementError extends LakehouseError {
  constructor(
    message: string,
    readonly statementId: string | undefined,
    readonly status: string | undefined,
    readonly sqlState: string | undefined,
    readonly redshiftMessage: string | undefined,
    options?: { cause?: unknown; hint?: string; sql?: string },
  ) {
    super("redshift", message, {}, options?.hint, { cause: options?.cause });
    this.name = "RedshiftStatementError";
  }
}

/** The SQL state in a Redshift error message, where it gives one ("SQLSTATE 42P01", "[SQL State=42601]", "sqlstate: 22012"). */
export function sqlStateOf(message: string | undefined): string | undefined {
  return message ? /\bsql\s*state\s*[=:]?\s*\[?\s*([0-9A-Z]{5})\b/i.exec(message)?.[1] : undefined;
}

function firstLine(sql: string): string {
  const line = sql.trim().split("\n")[0];
  return line.length > 100 ? `${line.slice(0, 100)}…` : line;
}

/** A finished statement. */
export interface StatementOutcome {
  id: string;
  status: "FINISHED";
  hasResultSet: boolean;
  /** Rows returned (queries) or affected (DML); -1 when Redshift does not say. */
  resultRows: number;
  /** Nanoseconds, as the Data API reports. */
  durationNs?: number;
  /** Sub-statements of a batch: ids `<id>:1`, `<id>:2`, … */
  subStatements?: { id: string; hasResultSet: boolean; resultRows: number }[];
}

export type Value = string | number | boolean | null | Uint8Array;

export interface QueryResult {
  id: string;
  columns: { name: string; typeName?: string }[];
  rows: Record<string, Value>[];
}

export interface ClientOptions {
  /** First delay between DescribeStatement polls (ms). */
  pollIntervalMs?: number;
  /** Longest delay between polls (ms); each wait is 1.5× the last. */
  maxPollIntervalMs?: number;
  /** Give up (and cancel the statement) after this long (ms). */
  timeoutMs?: number;
  /** How many times to resubmit when Redshift has too many active statements. */
  submitRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const TERMINAL = new Set(["FINISHED", "FAILED", "ABORTED"]);

function fieldValue(field: Field): Value {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return field.blobValue;
  return null;
}

/** Quotes an identifier for Redshift. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a string literal for Redshift. */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

export class RedshiftData {
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly submitRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    readonly client: RedshiftDataClient,
    readonly target: DataApiTarget,
    options: ClientOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.maxPollIntervalMs = options.maxPollIntervalMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 15 * 60_000;
    this.submitRetries = options.submitRetries ?? 5;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /** A client for an environment (region from warehouse.region, credentials from the default chain). */
  static forEnvironment(env: Environment, options: ClientOptions = {}): RedshiftData {
    return new RedshiftData(new RedshiftDataClient({ region: env.warehouse.region }), dataApiTarget(env), options);
  }

  /** Submits with a few retries while Redshift has too many active statements; other refusals are errors. */
  private async submit(send: () => Promise<{ Id?: string }>, what: string): Promise<string> {
    let delay = this.pollIntervalMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const out = await send();
        if (!out.Id) throw new RedshiftStatementError(`the Data API returned no statement id for ${what}`, undefined, undefined, undefined, undefined);
        return out.Id;
      } catch (error) {
        if (error instanceof RedshiftStatementError) throw error;
        const name = (error as Error).name;
        if ((name === "ActiveStatementsExceededException" || name === "ActiveSessionsExceededException") && attempt < this.submitRetries) {
          await this.sleep(delay);
          delay = Math.min(delay * 2, this.maxPollIntervalMs);
          continue;
        }
        const message = (error as Error).message;
        throw new RedshiftStatementError(`the Data API refused ${what}: ${name}: ${message}`, undefined, undefined, sqlStateOf(message), message, {
          cause: error,
          hint: name === "ValidationException" ? "check warehouse.workgroup / cluster_identifier / database / secret_name in environments/prod.yaml" : undefined,
        });
      }
    }
  }

  /** Polls DescribeStatement until the statement finishes; throws on FAILED / ABORTED / timeout (after cancelling). */
  async wait(id: string, sql?: string): Promise<StatementOutcome> {
    const started = this.now();
    let delay = this.pollIntervalMs;
    for (;;) {
      const d: DescribeStatementCommandOutput = await this.client.send(new DescribeStatementCommand({ Id: id }));
      const status = d.Status ?? "SUBMITTED";
      if (TERMINAL.has(status)) {
        if (status === "FINISHED") {
          return {
            id,
            status: "FINISHED",
            hasResultSet: Boolean(d.HasResultSet),
            resultRows: d.ResultRows ?? -1,
            durationNs: d.Duration,
            ...(d.SubStatements ? { subStatements: d.SubStatements.map((s) => ({ id: s.Id ?? "", hasResultSet: Boolean(s.HasResultSet), resultRows: s.ResultRows ?? -1 })) } : {}),
          };
        }
        // In a batch, the failing sub-statement carries the error and its own text.
        const failedSub = d.SubStatements?.find((s) => s.Status === "FAILED" || s.Error);
        const message = failedSub?.Error ?? d.Error ?? (status === "ABORTED" ? "the statement was aborted (cancelled)" : "no error message given");
        const failedId = failedSub?.Id ?? id;
        const query = failedSub?.QueryString ?? d.QueryString ?? sql;
        const state = sqlStateOf(message);
        throw new RedshiftStatementError(
          `statement ${failedId} ${status}${state ? ` (SQL state ${state})` : ""}: ${message.trim()}${query ? ` [sql: ${firstLine(query)}]` : ""}`,
          failedId,
          status,
          state,
          message,
        );
      }
      const elapsed = this.now() - started;
      if (elapsed >= this.timeoutMs) {
        await this.client.send(new CancelStatementCommand({ Id: id })).catch(() => undefined);
        throw new RedshiftStatementError(
          `statement ${id} did not finish within ${Math.round(this.timeoutMs / 1000)} s (last status ${status}); cancelled${sql ? ` [sql: ${firstLine(sql)}]` : ""}`,
          id,
          "TIMEOUT",
          undefined,
          undefined,
        );
      }
      await this.sleep(Math.min(delay, Math.max(0, this.timeoutMs - elapsed)));
      delay = Math.min(Math.ceil(delay * 1.5), this.maxPollIntervalMs);
    }
  }

  /** Runs one statement and waits for it. Named parameters (`:name`) go as Data API parameters. */
  async execute(sql: string, options: { parameters?: Record<string, string>; name?: string } = {}): Promise<StatementOutcome> {
    const parameters: SqlParameter[] | undefined = options.parameters ? Object.entries(options.parameters).map(([name, value]) => ({ name, value })) : undefined;
    const id = await this.submit(
      () => this.client.send(new ExecuteStatementCommand({ Sql: sql, ...targetParams(this.target), ...(parameters ? { Parameters: parameters } : {}), ...(options.name ? { StatementName: options.name } : {}) })),
      `statement "${firstLine(sql)}"`,
    );
    return this.wait(id, sql);
  }

  /** Runs statements as one transaction (BatchExecuteStatement) and waits for all of them. */
  async batch(sqls: string[], options: { name?: string } = {}): Promise<StatementOutcome> {
    if (sqls.length === 0) throw new LakehouseError("redshift", "an empty batch");
    const id = await this.submit(
      () => this.client.send(new BatchExecuteStatementCommand({ Sqls: sqls, ...targetParams(this.target), ...(options.name ? { StatementName: options.name } : {}) })),
      `a batch of ${sqls.length} statements`,
    );
    return this.wait(id, sqls.join("; "));
  }

  /** Result pages of a finished statement, following NextToken; rows as objects keyed by column name. */
  async *resultPages(id: string): AsyncGenerator<{ columns: ColumnMetadata[]; rows: Record<string, Value>[] }> {
    let token: string | undefined;
    let columns: ColumnMetadata[] = [];
    do {
      let page;
      try {
        page = await this.client.send(new GetStatementResultCommand({ Id: id, ...(token ? { NextToken: token } : {}) }));
      } catch (error) {
        throw new RedshiftStatementError(`cannot read the result of statement ${id}: ${(error as Error).name}: ${(error as Error).message}`, id, "FINISHED", undefined, (error as Error).message, { cause: error });
      }
      // Column metadata comes with the first page.
      if (page.ColumnMetadata?.length) columns = page.ColumnMetadata;
      const names = columns.map((c, i) => c.name ?? c.label ?? `column_${i + 1}`);
      const rows = (page.Records ?? []).map((record) => Object.fromEntries(record.map((field, i) => [names[i] ?? `column_${i + 1}`, fieldValue(field)])));
      yield { columns, rows };
      token = page.NextToken || undefined;
    } while (token);
  }

  /** Runs a query and returns every row (for small results: status, checks). */
  async query(sql: string, options: { parameters?: Record<string, string> } = {}): Promise<QueryResult> {
    const outcome = await this.execute(sql, options);
    const rows: Record<string, Value>[] = [];
    let columns: ColumnMetadata[] = [];
    if (outcome.hasResultSet) {
      for await (const page of this.resultPages(outcome.id)) {
        columns = page.columns;
        rows.push(...page.rows);
      }
    }
    return { id: outcome.id, columns: columns.map((c) => ({ name: c.name ?? "", typeName: c.typeName })), rows };
  }
}

// ---------------------------------------------------------------------------------------------------------
// What the CLI calls

/** Schemas whose tables `status.gold` reports (as scripts/gold/status.ts does locally). */
export const GOLD_SCHEMAS = ["gold", "sparkify"];

/**
 * `status.gold` for prod: `{ "schema.table": { rows } }` for every table and view in the gold schemas. Two
 * statements: the list from svv_tables, then one `union all` of exact counts.
 */
export async function goldRowCounts(data: RedshiftData, schemas: string[] = GOLD_SCHEMAS): Promise<Record<string, { rows: number }>> {
  const listed = await data.query(
    `select table_schema, table_name from svv_tables where table_schema in (${schemas.map(literal).join(", ")}) and table_type in ('BASE TABLE', 'VIEW') order by table_schema, table_name`,
  );
  const tables = listed.rows.map((r) => ({ schema: String(r.table_schema), name: String(r.table_name) }));
  const out: Record<string, { rows: number }> = {};
  if (tables.length === 0) return out;
  const sql = tables.map((t) => `select ${literal(`${t.schema}.${t.name}`)} as name, count(*) as row_count from ${ident(t.schema)}.${ident(t.name)}`).join("\nunion all\n");
  const counted = await data.query(sql);
  for (const row of counted.rows) out[String(row.name)] = { rows: Number(row.row_count) };
  // Keep svv_tables' order.
  return Object.fromEntries(tables.map((t) => `${t.schema}.${t.name}`).filter((k) => k in out).map((k) => [k, out[k]]));
}

/** The external schema over the Glue database (the same statement as the Dataform setup operation). */
export function externalSchemaSql(env: Environment): string {
  const database = env.silver.glue_database;
  const role = env.warehouse.iam_role;
  if (!database || !role) {
    throw new LakehouseError("redshift", "silver.glue_database and warehouse.iam_role must be set for the external schema", { file: env.file, field: database ? "warehouse.iam_role" : "silver.glue_database" });
  }
  return `create external schema if not exists ${ident(silverSchema(env))} from data catalog database ${literal(database)} iam_role ${literal(role)}`;
}

export interface SetupResult {
  schema: string;
  glueDatabase: string;
  /** Silver tables Redshift sees through the external schema. */
  externalTables: string[];
  /** Silver tables the project defines that Redshift does not see (not registered in Glue yet). */
  missing: string[];
}

/** Creates the external schema if missing and reports which silver tables Redshift can see through it. */
export async function setupExternalSchema(data: RedshiftData, env: Environment): Promise<SetupResult> {
  await data.execute(externalSchemaSql(env), { name: "lakehouse-setup-external-schema" });
  const schema = silverSchema(env);
  const seen = await data.query(`select tablename from svv_external_tables where schemaname = :schema order by tablename`, { parameters: { schema } });
  const externalTables = seen.rows.map((r) => String(r.tablename));
  const missing = SILVER_TABLES.map((t) => t.name).filter((t) => !externalTables.includes(t));
  return { schema, glueDatabase: env.silver.glue_database!, externalTables, missing };
}

export interface PostRunCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * After `lakehouse run --env prod`: every expected gold model exists, tables are not empty, and silver is
 * visible through the external schema. `expected` are `schema.name` targets (tables and views of the run).
 */
export async function postRunChecks(data: RedshiftData, env: Environment, expected: { target: string; kind: "table" | "view" | "incremental" }[]): Promise<PostRunCheck[]> {
  const schemas = [...new Set([...GOLD_SCHEMAS, ...expected.map((e) => e.target.split(".")[0])])];
  const counts = await goldRowCounts(data, schemas);
  const checks: PostRunCheck[] = [];
  for (const e of expected) {
    const found = counts[e.target];
    if (!found) checks.push({ name: `${e.target} exists`, ok: false, detail: `${e.kind} ${e.target} is not in the warehouse after the run` });
    else if (e.kind !== "view" && found.rows === 0) checks.push({ name: `${e.target} has rows`, ok: false, detail: `${e.kind} ${e.target} is empty` });
    else checks.push({ name: `${e.target} exists`, ok: true, detail: `${found.rows} rows` });
  }
  const schema = silverSchema(env);
  const seen = await data.query(`select tablename from svv_external_tables where schemaname = :schema order by tablename`, { parameters: { schema } });
  const visible = new Set(seen.rows.map((r) => String(r.tablename)));
  const missing = SILVER_TABLES.map((t) => t.name).filter((t) => !visible.has(t));
  checks.push({
    name: `silver visible through external schema ${schema}`,
    ok: missing.length === 0,
    detail: missing.length === 0 ? `${visible.size} external tables` : `not visible: ${missing.join(", ")}`,
  });
  return checks;
}

/** `status.gold` for `lakehouse status --env prod`. */
export async function prodGoldStatus(env: Environment, options: ClientOptions = {}): Promise<Record<string, { rows: number }>> {
  const data = RedshiftData.forEnvironment(env, options);
  try {
    return await goldRowCounts(data);
  } finally {
    data.client.destroy();
  }
}
