/**
 * `lakehouse test`'s data-quality report: runs every rule's SQL (the same SQL as the Dataform assertions,
 * from includes/assertions.js) against the warehouse and prints, per failure, the rule, the number of
 * offending rows and up to 5 of them. Error-level failures count as errors (the caller exits non-zero);
 * warn-level failures are printed and counted as warnings only. A model whose table is empty is said to
 * be empty: its passing rules are "passed on an empty table", and a `row_count: {min: …}` rule on it fails
 * with "empty table".
 */
import type pg from "pg";
import type { Environment } from "../core/config.ts";
import { describeError } from "../core/errors.ts";
import { formatDuration, type Logger } from "../core/log.ts";
import { formatTable } from "../cli/commands/sql.ts";
import { withClient } from "../stack/db.ts";
import { displayTypes } from "../stack/types.ts";
import { refreshLandingCounts } from "./landing-counts.ts";
import { loadRules } from "./load.ts";
import { assertionsInclude, projectSettings, sqlContext, type ProjectSettings } from "./sql.ts";
import type { Rule, RuleSet } from "./types.ts";

export interface AssertionReportOptions {
  /** Only the rules whose name, model id, type or severity is listed (default: all). */
  only?: string[];
  /** Example rows printed per failure (default 5). */
  examples?: number;
  /** "Now" for freshness rules with `reference: now` (default: the `assertions_now` var, else the warehouse clock). */
  now?: string;
  /** Refresh `<assertionSchema>._landing_counts` from the bucket first (default true). */
  refreshLandingCounts?: boolean;
  /** Where the report goes (default stdout). */
  out?: NodeJS.WritableStream;
  /** Print the results as JSON instead of text. */
  json?: boolean;
  /** The rules (default: assertions/*.yaml). */
  rules?: RuleSet;
  /** Schemas and vars (default: dataform.json). */
  settings?: ProjectSettings;
  /** An open warehouse connection to use (default: one is opened and closed). */
  client?: pg.Client;
}

export type RuleStatus = "passed" | "failed" | "not_run";

export interface RuleOutcome {
  name: string;
  model: string;
  type: string;
  severity: "error" | "warn";
  description: string;
  source: string;
  status: RuleStatus;
  /** Offending rows (0 when passed). */
  offending: number;
  /** Column names and up to `examples` offending rows. */
  columns: string[];
  examples: Record<string, unknown>[];
  /** Why it failed, in words: "empty table", or the database error of a rule that could not run. */
  message?: string;
  /** The model's table had no rows (a pass is then a pass on an empty table). */
  emptyModel: boolean;
}

export interface AssertionReport {
  /** Error-level rules that failed or could not run: `lakehouse test` exits non-zero when > 0. */
  errors: number;
  /** Warn-level rules that failed or could not run (printed, never fail the run). */
  warnings: number;
  passed: number;
  /** Of the passed: rules on an empty table. */
  passedOnEmpty: number;
  results: RuleOutcome[];
}

const OFFENDING = "_offending_rows";
const MAX_SHOWN_COLUMNS = 8;

/** Columns to show first: the ones the rule is about, then whatever the rule's SQL adds. */
function columnOrder(rule: Rule, fields: string[]): string[] {
  const a = rule.args;
  const wanted = [rule.column, ...(a.columns ?? []), ...(a.key ?? []), a.from, a.to, ...(a.group_by ?? []), "actual_length"].filter((c): c is string => typeof c === "string");
  const first = wanted.filter((c, i) => fields.includes(c) && wanted.indexOf(c) === i);
  return [...first, ...fields.filter((f) => !first.includes(f))];
}

function matches(rule: Rule, only: string[] | undefined): boolean {
  return !only || only.length === 0 || only.some((o) => o === rule.name || o === rule.model || o === rule.type || o === rule.severity);
}

async function modelIsEmpty(client: pg.Client, relation: string): Promise<boolean | null> {
  try {
    const result = await client.query(`select 1 as present from ${relation} limit 1`);
    return result.rows.length === 0;
  } catch {
    return null;
  }
}

/** Runs one rule: the offending rows' count and the first few, in one query. */
export async function runRule(client: pg.Client, rule: Rule, sql: string, examples = 5): Promise<Pick<RuleOutcome, "status" | "offending" | "columns" | "examples" | "message">> {
  try {
    const result = await client.query({
      text: `select offending.*, count(*) over () as ${OFFENDING} from (\n${sql}\n) as offending limit ${Math.max(1, examples)}`,
      types: displayTypes,
    });
    const rows = result.rows as Record<string, unknown>[];
    if (rows.length === 0) return { status: "passed", offending: 0, columns: [], examples: [] };
    const offending = Number(rows[0][OFFENDING]);
    const fields = columnOrder(
      rule,
      result.fields.map((f) => f.name).filter((f) => f !== OFFENDING),
    );
    const shown = rows.slice(0, examples).map((r) => Object.fromEntries(fields.map((f) => [f, r[f]])));
    let message: string | undefined;
    if (rule.type === "row_count" && rows[0].problem === "empty table") message = "empty table";
    else if (typeof rows[0].problem === "string" && (rule.type === "freshness" || rule.type === "row_count")) message = String(rows[0].problem);
    return { status: "failed", offending, columns: fields, examples: shown, message };
  } catch (error) {
    const e = error as Error & { code?: string };
    return { status: "not_run", offending: 0, columns: [], examples: [], message: `could not run: ${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ""}` };
  }
}

/** The text block of one failing rule. */
export function formatFailure(outcome: RuleOutcome): string {
  const level = outcome.severity === "error" ? "ERROR" : "WARN ";
  const lines = [`✘ ${level} ${outcome.name} — ${outcome.description}`];
  if (outcome.status === "not_run") {
    lines.push(`    ${outcome.source} · ${outcome.message}`);
    return lines.join("\n");
  }
  const what = outcome.message === "empty table" ? "empty table" : `${outcome.offending} offending row${outcome.offending === 1 ? "" : "s"}${outcome.message ? ` (${outcome.message})` : ""}`;
  const shown = outcome.examples.length;
  lines.push(`    ${outcome.source} · ${what}${shown < outcome.offending ? ` · first ${shown}:` : ":"}`);
  const columns = outcome.columns.slice(0, MAX_SHOWN_COLUMNS);
  const table = formatTable(columns, outcome.examples, shown).split("\n").slice(0, -1);
  lines.push(...table.map((l) => `    ${l}`));
  if (outcome.columns.length > columns.length) lines.push(`    (${outcome.columns.length - columns.length} more columns not shown: ${outcome.columns.slice(MAX_SHOWN_COLUMNS).join(", ")})`);
  return lines.join("\n");
}

/** Summary line of a report. */
export function formatSummary(report: AssertionReport, ms?: number): string {
  const total = report.results.length;
  const parts = [`${report.passed} passed${report.passedOnEmpty ? ` (${report.passedOnEmpty} on empty tables)` : ""}`, `${report.errors} error${report.errors === 1 ? "" : "s"}`, `${report.warnings} warning${report.warnings === 1 ? "" : "s"}`];
  return `assertions: ${total} rules — ${parts.join(", ")}${ms !== undefined ? ` (${formatDuration(ms)})` : ""}`;
}

/**
 * Runs the rules against the environment's warehouse and prints the report.
 * Returns the counts: the caller exits non-zero when `errors > 0`; warnings never fail.
 */
export async function runAssertionReport(env: Environment, log: Logger, options: AssertionReportOptions = {}): Promise<AssertionReport> {
  const started = performance.now();
  const out = options.out ?? process.stdout;
  const set = options.rules ?? loadRules();
  const settings = options.settings ?? projectSettings();
  const warehouse = env.warehouse.type === "redshift" ? "redshift" : "postgres";
  const context = sqlContext(settings, warehouse, options.now);
  const include = assertionsInclude();
  const examples = options.examples ?? 5;
  const rules = set.models.flatMap((m) => m.rules).filter((r) => matches(r, options.only));

  const body = async (client: pg.Client): Promise<AssertionReport> => {
    if (options.refreshLandingCounts !== false && rules.some((r) => include.usesLandingCounts(r))) {
      await log.step("landing counts", () => refreshLandingCounts(env, client), (c) => `${c.length} partitions`);
    }
    const empty = new Map<string, boolean | null>();
    const results: RuleOutcome[] = [];
    for (const rule of rules) {
      if (!empty.has(rule.model)) empty.set(rule.model, await modelIsEmpty(client, context.ref(rule.model)));
      let sql: string;
      try {
        sql = include.ruleSql(rule, context);
      } catch (error) {
        results.push({ ...summaryOf(rule), status: "not_run", offending: 0, columns: [], examples: [], message: `could not build SQL: ${describeError(error)}`, emptyModel: false });
        continue;
      }
      const outcome = await runRule(client, rule, sql, examples);
      results.push({ ...summaryOf(rule), ...outcome, emptyModel: empty.get(rule.model) === true });
    }
    const failed = results.filter((r) => r.status !== "passed");
    const report: AssertionReport = {
      errors: failed.filter((r) => r.severity === "error").length,
      warnings: failed.filter((r) => r.severity === "warn").length,
      passed: results.length - failed.length,
      passedOnEmpty: results.filter((r) => r.status === "passed" && r.emptyModel).length,
      results,
    };
    return report;
  };

  const report = options.client ? await body(options.client) : await withClient(env, "warehouse", body);
  const ms = performance.now() - started;
  if (options.json) {
    out.write(`${JSON.stringify(report, null, 2)}\n`);
    return report;
  }
  const blocks: string[] = [];
  // Failures first (errors, then warnings), each with its examples.
  for (const severity of ["error", "warn"] as const) {
    for (const outcome of report.results.filter((r) => r.status !== "passed" && r.severity === severity)) blocks.push(formatFailure(outcome));
  }
  // Empty models: their passes say nothing about the data.
  const emptyModels = [...new Set(report.results.filter((r) => r.status === "passed" && r.emptyModel).map((r) => r.model))];
  for (const model of emptyModels) {
    const n = report.results.filter((r) => r.model === model && r.status === "passed").length;
    blocks.push(`∅ EMPTY ${model}: the table is empty; ${n} rule${n === 1 ? "" : "s"} passed on no rows (add row_count: {min: 1} to make this an error)`);
  }
  // One line per model whose rules all passed on data.
  const models = [...new Set(report.results.map((r) => r.model))];
  for (const model of models) {
    const own = report.results.filter((r) => r.model === model);
    if (own.every((r) => r.status === "passed" && !r.emptyModel)) log.info(`✔ ${model}: ${own.length} rule${own.length === 1 ? "" : "s"} passed`);
  }
  blocks.push(formatSummary(report, ms));
  out.write(`${blocks.join("\n")}\n`);
  return report;
}

function summaryOf(rule: Rule): Pick<RuleOutcome, "name" | "model" | "type" | "severity" | "description" | "source"> {
  return { name: rule.name, model: rule.model, type: rule.type, severity: rule.severity, description: rule.description, source: rule.source };
}
