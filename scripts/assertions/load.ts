import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import { LakehouseError } from "../core/errors.ts";
import { fromRoot, PROJECT_ROOT } from "../core/paths.ts";
import { ENTITIES } from "../land/layout.ts";
import { SILVER_TABLES } from "../silver/tables.ts";
import { MAX_NAME_LENGTH, type FreshnessReference, type ModelRules, type Rule, type RuleArgs, type RuleSet, type RuleType, type Scalar, type Severity } from "./types.ts";

/** The folder of the rule files and their JSON Schema. */
export const ASSERTIONS_DIR = fromRoot("assertions");

// A schema may hold single underscores (gold_internal); the first "__" separates it from the table.
const MODEL_ID = /^([a-z][a-z0-9]*(?:_[a-z0-9]+)*)__([a-z_][a-z0-9_]*)$/;
const COLUMN_RULES = ["not_null", "unique", "accepted_values", "relationships", "accepted_range", "length", "expression", "uniqueness_ratio", "freshness"];
const MODEL_RULES = ["unique", "expression", "row_count", "freshness", "non_overlapping"];
const ROOT_KEYS = ["description", "tags", "rules", "columns"];

/** Thrown for a bad rule file: names the file, the line and the reason. */
export class RuleFileError extends LakehouseError {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    message: string,
    field?: string,
  ) {
    super("assertions", message, { file, record: line, field }, "see assertions/README.md (format) and assertions/schema.json");
    this.name = "RuleFileError";
  }
}

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(fs.readFileSync(path.join(ASSERTIONS_DIR, "schema.json"), "utf8"));
    validator = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true }).compile(schema);
  }
  return validator;
}

/** Splits a model id `<schema>__<table>` (at the first `__`); null when it is not one. */
export function splitModelId(id: string): { schema: string; table: string } | null {
  const m = MODEL_ID.exec(id);
  return m ? { schema: m[1], table: m[2] } : null;
}

type Segment = string | number;

function pointerToSegments(pointer: string): Segment[] {
  return pointer
    .split("/")
    .slice(1)
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** `columns.track_id[0].length.exact` */
function describePath(segments: Segment[]): string {
  let out = "";
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : out ? `.${s}` : s;
  return out || "(file)";
}

/** Line numbers of a parsed document: of a path's value, or of a map key when `key` is set. */
class Lines {
  constructor(
    private readonly root: YamlNode | null,
    private readonly counter: LineCounter,
  ) {}

  private lineOf(node: unknown): number | undefined {
    const range = (node as YamlNode | null)?.range;
    return range ? this.counter.linePos(range[0]).line : undefined;
  }

  /** The line of the deepest existing node on the path; with `key`, the line of the last segment's key. */
  at(segments: Segment[], key?: string): number | undefined {
    let node: unknown = this.root;
    let line = this.lineOf(node) ?? 1;
    const all = key === undefined ? segments : [...segments, key];
    for (let i = 0; i < all.length; i++) {
      const segment = all[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) return line;
        line = this.lineOf(pair.key) ?? line;
        if (i === all.length - 1 && key !== undefined) return line;
        node = pair.value;
        line = this.lineOf(node) ?? line;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        line = this.lineOf(node) ?? line;
      } else {
        return line;
      }
    }
    return line;
  }
}

function valueAt(data: unknown, segments: Segment[]): unknown {
  let v = data;
  for (const s of segments) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[s as string];
  }
  return v;
}

/** Where a rule sits: `rules[i]` (model level) or `columns.<c>[i]`. */
function ruleLevel(segments: Segment[]): "model" | "column" | null {
  if (segments.length === 2 && segments[0] === "rules" && typeof segments[1] === "number") return "model";
  if (segments.length === 3 && segments[0] === "columns" && typeof segments[2] === "number") return "column";
  return null;
}

/** One ajv error as a line and a sentence a person can act on. */
function explain(error: ErrorObject, data: unknown, lines: Lines): { line: number | undefined; field: string; message: string } {
  const segments = pointerToSegments(error.instancePath);
  const field = describePath(segments);
  const level = ruleLevel(segments);
  const value = valueAt(data, segments);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "additionalProperties") {
    const extra = String(params.additionalProperty);
    const line = lines.at(segments, extra);
    if (segments.length === 0) return { line, field: extra, message: `unknown key "${extra}" (expected ${ROOT_KEYS.join(", ")})` };
    if (level === "model") {
      const hint = COLUMN_RULES.includes(extra) ? `"${extra}" is a column rule: put it under columns.<column>` : `model rules are ${MODEL_RULES.join(", ")}`;
      return { line, field: `${field}.${extra}`, message: `unknown rule "${extra}" at model level (${hint})` };
    }
    if (level === "column") {
      const hint = MODEL_RULES.includes(extra) ? `"${extra}" is a model rule: put it under rules` : `column rules are ${COLUMN_RULES.join(", ")}`;
      return { line, field: `${field}.${extra}`, message: `unknown rule "${extra}" (${hint})` };
    }
    const known = Object.keys(((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
    return { line, field: `${field}.${extra}`, message: `unknown argument "${extra}" of ${field}${known.length ? ` (expected ${known.join(", ")})` : ""}` };
  }
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    const name = propertyName;
    return { line: lines.at(segments, name), field: `${field}.${name}`, message: `column name "${name}" must be a lower-case identifier` };
  }
  const line = lines.at(segments);
  const last = segments.length ? String(segments.at(-1)) : "the file";
  if (level === "column" && typeof value === "string") {
    if (COLUMN_RULES.includes(value)) return { line, field, message: `rule "${value}" needs arguments: write it as "${value}: {…}"` };
    if (MODEL_RULES.includes(value)) return { line, field, message: `"${value}" is a model rule: put it under rules` };
    return { line, field, message: `unknown rule "${value}" (column rules are ${COLUMN_RULES.join(", ")})` };
  }
  if ((level === "column" || level === "model") && (error.keyword === "maxProperties" || error.keyword === "minProperties")) {
    return { line, field, message: `a list item must hold exactly one rule (write each rule as its own "- rule: {…}")` };
  }
  if (segments.at(-1) === "reference" && (error.keyword === "const" || error.keyword === "type" || error.keyword === "oneOf")) {
    return { line, field, message: `reference must be "now", {model, column} or {landed: <source>/<entity>}` };
  }
  if (error.keyword === "required") {
    return { line, field, message: `${last} needs "${String(params.missingProperty)}"` };
  }
  if (error.keyword === "pattern") {
    if (last === "to" || last === "model") return { line, field, message: `${last} must be a model id <schema>__<table>, got ${JSON.stringify(value)}` };
    if (last === "max_age") return { line, field, message: `max_age must read like "1 day", "36 hours" or "0 days", got ${JSON.stringify(value)}` };
    return { line, field, message: `${last} ${JSON.stringify(value)} must match ${String(params.pattern)}` };
  }
  if (error.keyword === "enum") return { line, field, message: `${last} must be one of ${(params.allowedValues as unknown[]).join(", ")}` };
  if (error.keyword === "type") return { line, field, message: `${last} must be ${String(params.type).replace(/,/g, " or ").replace("array", "a list").replace("object", "a map")}` };
  return { line, field, message: `${last} ${error.message ?? "is invalid"}` };
}

/** Vague keywords (a branch of a oneOf/if did not match) lose to specific ones on the same line. */
const VAGUE = new Set(["const", "oneOf", "anyOf", "if", "propertyNames"]);

/** Picks the error to report: the first in the file, the most specific on its line. */
function firstError(errors: ErrorObject[], data: unknown, lines: Lines) {
  // A vague error (a oneOf/if branch did not match) goes when a specific one is in the same subtree.
  const useful = errors.filter((e) => !VAGUE.has(e.keyword) || !errors.some((o) => !VAGUE.has(o.keyword) && o.instancePath.startsWith(e.instancePath)));
  const explained = (useful.length ? useful : errors).map((e) => ({ e, ...explain(e, data, lines) }));
  explained.sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || Number(VAGUE.has(a.e.keyword)) - Number(VAGUE.has(b.e.keyword)) || b.e.instancePath.length - a.e.instancePath.length,
  );
  return explained[0];
}

interface RawRule {
  type: RuleType;
  column: string | null;
  args: Record<string, unknown>;
  segments: Segment[];
}

/** The assertion name: `<model>__<type>[__<part>]`, cut to 63 characters with a stable hash when longer. */
export function assertionName(model: string, type: string, part: string | null): string {
  const full = `${model}__${type}${part ? `__${part}` : ""}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = createHash("sha1").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, MAX_NAME_LENGTH - 9)}_${hash}`;
}

function describeRule(type: RuleType, column: string | null, args: RuleArgs, where: string | null): string {
  const c = column ?? "";
  const list = (xs: string[] | undefined) => (xs ?? []).join(", ");
  let text: string;
  switch (type) {
    case "not_null":
      text = `${c} is never null`;
      break;
    case "unique":
      text = args.columns!.length > 1 ? `(${list(args.columns)}) is unique` : `${args.columns![0]} is unique`;
      break;
    case "accepted_values":
      text = `${c} is one of ${args.values!.map((v) => JSON.stringify(v)).join(", ")}`;
      break;
    case "relationships":
      text = `every ${c} exists in ${args.to}.${args.field}${args.to_where ? ` where ${args.to_where}` : ""}`;
      break;
    case "accepted_range": {
      const op = args.inclusive === false ? "<" : "≤";
      text = [args.min !== undefined ? `${args.min} ${op}` : "", c, args.max !== undefined ? `${op} ${args.max}` : ""].filter(Boolean).join(" ");
      break;
    }
    case "length":
      text =
        args.exact !== undefined
          ? `${c} is ${args.exact} characters long`
          : `${c} is ${[args.min !== undefined ? `at least ${args.min}` : "", args.max !== undefined ? `at most ${args.max}` : ""].filter(Boolean).join(" and ")} characters long`;
      break;
    case "expression":
      text = `${args.expression}`;
      break;
    case "row_count": {
      const per = args.group_by ? ` per ${list(args.group_by)}` : "";
      const what = args.count ? `${args.count}` : "row count";
      if (args.equal_to?.landed) text = `${what}${per} = landed - quarantined rows of ${args.equal_to.landed}`;
      else if (args.equal_to) text = `${what}${per} = ${args.equal_to.count ?? "row count"} of ${args.equal_to.model}${args.equal_to.where ? ` where ${args.equal_to.where}` : ""}`;
      else text = `${what} ${[args.min !== undefined ? `≥ ${args.min}` : "", args.max !== undefined ? `≤ ${args.max}` : ""].filter(Boolean).join(" and ")}`;
      break;
    }
    case "freshness": {
      const ref = args.reference!;
      const against = "landed" in ref ? `the newest landed ${ref.landed} partition` : "model" in ref ? `max(${ref.model}.${ref.column})` : "now";
      text = `newest ${args.column} is at most ${args.max_age} older than ${against}`;
      break;
    }
    case "non_overlapping":
      text = `[${args.from}, ${args.to}) ranges do not overlap per ${list(args.key)}`;
      break;
    case "uniqueness_ratio":
      text = `distinct ${c} / rows ≥ ${args.min}${args.group_by ? ` per ${list(args.group_by)}` : ""}`;
      break;
  }
  return where ? `${text} (rows where ${where})` : text;
}

/** Parses, validates and normalises one rule file. `file` is the path shown in errors (relative to the root). */
export function parseRuleFile(file: string, text: string): ModelRules {
  const base = path.basename(file);
  const id = base.replace(/\.ya?ml$/, "");
  const split = splitModelId(id);
  if (!split || !/\.yaml$/.test(base)) {
    throw new RuleFileError(file, 1, `the file name must be <schema>__<table>.yaml (a model id such as gold__dim_songs), got "${base}"`);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const line = first.linePos?.[0].line ?? (first.pos ? counter.linePos(first.pos[0]).line : undefined);
    throw new RuleFileError(file, line, `invalid YAML: ${first.message.split("\n")[0]}`);
  }
  const data = doc.toJS() ?? {};
  const lines = new Lines(doc.contents as YamlNode | null, counter);
  if (typeof data !== "object" || Array.isArray(data)) throw new RuleFileError(file, 1, "a rule file is a map with rules and/or columns");
  const validate = schemaValidator();
  if (!validate(data)) {
    const error = firstError(validate.errors ?? [], data, lines);
    throw new RuleFileError(file, error.line, error.message, error.field);
  }
  const fail = (segments: Segment[], message: string, key?: string): never => {
    throw new RuleFileError(file, lines.at(segments, key), message, describePath(key ? [...segments, key] : segments));
  };

  // Collect the rules in file order.
  const raw: RawRule[] = [];
  const body = data as { description?: string; tags?: string[]; rules?: Record<string, unknown>[]; columns?: Record<string, unknown[]> };
  (body.rules ?? []).forEach((item, i) => {
    const [type, args] = Object.entries(item)[0];
    raw.push({ type: type as RuleType, column: null, args: (args ?? {}) as Record<string, unknown>, segments: ["rules", i, type] });
  });
  for (const [column, items] of Object.entries(body.columns ?? {})) {
    items.forEach((item, i) => {
      if (typeof item === "string") raw.push({ type: item as RuleType, column, args: {}, segments: ["columns", column, i] });
      else {
        const [type, args] = Object.entries(item as Record<string, unknown>)[0];
        raw.push({ type: type as RuleType, column, args: (args ?? {}) as Record<string, unknown>, segments: ["columns", column, i, type] });
      }
    });
  }

  const silver = split.schema === "silver" ? SILVER_TABLES.find((t) => t.name === split.table) : undefined;
  if (split.schema === "silver" && !silver) fail([], `silver has no table "${split.table}" (scripts/silver/tables.ts: ${SILVER_TABLES.map((t) => t.name).join(", ")})`);
  /** Silver columns are known here: a misspelt one fails now, not at run time. */
  const checkColumn = (model: string, column: string, segments: Segment[], key?: string) => {
    const m = splitModelId(model);
    if (m?.schema !== "silver") return;
    const table = SILVER_TABLES.find((t) => t.name === m.table);
    if (!table) return fail(segments, `silver has no table "${m.table}"`, key);
    if (!table.columns.some((c) => c.name === column)) fail(segments, `silver.${m.table} has no column "${column}"`, key);
  };
  const checkSql = (value: unknown, segments: Segment[], key: string) => {
    if (typeof value === "string" && value.includes(";")) fail(segments, `${key} must be one SQL expression without ";"`, key);
  };
  const checkLanded = (value: string, segments: Segment[], key: string) => {
    if (!(ENTITIES as readonly string[]).includes(value)) fail(segments, `landed must be one of ${ENTITIES.join(", ")}, got "${value}"`, key);
  };

  const rules: Rule[] = [];
  const seen = new Map<string, number | undefined>();
  for (const r of raw) {
    const a = r.args as Record<string, unknown>;
    const seg = r.segments;
    const severity = (a.severity as Severity | undefined) ?? "error";
    const where = (a.where as string | undefined) ?? null;
    for (const key of ["where", "expression", "to_where", "count"]) checkSql(a[key], seg, key);
    if (r.column) checkColumn(id, r.column, ["columns"], r.column);
    const args: RuleArgs = {};
    let part: string | null = r.column;
    switch (r.type) {
      case "not_null":
        break;
      case "unique":
        args.columns = r.column ? [r.column] : (a.columns as string[]);
        if (!r.column) {
          args.columns.forEach((c) => checkColumn(id, c, seg, "columns"));
          part = args.columns.join("__");
        }
        break;
      case "accepted_values":
        args.values = a.values as Scalar[];
        args.values.forEach((v, i) => {
          if (typeof v === "string" && v.includes("\u0000")) fail([...seg, "values", i], "a value cannot contain a NUL character");
          if (typeof v === "number" && !Number.isFinite(v)) fail([...seg, "values", i], "a value must be a finite number");
        });
        break;
      case "relationships":
        args.to = a.to as string;
        args.field = a.field as string;
        if (a.to_where !== undefined) args.to_where = a.to_where as string;
        checkColumn(args.to, args.field, seg, "field");
        break;
      case "accepted_range":
        if (a.min === undefined && a.max === undefined) fail(seg, "accepted_range needs min and/or max");
        if (typeof a.min === "number" && typeof a.max === "number" && a.min > a.max) fail(seg, `accepted_range min ${a.min} is greater than max ${a.max}`, "min");
        if (a.min !== undefined) args.min = a.min as number | string;
        if (a.max !== undefined) args.max = a.max as number | string;
        if (a.inclusive === false) args.inclusive = false;
        break;
      case "length":
        if (a.exact === undefined && a.min === undefined && a.max === undefined) fail(seg, "length needs exact, or min and/or max");
        if (a.exact !== undefined && (a.min !== undefined || a.max !== undefined)) fail(seg, "length takes exact, or min/max, not both", "exact");
        if (typeof a.min === "number" && typeof a.max === "number" && a.min > a.max) fail(seg, `length min ${a.min} is greater than max ${a.max}`, "min");
        for (const k of ["exact", "min", "max"] as const) if (a[k] !== undefined) args[k] = a[k] as number;
        break;
      case "expression":
        args.expression = a.expression as string;
        break;
      case "uniqueness_ratio":
        args.min = a.min as number;
        if (a.group_by) {
          args.group_by = a.group_by as string[];
          args.group_by.forEach((c) => checkColumn(id, c, seg, "group_by"));
        }
        break;
      case "row_count": {
        const equal = a.equal_to as RuleArgs["equal_to"] | undefined;
        if (equal) {
          if (a.min !== undefined || a.max !== undefined) fail(seg, "row_count takes min/max, or equal_to, not both", "equal_to");
          if (Boolean(equal.model) === Boolean(equal.landed)) fail([...seg, "equal_to"], "equal_to needs exactly one of model, landed");
          checkSql(equal.where, [...seg, "equal_to"], "where");
          checkSql(equal.count, [...seg, "equal_to"], "count");
          args.equal_to = {};
          if (equal.model) args.equal_to.model = equal.model;
          if (equal.landed) {
            checkLanded(equal.landed, [...seg, "equal_to"], "landed");
            args.equal_to.landed = equal.landed;
            const groupBy = (a.group_by as string[] | undefined) ?? ["ingest_on"];
            if (groupBy.length !== 1 || groupBy[0] !== "ingest_on") fail(seg, "a comparison with landed counts is per ingest_on: group_by must be [ingest_on] or absent", "group_by");
            a.group_by = groupBy;
          }
          if (equal.where) args.equal_to.where = equal.where;
          if (equal.count) args.equal_to.count = equal.count;
        } else {
          if (a.min === undefined && a.max === undefined) fail(seg, "row_count needs min and/or max, or equal_to");
          if (a.group_by) fail(seg, "group_by only goes with equal_to", "group_by");
          if (typeof a.min === "number" && typeof a.max === "number" && a.min > a.max) fail(seg, `row_count min ${a.min} is greater than max ${a.max}`, "min");
          if (a.min !== undefined) args.min = a.min as number;
          if (a.max !== undefined) args.max = a.max as number;
        }
        if (a.count) args.count = a.count as string;
        if (a.group_by) {
          args.group_by = a.group_by as string[];
          args.group_by.forEach((c) => {
            checkColumn(id, c, seg, "group_by");
            if (args.equal_to?.model) checkColumn(args.equal_to.model, c, seg, "group_by");
          });
        }
        part = (a.name as string | undefined) ?? null;
        break;
      }
      case "freshness": {
        args.column = r.column ?? (a.column as string);
        if (!r.column) {
          checkColumn(id, args.column, seg, "column");
          part = args.column;
        }
        args.max_age = a.max_age as string;
        const ref = a.reference as string | Record<string, string> | undefined;
        let reference: FreshnessReference = { now: true };
        if (ref && typeof ref === "object") {
          if (Boolean(ref.model) === Boolean(ref.landed)) fail([...seg, "reference"], "reference needs exactly one of model, landed");
          if (ref.landed) {
            if (ref.column || ref.where) fail([...seg, "reference"], "a landed reference takes no column or where (it is the newest landed ingest_on)");
            checkLanded(ref.landed, [...seg, "reference"], "landed");
            reference = { landed: ref.landed };
          } else {
            if (!ref.column) fail([...seg, "reference"], "a model reference needs column");
            checkColumn(ref.model, ref.column, [...seg, "reference"], "column");
            checkSql(ref.where, [...seg, "reference"], "where");
            reference = ref.where ? { model: ref.model, column: ref.column, where: ref.where } : { model: ref.model, column: ref.column };
          }
        }
        args.reference = reference;
        break;
      }
      case "non_overlapping":
        args.key = a.key as string[];
        args.from = a.from as string;
        args.to = a.to as string;
        if (a.inclusive_end) args.inclusive_end = true;
        [...args.key, args.from, args.to].forEach((c) => checkColumn(id, c, seg));
        part = args.key.join("__");
        break;
    }
    if (a.name) part = a.name as string;
    const name = assertionName(id, r.type, part);
    const line = lines.at(r.segments.slice(0, r.segments.findIndex((s) => typeof s === "number") + 1));
    if (seen.has(name)) {
      fail(r.segments, `two rules would both be named ${name} (the other is at line ${seen.get(name)}): give one of them a name: <suffix>`);
    }
    seen.set(name, line);
    rules.push({
      name,
      model: id,
      type: r.type,
      column: r.column,
      severity,
      where,
      args,
      description: (a.description as string | undefined) ?? describeRule(r.type, r.column, args, where),
      source: `${file}:${line}`,
    });
  }
  rules.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  return {
    id,
    schema: split.schema,
    table: split.table,
    tags: [...(body.tags ?? [])].sort(),
    description: body.description ?? null,
    file,
    rules,
  };
}

/** Every `assertions/*.yaml`, parsed and validated, sorted by model id. Names must be unique across files. */
export function loadRules(dir: string = ASSERTIONS_DIR, root: string = PROJECT_ROOT): RuleSet {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const models = files.map((f) => {
    const full = path.join(dir, f);
    return parseRuleFile(path.relative(root, full) || f, fs.readFileSync(full, "utf8"));
  });
  const names = new Map<string, string>();
  for (const model of models) {
    for (const rule of model.rules) {
      const other = names.get(rule.name);
      if (other) {
        const [file, line] = rule.source.split(/:(?=\d+$)/);
        throw new RuleFileError(file, Number(line), `assertion name ${rule.name} is also used at ${other}: give one of them a name: <suffix>`);
      }
      names.set(rule.name, rule.source);
    }
  }
  return { version: 1, models: models.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}
