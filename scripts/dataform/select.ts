// Action selection (dbt's grammar): which compiled actions `build`, `run`, `test`, `ls` and `compile` act on.
//
//   --select "a b"        union (space-separated, and every --select value)
//   --select "a,b"        intersection
//   --exclude …           the same grammar, removed from the selection
//   name, schema.name     an action by name; globs `*` and `?` (`stg_*`, `gold.*`)
//   +x  x+  N+x  x+N      x with its ancestors / descendants (all, or N levels)
//   @x                    x, its descendants and every ancestor of those (what a rebuild of x needs)
//   tag:T path:P schema:S type:K source:S state:modified state:new
//
// Pure: no I/O except `loadState`, which reads a saved `compile --json` output.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import type { OptionSpec } from "../cli/command.ts";
import { LakehouseError } from "../core/errors.ts";
import { allActions, type CompiledAction, type CompiledGraph } from "./compile.ts";

/** One compiled action as selection sees it. `name` is Dataform's target name `schema.name`. */
export interface SelectableAction {
  /** `schema.name`; for a unit test (no target in Dataform), the test's own name. */
  name: string;
  /** table, view, incremental, assertion, operation, test, declaration. */
  type: string;
  /** The target's schema; for a unit test, the schema of the model it tests ("" when unknown). */
  schema: string;
  tags: string[];
  /** The file under the project root: definitions/… , or for a rule's assertion its assertions/….yaml. */
  file?: string;
  /** Names (`schema.name`) of the actions this one depends on; a unit test depends on the model it tests. */
  dependencies: string[];
  /** Hash of what the action runs (SQL and settings, not descriptions): `state:modified` compares it. */
  checksum?: string;
}

export interface Selection {
  select?: string[];
  exclude?: string[];
  /** For `state:modified` / `state:new`: the actions of a saved compile to compare with. */
  state?: SelectableAction[];
}

/** The `type:` values. */
export const ACTION_TYPES = ["table", "view", "incremental", "assertion", "operation", "test", "declaration"] as const;
const METHODS = ["tag", "path", "schema", "type", "source", "state"] as const;

/** The options every selecting command declares. */
export const SELECT_OPTIONS: Record<string, OptionSpec> = {
  select: { type: "string", short: "s", multiple: true, description: "dbt selection: names, globs, +x, x+, N+x, @x, tag:, path:, schema:, type:, source:, state:" },
  exclude: { type: "string", multiple: true, description: "actions to leave out (same grammar as --select)" },
  state: { type: "string", description: "a saved `compile --json` output, for state:modified / state:new" },
};

/** The options of SELECT_OPTIONS as a Selection (reads --state). */
export function selectionOf(values: Record<string, unknown>): Selection {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);
  const state = typeof values.state === "string" && values.state ? loadState(values.state) : undefined;
  return { select: list(values.select), exclude: list(values.exclude), ...(state ? { state } : {}) };
}

/** The actions of a saved `lakehouse compile --json` output (another revision), for `state:`. */
export function loadState(file: string): SelectableAction[] {
  let graph: CompiledGraph;
  try {
    graph = JSON.parse(fs.readFileSync(file, "utf8")) as CompiledGraph;
  } catch (error) {
    throw new LakehouseError("select", `--state: cannot read a compiled graph: ${(error as Error).message.split("\n")[0]}`, { file }, "save one with `lakehouse compile --json > state.json` on the base revision");
  }
  if (!graph || typeof graph !== "object" || !graph.projectConfig) {
    throw new LakehouseError("select", "--state: not a `compile --json` output (no projectConfig)", { file }, "save one with `lakehouse compile --json > state.json`");
  }
  return selectableActions(graph);
}

/** sha256 of an action's JSON with keys sorted, without the parts that do not change what it runs. */
function checksum(action: object): string {
  const skip = new Set(["fileName", "actionDescriptor", "canonicalTarget", "kind"]);
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  const kept = Object.fromEntries(Object.entries(action).filter(([k]) => !skip.has(k)));
  return createHash("sha256").update(JSON.stringify(sorted(kept))).digest("hex");
}

/** The text of a model's query between its references (`"schema"."name"`), in order. */
function fragments(query: string): string[] {
  return query.split(/"[^"]+"\."[^"]+"/).map((s) => s.trim()).filter(Boolean);
}

/**
 * The model a unit test tests. The compiled graph does not name it: a test's query is its model's query with
 * the inputs replaced by fixtures, so the model is the one whose query text between references appears, in
 * order, in the test's query (the longest such text, should two match).
 */
function testedModel(testQuery: string, models: CompiledAction[]): CompiledAction | undefined {
  let best: { model: CompiledAction; length: number } | undefined;
  for (const model of models) {
    if (!model.query) continue;
    const parts = fragments(model.query);
    let at = 0;
    const inOrder = parts.every((p) => {
      const i = testQuery.indexOf(p, at);
      at = i + p.length;
      return i >= 0;
    });
    const length = parts.join("").length;
    if (inOrder && length > 0 && (!best || length > best.length)) best = { model, length };
  }
  return best?.model;
}

const targetName = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;

/** The actions of a compiled graph, as selection sees them: Dataform's actions, then the unit tests. */
export function selectableActions(graph: CompiledGraph): SelectableAction[] {
  const actions: SelectableAction[] = allActions(graph).map((a) => {
    // A rule's assertion comes from definitions/assertions/rules.js; its description names the YAML line.
    const ruleFile = a.kind === "assertion" ? /\((assertions\/[^:()]+\.ya?ml)(?::\d+)?\)/.exec(a.actionDescriptor?.description ?? "")?.[1] : undefined;
    const file = ruleFile ?? a.fileName;
    return {
      name: targetName(a.target),
      type: a.kind,
      schema: a.target.schema,
      tags: a.tags ?? [],
      ...(file ? { file } : {}),
      dependencies: (a.dependencyTargets ?? []).map(targetName),
      checksum: checksum(a),
    };
  });
  const tests = (graph.tests ?? []) as (NonNullable<CompiledGraph["tests"]>[number] & { testQuery?: string; expectedOutputQuery?: string })[];
  for (const t of tests) {
    const model = t.testQuery ? testedModel(t.testQuery, graph.tables ?? []) : undefined;
    actions.push({
      name: t.name,
      type: "test",
      schema: model?.target.schema ?? "",
      tags: model?.tags ?? [],
      ...(t.fileName ? { file: t.fileName } : {}),
      dependencies: model ? [targetName(model.target)] : [],
      checksum: checksum(t),
    });
  }
  return actions;
}

/** `*` and `?` globs, whole-string, case-sensitive (as dbt). */
function glob(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) return (value) => value === pattern;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return (value) => re.test(value);
}

function fail(message: string, hint?: string): never {
  throw new LakehouseError("select", message, {}, hint);
}

/** One selector without graph operators, e.g. `tag:gold`, `stg_*`, `path:definitions/marts`. */
function matcher(method: string | undefined, value: string, selection: Selection, selector: string): (a: SelectableAction) => boolean {
  if (!value) fail(`selector "${selector}" has nothing after "${method ? `${method}:` : ""}"`);
  switch (method) {
    case undefined: {
      const m = glob(value);
      // `dim_users` or `gold.dim_users`; a unit test by its name.
      return (a) => m(a.name) || (a.type !== "test" && m(a.name.slice(a.name.indexOf(".") + 1)));
    }
    case "tag": {
      const m = glob(value);
      return (a) => a.tags.some(m);
    }
    case "schema": {
      const m = glob(value);
      return (a) => a.schema !== "" && m(a.schema);
    }
    case "type":
      if (!(ACTION_TYPES as readonly string[]).includes(value)) fail(`selector "${selector}": unknown type "${value}"`, `types: ${ACTION_TYPES.join(", ")}`);
      return (a) => a.type === value;
    case "path": {
      const wanted = value.replace(/^\.\//, "").replace(/\/+$/, "");
      const m = glob(wanted);
      return (a) => a.file !== undefined && (m(a.file) || a.file.startsWith(`${wanted}/`));
    }
    case "source": {
      // source:silver (every declaration of the source), source:silver.songs, globs.
      const m = glob(value.includes(".") ? value : `${value}.*`);
      return (a) => a.type === "declaration" && m(a.name);
    }
    case "state": {
      if (value !== "modified" && value !== "new") fail(`selector "${selector}": state:${value} is not known`, "use state:modified or state:new");
      if (!selection.state) fail(`selector "${selector}" needs --state`, "--state PATH: a `lakehouse compile --json` output of the revision to compare with");
      const before = new Map(selection.state.map((a) => [a.name, a]));
      return value === "new" ? (a) => !before.has(a.name) : (a) => before.has(a.name) && before.get(a.name)?.checksum !== a.checksum;
    }
    default:
      return fail(`selector "${selector}": unknown method "${method}:"`, `methods: ${METHODS.map((m) => `${m}:`).join(" ")}, or a name or glob`);
  }
}

interface Atom {
  selector: string;
  at: boolean;
  parents: number; // 0 none, Infinity all
  children: number;
  method?: string;
  value: string;
}

function parseAtom(selector: string): Atom {
  const parsed = /^(@)?(?:(\d*)\+)?(.*?)(?:\+(\d*))?$/.exec(selector);
  if (!parsed) fail(`selector "${selector}" is not valid`);
  const [, at, up, body, down] = parsed;
  if (at && up !== undefined) fail(`selector "${selector}": @ and + before a name do not combine`, "use @x, or N+x");
  const depth = (d: string | undefined) => (d === undefined ? 0 : d === "" ? Infinity : Number(d));
  const colon = /^([a-z_]+):(.*)$/.exec(body);
  return { selector, at: Boolean(at), parents: depth(up), children: depth(down), ...(colon ? { method: colon[1], value: colon[2] } : { value: body }) };
}

/** Names reached from `start` by `next`, up to `depth` steps (the start excluded). */
function walk(start: Iterable<string>, next: Map<string, string[]>, depth: number): Set<string> {
  const seen = new Set<string>();
  let frontier = [...start];
  for (let level = 0; level < depth && frontier.length; level++) {
    const following: string[] = [];
    for (const name of frontier) for (const n of next.get(name) ?? []) if (!seen.has(n)) (seen.add(n), following.push(n));
    frontier = following;
  }
  return seen;
}

/**
 * The names of the selected actions, in the order of `actions`. No `select` means every action. A selector
 * (one space-separated group, e.g. `tag:gold,+dim_users`) that matches nothing throws, naming it, except a
 * `state:` selector: "nothing changed" is a valid, empty selection.
 */
export function selectActions(actions: SelectableAction[], selection: Selection): string[] {
  const known = new Set(actions.map((a) => a.name));
  const parents = new Map(actions.map((a) => [a.name, a.dependencies.filter((d) => known.has(d))]));
  const children = new Map<string, string[]>();
  for (const [name, deps] of parents) for (const d of deps) children.set(d, [...(children.get(d) ?? []), name]);

  const atom = (text: string): Set<string> => {
    const a = parseAtom(text);
    const test = matcher(a.method, a.value, selection, text);
    const hit = new Set(actions.filter(test).map((x) => x.name));
    const out = new Set(hit);
    if (a.at) {
      const down = walk(hit, children, Infinity);
      for (const n of down) out.add(n);
      for (const n of walk([...hit, ...down], parents, Infinity)) out.add(n);
    }
    for (const n of walk(hit, parents, a.parents)) out.add(n);
    for (const n of walk(hit, children, a.children)) out.add(n);
    return out;
  };
  const group = (text: string, flag: string): Set<string> => {
    const parts = text.split(",").filter(Boolean);
    let result: Set<string> | undefined;
    for (const part of parts) {
      const hit = atom(part);
      result = result ? new Set([...result].filter((n) => hit.has(n))) : hit;
    }
    if (!result?.size && !parts.some((p) => parseAtom(p).method === "state")) {
      fail(`${flag} "${text}" matches no action`, "`lakehouse ls` lists the actions; names are schema.name or name");
    }
    return result ?? new Set();
  };
  const groups = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);

  const selected = groups(selection.select);
  const chosen = new Set<string>();
  if (selected.length === 0) for (const a of actions) chosen.add(a.name);
  for (const g of selected) for (const n of group(g, "selector")) chosen.add(n);
  for (const g of groups(selection.exclude)) for (const n of group(g, "--exclude")) chosen.delete(n);
  return actions.filter((a) => chosen.has(a.name)).map((a) => a.name);
}
