/**
 * Column-level lineage of one SELECT statement, from node-sql-parser's AST: for each output column, the
 * input columns (`table.column`) it is computed from and how (copied, transformed, aggregated, or only used
 * to filter/join/group the rows). Resolves through CTEs (nested too), subqueries, joins, window functions,
 * unions and `select *` (expanded from the columns the caller knows of each table). What cannot be resolved
 * is said on the column (`unresolved`), never guessed. Pure: no I/O; shared by the graph build and the CLI.
 */
import { createRequire } from "node:module";
import { composeKind, mergeKind, RANK, type ColumnInput, type ColumnLineage, type LineageKind } from "./lineage-kind.ts";

export { KIND_LABEL, composeKind, mergeKind, type ColumnInput, type ColumnLineage, type LineageKind } from "./lineage-kind.ts";

export interface QueryLineage {
  columns: ColumnLineage[];
  /** Set when the statement could not be parsed or is not a SELECT: then `columns` is empty. */
  error?: string;
}

export interface LineageContext {
  /** The id of a table the SQL names (`db` is the schema when written `schema.table`). */
  tableId(db: string | undefined, table: string): string;
  /** The columns of a table, in order, when known (for `select *` and unqualified names). */
  columnsOf(tableId: string): string[] | undefined;
  /** Grammar: "postgresql" (default) or "redshift". */
  dialect?: "postgresql" | "redshift";
}

// ---------------------------------------------------------------------------------------------------------
// Dependency sets

class Deps {
  readonly inputs = new Map<string, ColumnInput>();
  readonly unresolved: string[] = [];

  add(input: ColumnInput): void {
    const key = `${input.table}\u0000${input.column}`;
    const known = this.inputs.get(key);
    this.inputs.set(key, known ? { ...known, kind: mergeKind(known.kind, input.kind) } : input);
  }

  /** Adds `other` seen through a hop of kind `via`. */
  addAll(other: Deps, via: LineageKind): void {
    for (const input of other.inputs.values()) this.add({ ...input, kind: composeKind(via, input.kind) });
    for (const u of other.unresolved) this.miss(u);
  }

  miss(reason: string): void {
    if (!this.unresolved.includes(reason)) this.unresolved.push(reason);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Relations in scope

interface Relation {
  /** The name it is referred to by (alias, CTE name or table name), lower case. */
  name: string;
  /** A table of the project, when the relation is one. */
  table?: string;
  /** Output columns in order, when known. */
  columns?: { name: string; deps: Deps }[];
}

interface Scope {
  relations: Relation[];
  ctes: Map<string, Relation>;
  parent?: Scope;
  /** Output columns of the select being built (Redshift lets later select items use earlier aliases). */
  outputs?: { name: string; deps: Deps }[];
}

// node-sql-parser's AST is untyped JSON: nodes are read through this loose shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = any;

const lower = (s: string) => s.toLowerCase();

/** An identifier's text: a string, `{ expr: { value } }` or `{ value }`. */
function ident(value: Node): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    if (typeof value.value === "string") return value.value;
    if (value.expr) return ident(value.expr);
  }
  return undefined;
}

function baseRelation(table: string, name: string, ctx: LineageContext): Relation {
  const columns = ctx.columnsOf(table);
  return {
    name,
    table,
    ...(columns ? { columns: columns.map((c) => baseColumn(table, c)) } : {}),
  };
}

function baseColumn(table: string, column: string): { name: string; deps: Deps } {
  const deps = new Deps();
  deps.add({ table, column, kind: "copied" });
  return { name: column, deps };
}

function findCte(scope: Scope | undefined, name: string): Relation | undefined {
  for (let s = scope; s; s = s.parent) {
    const hit = s.ctes.get(name);
    if (hit) return hit;
  }
  return undefined;
}

/** Resolves a column reference in a scope (then its parents, for correlated subqueries). */
function resolveColumn(scope: Scope, table: string | undefined, column: string): Deps {
  const col = lower(column);
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (table !== undefined) {
      const t = lower(table);
      const rel = s.relations.find((r) => r.name === t || (r.table !== undefined && lower(r.table) === t));
      if (!rel) continue;
      return columnOf(rel, col, column);
    }
    const having = s.relations.filter((r) => r.columns?.some((c) => lower(c.name) === col));
    const unknown = s.relations.filter((r) => !r.columns);
    if (unknown.length === 1 && s.relations.length === 1) return columnOf(unknown[0], col, column);
    if (having.length > 1) return missing(`${column} is ambiguous (in ${having.map((r) => r.table ?? r.name).join(", ")})`);
    // With a relation of unknown columns beside it, a name found elsewhere could still be its: not guessed.
    if (having.length === 1 && unknown.length === 0) return columnOf(having[0], col, column);
    if (unknown.length > 0) return missing(`${column}: not in a known column list, and ${unknown.map((r) => r.table ?? r.name).join(", ")} ${unknown.length > 1 ? "have" : "has"} unknown columns`);
    const earlier = s.outputs?.find((o) => lower(o.name) === col);
    if (earlier) return earlier.deps;
  }
  return missing(`${table ? `${table}.` : ""}${column}: no such column in scope`);
}

function columnOf(rel: Relation, col: string, display: string): Deps {
  if (!rel.columns) {
    if (rel.table) {
      const deps = new Deps();
      deps.add({ table: rel.table, column: col, kind: "copied" });
      return deps;
    }
    return missing(`${rel.name}.${display}: columns of ${rel.name} unknown`);
  }
  const hit = rel.columns.find((c) => lower(c.name) === col);
  if (hit) return hit.deps;
  if (rel.table) return missing(`${rel.table}.${display}: not a known column of ${rel.table}`);
  return missing(`${rel.name}.${display}: no such column in ${rel.name}`);
}

function missing(reason: string): Deps {
  const deps = new Deps();
  deps.miss(reason);
  return deps;
}

// ---------------------------------------------------------------------------------------------------------
// Expressions

const AGGREGATE_TYPES = new Set(["aggr_func"]);
const AGGREGATE_NAMES = new Set(["listagg", "string_agg", "array_agg", "bool_and", "bool_or", "median", "percentile_cont", "percentile_disc", "stddev", "variance", "approximate"]);

function functionName(expr: Node): string {
  const name = expr.name;
  if (typeof name === "string") return lower(name);
  if (name?.name && Array.isArray(name.name)) return lower(name.name.map((p: Node) => ident(p) ?? "").join("."));
  return "";
}

/** Collects the columns an expression reads, each with `kind` composed along the way. */
function exprDeps(expr: Node, scope: Scope, ctx: LineageContext, kind: LineageKind, into: Deps): void {
  if (expr === null || typeof expr !== "object") return;
  if (Array.isArray(expr)) {
    for (const e of expr) exprDeps(e, scope, ctx, kind, into);
    return;
  }
  if (expr.ast) {
    // A subquery inside an expression: everything it reads, values and filters alike.
    const sub = selectLineage(expr.ast, scope, ctx);
    for (const c of sub) into.addAll(c.deps, kind === "copied" ? "transformed" : kind);
    return;
  }
  switch (expr.type) {
    case "column_ref": {
      const column = ident(expr.column);
      if (column === undefined || column === "*") return;
      const table = ident(expr.table);
      into.addAll(resolveColumn(scope, table ?? undefined, column), kind);
      return;
    }
    case "star":
      return;
    case "select":
      for (const c of selectLineage(expr, scope, ctx)) into.addAll(c.deps, kind === "copied" ? "transformed" : kind);
      return;
  }
  const aggregate = AGGREGATE_TYPES.has(expr.type) || (expr.type === "function" && AGGREGATE_NAMES.has(functionName(expr)));
  const inner: LineageKind = kind === "filter" ? "filter" : aggregate ? "aggregated" : kind === "aggregated" ? "aggregated" : "transformed";
  for (const [key, value] of Object.entries(expr)) {
    if (key === "over" && value) {
      // Window: the values it reads are `inner`; the partition and order columns shape the value too.
      exprDeps(value, scope, ctx, kind === "filter" ? "filter" : kind === "aggregated" ? "aggregated" : "transformed", into);
      continue;
    }
    if (value && typeof value === "object") exprDeps(value, scope, ctx, inner, into);
  }
}

/** The name PostgreSQL gives an output column without an alias. */
function implicitName(expr: Node): string {
  if (!expr || typeof expr !== "object") return "?column?";
  if (expr.type === "column_ref") return ident(expr.column) ?? "?column?";
  if (expr.type === "cast") return implicitName(expr.expr);
  if (expr.type === "aggr_func" || expr.type === "function" || expr.type === "window_func") return functionName(expr) || "?column?";
  return "?column?";
}

// ---------------------------------------------------------------------------------------------------------
// Statements

function withClause(stmt: Node, scope: Scope, ctx: LineageContext): Scope {
  const withs: Node[] = Array.isArray(stmt.with) ? stmt.with : stmt.with?.value ?? [];
  if (!withs.length) return scope;
  const inner: Scope = { relations: [], ctes: new Map(), parent: scope };
  for (const w of withs) {
    const name = lower(ident(w.name) ?? "");
    const body = w.stmt?.ast ?? w.stmt;
    const columns = selectLineage(body, inner, ctx);
    const aliases: Node[] = w.columns ?? [];
    inner.ctes.set(name, {
      name,
      columns: columns.map((c, i) => ({ name: ident(aliases[i]) ?? c.name, deps: c.deps })),
    });
  }
  return inner;
}

const JOIN_WORDS = new Set(["cross", "natural", "inner", "left", "right", "full", "join", "outer"]);

function fromRelations(from: Node[], scope: Scope, ctx: LineageContext, filters: Deps): Relation[] {
  const relations: Relation[] = [];
  for (const item of from ?? []) {
    const written = item.as ? lower(ident(item.as) ?? String(item.as)) : undefined;
    // node-sql-parser 5.4 reads `from t cross join u` as t aliased "cross": a join keyword is no alias.
    const alias = written && !JOIN_WORDS.has(written) ? written : undefined;
    if (item.expr?.ast || item.expr?.type === "select") {
      const columns = selectLineage(item.expr.ast ?? item.expr, scope, ctx);
      relations.push({ name: alias ?? "?subquery", columns: columns.map((c) => ({ name: c.name, deps: c.deps })) });
    } else if (typeof item.table === "string") {
      const db = item.db ? String(ident(item.db) ?? item.db) : undefined;
      const cte = db ? undefined : findCte(scope, lower(item.table));
      if (cte) relations.push({ ...cte, name: alias ?? cte.name });
      else {
        const table = ctx.tableId(db, item.table);
        relations.push(baseRelation(table, alias ?? lower(item.table), ctx));
      }
    } else {
      // A table function or VALUES list: its columns are not traced.
      relations.push({ name: alias ?? "?relation" });
    }
  }
  // Join conditions see every relation of the FROM clause.
  const joinScope: Scope = { relations, ctes: new Map(), parent: scope };
  for (const item of from ?? []) {
    if (item.on) exprDeps(item.on, joinScope, ctx, "filter", filters);
    for (const u of item.using ?? []) {
      const name = ident(u);
      if (name) for (const rel of relations) if (rel.columns?.some((c) => lower(c.name) === lower(name))) filters.addAll(columnOf(rel, lower(name), name), "filter");
    }
  }
  return relations;
}

interface OutColumn {
  name: string;
  deps: Deps;
}

/** Output columns of a SELECT (with its WITH clause and any UNION branches). */
function selectLineage(stmt: Node, parent: Scope | undefined, ctx: LineageContext): OutColumn[] {
  if (!stmt || typeof stmt !== "object") return [];
  if (stmt.ast) return selectLineage(stmt.ast, parent, ctx);
  const withScope = withClause(stmt, parent ?? { relations: [], ctes: new Map() }, ctx);
  const first = singleSelect(stmt, withScope, ctx, stmt);
  // UNION / INTERSECT / EXCEPT: columns by position, named by the first branch.
  for (let next = stmt._next; next; next = next._next) {
    const branch = singleSelect(next, withScope, ctx);
    first.forEach((c, i) => {
      if (branch[i]) c.deps.addAll(branch[i].deps, "copied");
      else c.deps.miss(`${c.name}: a ${stmt.set_op ?? "union"} branch has fewer columns`);
    });
  }
  return first;
}

function singleSelect(stmt: Node, parent: Scope, ctx: LineageContext, first?: Node): OutColumn[] {
  if (stmt.type !== "select") return [];
  // A UNION branch may have a WITH clause of its own; the first branch's was read by selectLineage.
  const scope0 = stmt.with && stmt !== first ? withClause(stmt, parent, ctx) : parent;
  const filters = new Deps();
  const relations = fromRelations(stmt.from ?? [], scope0, ctx, filters);
  const outputs: OutColumn[] = [];
  const scope: Scope = { relations, ctes: new Map(), parent: scope0, outputs };
  if (stmt.where) exprDeps(stmt.where, scope, ctx, "filter", filters);
  if (stmt.having) exprDeps(stmt.having, scope, ctx, "filter", filters);
  const groupBy: Node[] = stmt.groupby?.columns ?? (Array.isArray(stmt.groupby) ? stmt.groupby : []);

  const columns: Node[] = stmt.columns === "*" ? [{ expr: { type: "column_ref", column: "*" } }] : stmt.columns ?? [];
  for (const item of columns) {
    const expr = item.expr ?? item;
    if (expr.type === "column_ref" && ident(expr.column) === "*") {
      const table = ident(expr.table);
      const rels = table ? relations.filter((r) => r.name === lower(table)) : relations;
      if (rels.length === 0) outputs.push({ name: "*", deps: missing(`${table}.*: no such relation`) });
      for (const rel of rels) {
        if (!rel.columns) outputs.push({ name: "*", deps: missing(`${rel.table ?? rel.name}.*: its columns are unknown, so * cannot be expanded`) });
        else for (const c of rel.columns) outputs.push({ name: c.name, deps: c.deps });
      }
      continue;
    }
    const deps = new Deps();
    exprDeps(expr, scope, ctx, expr.type === "column_ref" ? "copied" : "transformed", deps);
    outputs.push({ name: item.as ? (ident(item.as) ?? String(item.as)) : implicitName(expr), deps });
  }

  // GROUP BY keys may name an output alias (PostgreSQL): they shape every aggregated value like a filter.
  for (const g of groupBy) {
    if (g?.type === "number") {
      const out = outputs[Number(g.value) - 1];
      if (out) filters.addAll(out.deps, "filter");
      continue;
    }
    const name = g?.type === "column_ref" && !g.table ? ident(g.column) : undefined;
    const alias = name && !relations.some((r) => r.columns?.some((c) => lower(c.name) === lower(name))) ? outputs.find((o) => lower(o.name) === lower(name)) : undefined;
    if (alias) filters.addAll(alias.deps, "filter");
    else exprDeps(g, scope, ctx, "filter", filters);
  }

  // Rows are chosen by the WHERE, JOIN, GROUP BY and HAVING columns: each output column depends on them.
  return outputs.map((o) => {
    const deps = new Deps();
    deps.addAll(o.deps, "copied");
    deps.addAll(filters, "filter");
    return { name: o.name, deps };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

interface SqlParser {
  astify(sql: string, options?: { database?: string }): unknown;
}
const require = createRequire(import.meta.url);
const parsers = new Map<string, SqlParser>();

function parser(dialect: "postgresql" | "redshift"): SqlParser {
  let p = parsers.get(dialect);
  if (!p) {
    // node-sql-parser ships CommonJS with one build per dialect.
    const { Parser } = require(`node-sql-parser/build/${dialect}`) as { Parser: new () => SqlParser };
    p = new Parser();
    parsers.set(dialect, p);
  }
  return p;
}

function parse(sql: string, dialect: "postgresql" | "redshift"): Node {
  const other = dialect === "postgresql" ? "redshift" : "postgresql";
  try {
    return parser(dialect).astify(sql, { database: dialect });
  } catch (error) {
    try {
      return parser(other).astify(sql, { database: other });
    } catch {
      throw error;
    }
  }
}

/** Lineage of one statement; a statement that does not parse or is not a SELECT gives `error` and no columns. */
export function queryLineage(sql: string, ctx: LineageContext): QueryLineage {
  let ast: Node;
  try {
    ast = parse(sql, ctx.dialect ?? "postgresql");
  } catch (error) {
    const e = error as Error & { location?: { start: { line: number; column: number } } };
    const at = e.location ? ` at line ${e.location.start.line}, column ${e.location.start.column}` : "";
    return { columns: [], error: `the SQL does not parse${at}: ${e.message.split("\n")[0].slice(0, 160)}` };
  }
  const stmt = Array.isArray(ast) ? (ast.length === 1 ? ast[0] : undefined) : ast;
  if (!stmt || stmt.type !== "select") return { columns: [], error: `not a single SELECT statement (${Array.isArray(ast) ? `${ast.length} statements` : stmt?.type ?? "empty"})` };
  const columns = selectLineage(stmt, undefined, ctx);
  return {
    columns: columns.map((c) => ({
      name: c.name,
      inputs: [...c.deps.inputs.values()].sort((a, b) => RANK[b.kind] - RANK[a.kind] || a.table.localeCompare(b.table) || a.column.localeCompare(b.column)),
      unresolved: c.deps.unresolved,
    })),
  };
}
