import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import type { Environment } from "../core/config.ts";
import { loadEnvironment } from "../core/config.ts";
import { fromRoot } from "../core/paths.ts";
import { compileProject, type CompiledGraph } from "../dataform/compile.ts";
import { executionOrder, graphActions, redshiftStatements, type GraphAction, type ProdAction } from "./ddl.ts";
import { compileProd } from "./render.ts";

/**
 * CI checks of the prod (Redshift) variant of the Dataform project:
 *  1. every statement a run would send parses as Redshift SQL (node-sql-parser's redshift grammar) where
 *     the grammar covers the statement; what it cannot cover is listed with the reason, not failed;
 *  2. no secret appears anywhere in the compiled output;
 *  3. every model's SQL differs from the local (postgres) compile only where an includes/ guard says so.
 */

// node-sql-parser ships CommonJS with one build per dialect; the redshift build is the grammar we want.
const require = createRequire(import.meta.url);
interface SqlParser {
  astify(sql: string, options?: { database?: string }): unknown;
}
interface PegError extends Error {
  location?: { start: { offset: number; line: number; column: number } };
}
const { Parser } = require("node-sql-parser/build/redshift") as { Parser: new () => SqlParser };
let parser: SqlParser | undefined;

function parse(sql: string): void {
  parser ??= new Parser();
  parser.astify(sql, { database: "redshift" });
}

// ---------------------------------------------------------------------------------------------------------
// 1. Parsing

export type ParseStatus =
  /** The grammar parsed the whole statement. */
  | "parsed"
  /** A Dataform DDL wrapper (create table … as, create view … as): its query parsed, its clauses matched the adapter's template. */
  | "parsed-query"
  /** A statement kind the grammar has no rule for; checked against its known shape where there is one. */
  | "not-covered"
  /** A covered kind that uses a construct the grammar is known to lack (listed in GRAMMAR_GAPS). */
  | "grammar-gap"
  /** A real error: the grammar covers this statement and it does not parse, or a template does not match. */
  | "error";

export interface StatementCheck {
  action: string;
  /** Position of the statement within the action's statements. */
  index: number;
  kind: string;
  status: ParseStatus;
  /** Why it was not parsed, or the error (with line and column in the statement). */
  reason?: string;
  sql: string;
}

/** First words of every Redshift statement kind (anything else is certainly an error). */
const STATEMENT_KEYWORDS = new Set([
  "abort", "alter", "analyze", "begin", "call", "cancel", "close", "comment", "commit", "copy", "create", "deallocate", "declare",
  "delete", "drop", "end", "execute", "explain", "fetch", "grant", "insert", "lock", "merge", "prepare", "refresh", "reset",
  "revoke", "rollback", "select", "set", "show", "start", "truncate", "unload", "update", "vacuum", "with",
]);

/** Statement kinds node-sql-parser's redshift grammar covers: a parse failure of these is an error. */
const COVERED_KINDS = new Set(["select", "with", "insert", "update", "delete", "truncate", "alter table", "create view", "create or"]);

/**
 * Valid Redshift the redshift grammar of node-sql-parser 5.4.0 does not accept. A covered statement that
 * fails and contains one of these is reported as a grammar gap, not failed. Add to this list only with a
 * test showing Redshift accepts the construct and the grammar does not.
 */
export const GRAMMAR_GAPS: { name: string; pattern: RegExp }[] = [
  { name: "AT TIME ZONE", pattern: /\bat\s+time\s+zone\b/i },
  { name: "WITHIN GROUP (listagg, percentile_cont)", pattern: /\bwithin\s+group\s*\(/i },
  { name: "QUALIFY", pattern: /\bqualify\b/i },
  { name: "IGNORE NULLS in window functions", pattern: /\bignore\s+nulls\b/i },
  { name: "SIMILAR TO", pattern: /\bsimilar\s+to\b/i },
  { name: "DELETE … USING (Dataform's incremental merge)", pattern: /^\s*delete\s+from\s+\S+\s+using\b/i },
];

/** Removes SQL comments (keeping string literals intact) and surrounding whitespace. */
export function stripComments(sql: string): string {
  let out = "";
  for (let i = 0; i < sql.length; ) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      while (i < sql.length && sql[i] !== "\n") i++;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
      out += " ";
    } else {
      out += c;
      i++;
    }
  }
  return out.trim();
}

/** The statement kind: its first keyword, or the first two for create/drop/alter (e.g. "create table"). */
export function statementKind(sql: string): string {
  const words = stripComments(sql).toLowerCase().match(/^[a-z_]+(?:\s+[a-z_]+){0,3}/)?.[0].split(/\s+/) ?? [];
  if (words.length === 0) return "(empty)";
  if (["create", "drop", "alter"].includes(words[0])) {
    // create temp table / create external schema / create or replace view
    if (words[1] === "or") return "create or";
    if (["temp", "temporary"].includes(words[1])) return `${words[0]} temp ${words[2] ?? ""}`.trim();
    return `${words[0]} ${words[1] ?? ""}`.trim();
  }
  return words[0];
}

const IDENT = String.raw`(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\.${IDENT}){0,2}`;

/** Known shapes of the statement kinds the grammar has no rule for (Dataform's templates and the setup DDL). */
const SHAPES: { kind: string; pattern: RegExp }[] = [
  { kind: "drop table", pattern: new RegExp(String.raw`^drop\s+table\s+(?:if\s+exists\s+)?${QUALIFIED}(?:\s*,\s*${QUALIFIED})*(?:\s+(?:cascade|restrict))?\s*;?$`, "i") },
  { kind: "drop view", pattern: new RegExp(String.raw`^drop\s+view\s+(?:if\s+exists\s+)?${QUALIFIED}(?:\s*,\s*${QUALIFIED})*(?:\s+(?:cascade|restrict))?\s*;?$`, "i") },
  { kind: "drop schema", pattern: new RegExp(String.raw`^drop\s+schema\s+(?:if\s+exists\s+)?${IDENT}(?:\s+(?:drop\s+external\s+database\s+)?(?:cascade|restrict))?\s*;?$`, "i") },
  { kind: "create schema", pattern: new RegExp(String.raw`^create\s+schema\s+(?:if\s+not\s+exists\s+)?${IDENT}(?:\s+authorization\s+${IDENT})?\s*;?$`, "i") },
  {
    kind: "create external",
    pattern: new RegExp(
      String.raw`^create\s+external\s+schema\s+(?:if\s+not\s+exists\s+)?${IDENT}\s+from\s+data\s+catalog\s+database\s+'[^']+'(?:\s+region\s+'[a-z0-9-]+')?\s+iam_role\s+'(?:default|arn:aws:iam::\d{12}:role/[^']+)'(?:\s+catalog_role\s+'[^']+')?(?:\s+create\s+external\s+database\s+if\s+not\s+exists)?\s*;?$`,
      "i",
    ),
  },
  {
    kind: "alter table",
    pattern: new RegExp(
      String.raw`^alter\s+table\s+${QUALIFIED}\s+alter\s+(?:diststyle\s+(?:even|all|auto|key\s+distkey\s+${IDENT})|distkey\s+${IDENT}|(?:compound\s+)?sortkey\s*(?:\(\s*${IDENT}(?:\s*,\s*${IDENT})*\s*\)|auto|none)|encode\s+auto)\s*;?$`,
      "i",
    ),
  },
  { kind: "begin", pattern: /^begin(?:\s+(?:transaction|work))?\s*;?$/i },
  { kind: "end", pattern: /^end(?:\s+(?:transaction|work))?\s*;?$/i },
  { kind: "commit", pattern: /^commit(?:\s+(?:transaction|work))?\s*;?$/i },
  { kind: "grant", pattern: new RegExp(String.raw`^grant\s+[a-z ,]+\s+on\s+(?:(?:table|schema|all\s+tables\s+in\s+schema)\s+)?${QUALIFIED}(?:\s*,\s*${QUALIFIED})*\s+to\s+(?:group\s+|role\s+)?${IDENT}(?:\s*,\s*(?:group\s+|role\s+)?${IDENT})*\s*;?$`, "i") },
  { kind: "analyze", pattern: new RegExp(String.raw`^analyze(?:\s+${QUALIFIED})?\s*;?$`, "i") },
];

function locate(sql: string, error: PegError): string {
  const loc = error.location?.start;
  const first = (error.message ?? String(error)).split("\n")[0];
  if (!loc) return first;
  const line = sql.split("\n")[loc.line - 1] ?? "";
  return `line ${loc.line} column ${loc.column}: ${first.length > 160 ? `${first.slice(0, 160)}…` : first} near «${line.trim().slice(0, 80)}»`;
}

function tryParse(sql: string): string | null {
  try {
    parse(sql);
    return null;
  } catch (error) {
    return locate(sql, error as PegError);
  }
}

function checkCovered(sql: string): { status: ParseStatus; reason?: string } {
  const failure = tryParse(sql);
  if (!failure) return { status: "parsed" };
  const gaps = GRAMMAR_GAPS.filter((g) => g.pattern.test(sql)).map((g) => g.name);
  if (gaps.length > 0) return { status: "grammar-gap", reason: `uses ${gaps.join(", ")}, which the redshift grammar lacks (${failure})` };
  return { status: "error", reason: failure };
}

/** `create [temp] table T [diststyle …] [sortkey …] as <query>`: checks the table attributes, parses the query. */
const CREATE_TABLE_AS = new RegExp(
  String.raw`^create\s+(?:temp\s+|temporary\s+)?table\s+(${QUALIFIED})((?:\s+diststyle\s+\w+)?(?:\s+distkey\s*\([^)]*\))?(?:\s+(?:compound\s+|interleaved\s+)?sortkey\s*\([^)]*\))?)\s+as\s+([\s\S]+)$`,
  "i",
);
const TABLE_ATTRIBUTES = new RegExp(
  String.raw`^(?:\s+diststyle\s+(?:even|key|all|auto))?(?:\s+distkey\s*\(\s*${IDENT}\s*\))?(?:\s+(?:compound\s+|interleaved\s+)?sortkey\s*\(\s*${IDENT}(?:\s*,\s*${IDENT})*\s*\))?$`,
  "i",
);
/** `create or replace view V as <query> [with no schema binding]`. */
const CREATE_VIEW_AS = new RegExp(String.raw`^create\s+(?:or\s+replace\s+)?view\s+(${QUALIFIED})\s+as\s+([\s\S]+?)(\s+with\s+no\s+schema\s+binding)?\s*;?$`, "i");

/** Checks one statement: parses it where the redshift grammar covers it, matches its shape where it does not. */
export function checkStatement(sql: string): { kind: string; status: ParseStatus; reason?: string } {
  const text = stripComments(sql);
  const kind = statementKind(text);
  if (text === "") return { kind, status: "error", reason: "empty statement" };
  const first = kind.split(" ")[0];
  if (!STATEMENT_KEYWORDS.has(first)) return { kind, status: "error", reason: `"${first}" does not start any Redshift statement` };

  const createTable = /^create (temp )?table$/.test(kind) ? CREATE_TABLE_AS.exec(text) : null;
  if (createTable) {
    const [, , attributes, query] = createTable;
    if (!TABLE_ATTRIBUTES.test(attributes)) return { kind, status: "error", reason: `table attributes do not match Redshift's DISTSTYLE/DISTKEY/SORTKEY syntax: «${attributes.trim()}»` };
    // Dataform's merge template wraps the query: `select * from (<query>\n) as data;`
    const inner = checkCovered(query.replace(/;\s*$/, ""));
    return { kind, status: inner.status === "parsed" ? "parsed-query" : inner.status, reason: inner.reason };
  }
  if (kind === "create or" || kind === "create view") {
    const view = CREATE_VIEW_AS.exec(text);
    if (view) {
      const inner = checkCovered(view[2]);
      return { kind: "create view", status: inner.status === "parsed" ? "parsed-query" : inner.status, reason: inner.reason };
    }
  }
  // Redshift-only forms of a covered kind (ALTER TABLE … ALTER DISTSTYLE/DISTKEY/SORTKEY) are matched by shape.
  if (kind === "alter table" && /^alter\s+table\s+\S+\s+alter\s+(?:diststyle|distkey|compound\s+sortkey|sortkey|encode)\b/i.test(text)) {
    const shape = SHAPES.find((s) => s.kind === "alter table")!;
    if (shape.pattern.test(text)) return { kind, status: "not-covered", reason: "the redshift grammar has no rule for ALTER TABLE … ALTER DISTSTYLE/DISTKEY/SORTKEY; matched its known shape" };
    return { kind, status: "error", reason: "does not match Redshift's ALTER TABLE … ALTER DISTSTYLE/DISTKEY/SORTKEY syntax" };
  }
  if (COVERED_KINDS.has(kind)) return { kind, ...checkCovered(text.replace(/;\s*$/, "")) };

  const shape = SHAPES.find((s) => s.kind !== "alter table" && (kind.startsWith(s.kind) || s.kind.startsWith(kind)));
  if (shape) {
    if (shape.pattern.test(text)) return { kind, status: "not-covered", reason: `the redshift grammar has no rule for ${kind.toUpperCase()}; matched its known shape` };
    return { kind, status: "error", reason: `does not match the shape of a Redshift ${kind.toUpperCase()} statement` };
  }
  const failure = tryParse(text.replace(/;\s*$/, ""));
  if (!failure) return { kind, status: "parsed" };
  return { kind, status: "not-covered", reason: `the redshift grammar does not cover this ${kind.toUpperCase()} form (${failure})` };
}

/** Every statement a first run of the prod graph would send, checked, in execution order. */
export function checkGraphStatements(graph: CompiledGraph): StatementCheck[] {
  const checks: StatementCheck[] = [];
  for (const action of executionOrder(graphActions(graph))) {
    const statements = redshiftStatements(action.action, action.kind, "create");
    // An incremental table's append statement runs the incremental query: check that too.
    if (action.kind === "incremental") statements.push(...redshiftStatements(action.action, action.kind, "incremental"));
    // An empty block of an operations list (a guard that emits nothing on this warehouse, e.g. a
    // PostgreSQL-only index) reaches the warehouse as an empty query, which the PostgreSQL protocol that
    // Redshift speaks answers with EmptyQueryResponse: nothing runs, so there is nothing to check.
    statements.forEach((sql, index) => {
      if (!isEmptyStatement(sql)) checks.push({ action: action.target, index, sql, ...checkStatement(sql) });
    });
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------------------
// 2. Secrets

/** Patterns of credentials that must never be in compiled SQL (besides the known secret values). */
const SECRET_PATTERNS: { name: string; pattern: RegExp }[] = [
  { name: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: "password in a connection string", pattern: /\b[a-z]+:\/\/[^\s:/@'"]+:[^\s@'"]+@/i },
  { name: "PASSWORD clause with a literal", pattern: /\bpassword\s+'[^']+'/i },
  { name: "ACCESS_KEY_ID / SECRET_ACCESS_KEY credentials", pattern: /\b(?:access_key_id|secret_access_key|session_token)\b/i },
];

export interface SecretFinding {
  where: string;
  what: string;
}

/**
 * Where any of `secrets` (exact values) or a credential pattern occurs in the named texts. Values shorter
 * than 6 characters are ignored (they would match by chance).
 */
export function findSecrets(texts: Record<string, string>, secrets: string[]): SecretFinding[] {
  const values = secrets.filter((s) => s && s.length >= 6);
  const findings: SecretFinding[] = [];
  for (const [where, text] of Object.entries(texts)) {
    values.forEach((value, i) => {
      if (text.includes(value)) findings.push({ where, what: `secret value #${i + 1}` });
    });
    for (const { name, pattern } of SECRET_PATTERNS) if (pattern.test(text)) findings.push({ where, what: name });
  }
  return findings;
}

/** The secret values the environment knows of: the warehouse and catalog passwords from their variables. */
export function knownSecrets(env: Environment): string[] {
  const names = [env.warehouse.password_env ?? "REDSHIFT_PASSWORD", env.catalog_db.password_env ?? "CATALOG_PASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
  return names.map((n) => process.env[n]).filter((v): v is string => Boolean(v));
}

// ---------------------------------------------------------------------------------------------------------
// 3. Local vs prod: differences only where an includes/ guard says so

/** SQL tokens: quoted strings and identifiers whole, words, numbers, operators. */
export function tokenize(sql: string): string[] {
  return stripComments(sql).match(/'(?:[^']|'')*'|"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*|\d+(?:\.\d+)?|::|<>|!=|<=|>=|\|\||\S/g) ?? [];
}

/** Words of a token (a quoted string contributes the words inside it). Numbers and punctuation have none. */
function words(token: string): string[] {
  return (token.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((w) => w.toLowerCase());
}

export interface Hunk {
  local: string;
  prod: string;
}

/**
 * Differences between two token lists (longest common subsequence, case-insensitive), as hunks. Hunks
 * separated by at most `mergeGap` (8) equal tokens are one hunk (with those tokens on both sides), so that one
 * guarded fragment (`x + interval '1 day'` vs `dateadd(day, 1, x)`) is judged as a whole.
 */
export function diffTokens(a: string[], b: string[], mergeGap = 8): Hunk[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start].toLowerCase() === b[start].toLowerCase()) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1].toLowerCase() === b[endB - 1].toLowerCase()) {
    endA--;
    endB--;
  }
  const A = a.slice(start, endA);
  const B = b.slice(start, endB);
  const x = A.map((t) => t.toLowerCase());
  const y = B.map((t) => t.toLowerCase());
  if (x.length === 0 && y.length === 0) return [];
  const n = x.length;
  const m = y.length;
  if (n * m > 25_000_000) return [{ local: A.join(" "), prod: B.join(" ") }];
  // lcs[i][j] = LCS length of x[i..] and y[j..]
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] = x[i] === y[j] ? lcs[at(i + 1, j + 1)] + 1 : Math.max(lcs[at(i + 1, j)], lcs[at(i, j + 1)]);
    }
  }
  type Op = { kind: "same"; a: string; b: string } | { kind: "local"; a: string } | { kind: "prod"; b: string };
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) ops.push({ kind: "same", a: A[i++], b: B[j++] });
    else if (j < m && (i === n || lcs[at(i, j + 1)] >= lcs[at(i + 1, j)])) ops.push({ kind: "prod", b: B[j++] });
    else ops.push({ kind: "local", a: A[i++] });
  }
  const hunks: Hunk[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k].kind === "same") {
      k++;
      continue;
    }
    const local: string[] = [];
    const prod: string[] = [];
    let end = k;
    // Extend over runs of equal tokens no longer than mergeGap that are followed by another difference.
    for (let p = k; p < ops.length; ) {
      if (ops[p].kind !== "same") {
        end = p + 1;
        p++;
        continue;
      }
      let q = p;
      while (q < ops.length && ops[q].kind === "same") q++;
      if (q < ops.length && q - p <= mergeGap) p = q;
      else break;
    }
    for (let p = k; p < end; p++) {
      const op = ops[p];
      if (op.kind !== "prod") local.push(op.kind === "same" ? op.a : op.a);
      if (op.kind !== "local") prod.push(op.kind === "same" ? op.b : op.b);
    }
    hunks.push({ local: local.join(" "), prod: prod.join(" ") });
    k = end;
  }
  return hunks;
}

export interface GuardContext {
  /** Lower-cased words of the includes/ sources: a difference is explained only by words an include emits. */
  includeWords: Set<string>;
  /** Whether includes/ branches on `dataform.projectConfig.warehouse` at all. */
  includesHaveGuard: boolean;
  /** Values of compile vars on either side (silver_schema, …): a difference in a var value is configuration. */
  varWords: Set<string>;
}

/** Words of a model both variants use anyway (its target, identifiers it names in both compiles). */
export interface ActionWords {
  shared: Set<string>;
  /** Words of the action's own definition file (names it hands to a helper, such as an index name). */
  defined?: Set<string>;
}

export type HunkVerdict = { explained: true; by: "guard" | "vars" } | { explained: false; reason: string };

/** Lower-cased words of SQL texts (quoted strings count by the words inside them). */
export function sqlWords(...texts: string[]): Set<string> {
  return new Set(texts.flatMap((t) => tokenize(t).flatMap(words)));
}

/**
 * A hunk is explained by a guard when the words on one side only (quoted strings count by their words)
 * include at least one an includes/ helper emits, and every other one is either emitted by includes/, a var
 * value, or a word the model uses in both compiles anyway (an identifier handed to the helper, the model's
 * own name). A hunk whose one-sided words are all var values is configuration. Anything else, including a
 * hunk of numbers or punctuation only, is unexplained.
 */
export function explainHunk(hunk: Hunk, context: GuardContext, action: ActionWords = { shared: new Set() }): HunkVerdict {
  const count = (text: string) => {
    const map = new Map<string, number>();
    for (const w of tokenize(text).flatMap(words)) map.set(w, (map.get(w) ?? 0) + 1);
    return map;
  };
  const left = count(hunk.local);
  const right = count(hunk.prod);
  const onlyOneSide = new Set<string>();
  for (const [w, n] of left) if ((right.get(w) ?? 0) !== n) onlyOneSide.add(w);
  for (const [w, n] of right) if ((left.get(w) ?? 0) !== n) onlyOneSide.add(w);
  if (onlyOneSide.size === 0) return { explained: false, reason: "the difference has no SQL word an include could have emitted (numbers, punctuation or order only)" };
  const oneSided = [...onlyOneSide];
  if (oneSided.every((w) => context.varWords.has(w))) return { explained: true, by: "vars" };
  if (!context.includesHaveGuard) return { explained: false, reason: "includes/ has no warehouse guard (dataform.projectConfig.warehouse), so no difference is expected" };
  if (!oneSided.some((w) => context.includeWords.has(w) && !action.shared.has(w))) {
    return { explained: false, reason: `none of the differing words (${oneSided.map((w) => `"${w}"`).join(", ")}) comes from an includes/ helper` };
  }
  const unexplained = oneSided.filter((w) => !context.includeWords.has(w) && !context.varWords.has(w) && !action.shared.has(w) && !action.defined?.has(w));
  if (unexplained.length > 0) return { explained: false, reason: `word(s) ${unexplained.map((w) => `"${w}"`).join(", ")} differ but come from no includes/ helper` };
  return { explained: true, by: "guard" };
}

/** Reads includes/ (JS and JSON) for the words its helpers can emit and whether it guards on the warehouse. */
export function guardContext(includesDir: string, varValues: string[]): GuardContext {
  const includeWords = new Set<string>();
  let includesHaveGuard = false;
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(js|json)$/.test(entry.name)) {
        const text = fs.readFileSync(file, "utf8");
        if (/projectConfig\s*\.\s*warehouse|\bwarehouse\s*===?\s*["']redshift["']/.test(text)) includesHaveGuard = true;
        for (const w of text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) includeWords.add(w.toLowerCase());
      }
    }
  };
  walk(includesDir);
  const varWords = new Set(varValues.flatMap((v) => words(v)));
  return { includeWords, includesHaveGuard, varWords };
}

/** Definition files that branch on the warehouse themselves instead of through an includes/ helper. */
export function unguardedDefinitions(definitionsDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(sqlx|js)$/.test(entry.name) && /projectConfig\s*\.\s*warehouse/.test(fs.readFileSync(file, "utf8"))) found.push(path.relative(path.dirname(definitionsDir), file));
    }
  };
  walk(definitionsDir);
  return found;
}

export interface ModelDiff {
  target: string;
  kind: string;
  /** Differences explained by a guard or by vars. */
  explained: { hunk: Hunk; by: "guard" | "vars" }[];
  /** Differences that no guard explains: a check failure. */
  unexplained: { hunk: Hunk; reason: string }[];
}

export interface GuardReport {
  models: ModelDiff[];
  /** Actions in one variant only (setup operations may be prod-only). */
  onlyInProd: string[];
  onlyInLocal: string[];
  /** Failures: actions in one variant only that are not setup operations; local tables with Redshift options; unguarded definitions. */
  problems: string[];
  /** Prod tables with Redshift dist/sort options (from includes/ guards; the local compile has none). */
  distSort: Record<string, { distStyle?: string; distKey?: string; sortStyle?: string; sortKeys?: string[] }>;
}

/** Every SQL text of an action the guard comparison looks at (query, incremental query, pre/post ops, operation queries). */
/** A hunk that differs only in brackets and commas on either side. */
function isPunctuationOnly(hunk: Hunk): boolean {
  return /^[\s(),]*$/.test(hunk.local) && /^[\s(),]*$/.test(hunk.prod);
}

/** True when a statement holds nothing but white space and comments. */
export function isEmptyStatement(sql: string): boolean {
  return stripComments(sql).trim() === "";
}

/**
 * The texts of an action to compare. Each operations list is compared as one text (its non-empty blocks
 * joined by `;`), so that an operation a guard emits on one warehouse only (a PostgreSQL index, an
 * `analyze`) is one hunk instead of shifting every later operation; Dataform also drops an empty block at
 * either end of a list and keeps one in the middle.
 */
function actionTexts(action: ProdAction): { label: string; sql: string }[] {
  const texts: { label: string; sql: string }[] = [];
  const ops = (list: string[] | undefined) => (list ?? []).filter((sql) => !isEmptyStatement(sql)).join(" ;\n");
  if (action.query !== undefined) texts.push({ label: "query", sql: action.query });
  if (action.incrementalQuery) texts.push({ label: "incrementalQuery", sql: action.incrementalQuery });
  (action.queries ?? []).forEach((sql, i) => texts.push({ label: `queries[${i}]`, sql }));
  texts.push({ label: "preOps", sql: ops(action.preOps) });
  texts.push({ label: "postOps", sql: ops(action.postOps) });
  return texts.filter((t) => t.label === "query" || t.sql !== "");
}

/** The words of an action's own definition file: names it hands to an includes/ helper (an index name). */
function definitionWords(root: string | undefined, fileName: string | undefined): string[] {
  if (!root || !fileName || !/\.(sqlx|js)$/.test(fileName)) return [];
  try {
    return [...sqlWords(fs.readFileSync(path.join(root, fileName), "utf8"))];
  } catch {
    return [];
  }
}

/** Compares each action of the local and prod compiles; see explainHunk for what counts as explained. */
export function compareWithLocal(local: CompiledGraph, prod: CompiledGraph, context: GuardContext, options: { definitionsDir?: string } = {}): GuardReport {
  const localActions = new Map(graphActions(local).map((a) => [a.target, a]));
  const prodActions = new Map(graphActions(prod).map((a) => [a.target, a]));
  const isSetup = (a: GraphAction) => a.kind === "operation" && a.tags.includes("setup");
  const onlyInProd = [...prodActions.keys()].filter((t) => !localActions.has(t)).sort();
  const onlyInLocal = [...localActions.keys()].filter((t) => !prodActions.has(t)).sort();
  const problems: string[] = [];
  for (const t of onlyInProd) if (!isSetup(prodActions.get(t)!)) problems.push(`${t} exists only in the prod compile and is not a setup operation`);
  for (const t of onlyInLocal) if (!isSetup(localActions.get(t)!)) problems.push(`${t} exists only in the local compile and is not a setup operation`);
  for (const a of localActions.values()) {
    const rs = a.action.redshift;
    if (rs && (rs.distStyle || rs.distKey || rs.sortKeys?.length)) problems.push(`${a.target}: the local (postgres) compile has Redshift dist/sort options; the postgres adapter would emit them (guard them with includes/)`);
  }
  if (options.definitionsDir) {
    for (const file of unguardedDefinitions(options.definitionsDir)) problems.push(`${file} branches on the warehouse itself; put the branch in an includes/ helper`);
  }
  const models: ModelDiff[] = [];
  for (const [target, p] of prodActions) {
    const l = localActions.get(target);
    if (!l) continue;
    const diff: ModelDiff = { target, kind: p.kind, explained: [], unexplained: [] };
    const lTexts = actionTexts(l.action);
    const pTexts = actionTexts(p.action);
    const localWords = sqlWords(...lTexts.map((t) => t.sql));
    const prodWords = sqlWords(...pTexts.map((t) => t.sql));
    const shared = new Set([...localWords].filter((w) => prodWords.has(w)));
    for (const w of words(`${p.action.target.schema} ${p.action.target.name}`)) shared.add(w);
    const defined = new Set(definitionWords(options.definitionsDir && path.dirname(options.definitionsDir), p.fileName ?? l.fileName));
    const labels = new Set([...lTexts.map((t) => t.label), ...pTexts.map((t) => t.label)]);
    for (const label of labels) {
      const ls = lTexts.find((t) => t.label === label)?.sql ?? "";
      const ps = pTexts.find((t) => t.label === label)?.sql ?? "";
      const hunks = diffTokens(tokenize(ls), tokenize(ps)).map((hunk) => ({ hunk, verdict: explainHunk(hunk, context, { shared, defined }) }));
      // A guard that swaps one form for another (`= any(array(…))` for `in (…)`) leaves, besides the hunk of
      // its words, a hunk of closing punctuation further on: it belongs to that guarded hunk of the same text.
      const guarded = hunks.some((h) => h.verdict.explained && h.verdict.by === "guard");
      for (const { hunk, verdict } of hunks) {
        if (verdict.explained) diff.explained.push({ hunk, by: verdict.by });
        else if (guarded && isPunctuationOnly(hunk)) diff.explained.push({ hunk, by: "guard" });
        else diff.unexplained.push({ hunk: { local: `${label}: ${hunk.local}`, prod: `${label}: ${hunk.prod}` }, reason: verdict.reason });
      }
    }
    models.push(diff);
  }
  models.sort((a, b) => a.target.localeCompare(b.target));
  const distSort: GuardReport["distSort"] = {};
  for (const a of [...prodActions.values()].sort((x, y) => x.target.localeCompare(y.target))) {
    const rs = a.action.redshift;
    if (rs && (rs.distStyle || rs.distKey || rs.sortKeys?.length)) {
      distSort[a.target] = Object.fromEntries(Object.entries({ distStyle: rs.distStyle, distKey: rs.distKey, sortStyle: rs.sortStyle, sortKeys: rs.sortKeys }).filter(([, v]) => v !== undefined && v !== ""));
    }
  }
  return { models, onlyInProd, onlyInLocal, problems, distSort };
}

// ---------------------------------------------------------------------------------------------------------
// All checks

export interface ProdCheckReport {
  statements: StatementCheck[];
  counts: Record<ParseStatus, number>;
  secrets: SecretFinding[];
  guards: GuardReport;
  /** Tables and views tagged "gold" (or in the gold / sparkify schemas) in the prod compile. */
  goldModels: string[];
  /** One line per failure; empty when every check passed. */
  failures: string[];
}

/** Schemas of the gold layer (as in scripts/gold/status.ts). */
export const GOLD_SCHEMAS = ["gold", "sparkify"];

export function isGoldModel(a: GraphAction): boolean {
  return (a.kind === "table" || a.kind === "view" || a.kind === "incremental") && (a.tags.includes("gold") || GOLD_SCHEMAS.includes(a.action.target.schema));
}

/** Runs the three checks on two compiled graphs (pure apart from reading includes/ and definitions/). */
export function checkProdGraph(
  prod: CompiledGraph,
  local: CompiledGraph,
  options: { secrets: string[]; extraTexts?: Record<string, string>; includesDir?: string; definitionsDir?: string },
): ProdCheckReport {
  const statements = checkGraphStatements(prod);
  const counts = { parsed: 0, "parsed-query": 0, "not-covered": 0, "grammar-gap": 0, error: 0 } as Record<ParseStatus, number>;
  for (const s of statements) counts[s.status]++;
  const texts: Record<string, string> = { "compiled graph (prod)": JSON.stringify(prod), ...(options.extraTexts ?? {}) };
  statements.forEach((s) => (texts[`${s.action} statement ${s.index + 1}`] = s.sql));
  const secrets = findSecrets(texts, options.secrets);
  const varValues = [...Object.values(prod.projectConfig.vars ?? {}), ...Object.values(local.projectConfig.vars ?? {})];
  const guards = compareWithLocal(local, prod, guardContext(options.includesDir ?? fromRoot("includes"), varValues), { definitionsDir: options.definitionsDir ?? fromRoot("definitions") });
  const goldModels = graphActions(prod).filter(isGoldModel).map((a) => a.target).sort();
  const failures = [
    ...statements.filter((s) => s.status === "error").map((s) => `${s.action} statement ${s.index + 1} (${s.kind}): ${s.reason}`),
    ...secrets.map((f) => `secret in ${f.where}: ${f.what}`),
    ...guards.problems,
    ...guards.models.flatMap((m) => m.unexplained.map((u) => `${m.target}: local «${u.hunk.local}» vs prod «${u.hunk.prod}»: ${u.reason}`)),
  ];
  return { statements, counts, secrets, guards, goldModels, failures };
}

/**
 * Compiles the prod variant (no AWS access, no credentials) and the local one, and runs every check.
 * `secrets` defaults to the values of the password variables in the environment.
 */
export async function runProdChecks(env: Environment = loadEnvironment("prod"), options: { secrets?: string[]; localEnv?: Environment } = {}): Promise<ProdCheckReport> {
  const prod = await compileProd(env);
  const local = await compileProject(options.localEnv ?? loadEnvironment("local"));
  const rendered = fs.readFileSync(fromRoot(".build", "prod", "dataform.json"), "utf8");
  return checkProdGraph(prod, local, { secrets: options.secrets ?? knownSecrets(env), extraTexts: { ".build/prod/dataform.json": rendered } });
}

/** The report as lines for a person: counts, what was not parsed and why, guarded differences, failures. */
export function formatReport(report: ProdCheckReport): string {
  const lines: string[] = [];
  const c = report.counts;
  lines.push(`statements: ${report.statements.length} (${c.parsed} parsed, ${c["parsed-query"]} parsed inside a Dataform DDL template, ${c["not-covered"]} not covered by the grammar, ${c["grammar-gap"]} grammar gaps, ${c.error} errors)`);
  // Not parsed, grouped by kind and reason (actions' own names left out of the reason so that groups form).
  const groups = new Map<string, StatementCheck[]>();
  for (const s of report.statements.filter((x) => x.status === "not-covered" || x.status === "grammar-gap")) {
    const key = `${s.status}: ${s.kind.toUpperCase()}: ${(s.reason ?? "").replace(/ \(line \d+ column \d+:.*$/, "")}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, list] of groups) {
    const examples = list.slice(0, 3).map((s) => `${s.action} #${s.index + 1}`).join(", ");
    lines.push(`  ${key} — ${list.length} statement${list.length === 1 ? "" : "s"} (${examples}${list.length > 3 ? ", …" : ""})`);
  }
  lines.push(`gold models: ${report.goldModels.length}`);
  const guarded = report.guards.models.filter((m) => m.explained.length > 0);
  lines.push(`models differing from local only where guarded: ${guarded.length}`);
  const clip = (t: string) => (t.length > 70 ? `${t.slice(0, 70)}…` : t);
  for (const m of guarded) lines.push(`  ${m.target}: ${m.explained.length} guarded difference(s), e.g. [${m.explained[0].by}] «${clip(m.explained[0].hunk.local)}» → «${clip(m.explained[0].hunk.prod)}»`);
  const keyed = Object.entries(report.guards.distSort);
  if (keyed.length) lines.push(`tables with Redshift dist/sort keys (prod only): ${keyed.map(([t, o]) => `${t} (${[o.distStyle && `diststyle ${o.distStyle}`, o.distKey && `distkey ${o.distKey}`, o.sortKeys && `${o.sortStyle ?? "compound"} sortkey ${o.sortKeys.join(",")}`].filter(Boolean).join(" ")})`).join(", ")}`);
  if (report.guards.onlyInProd.length) lines.push(`prod-only actions: ${report.guards.onlyInProd.join(", ")}`);
  if (report.guards.onlyInLocal.length) lines.push(`local-only actions: ${report.guards.onlyInLocal.join(", ")}`);
  lines.push(report.failures.length === 0 ? "all prod checks passed" : `${report.failures.length} failure(s):`);
  for (const f of report.failures) lines.push(`  ✗ ${f}`);
  return lines.join("\n");
}
