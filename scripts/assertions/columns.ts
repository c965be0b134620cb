// Every column a rule names must be a column its model declares (issue 16.4): a rule on `totl` fails at
// `generate`, with the rule's file and line, instead of passing until the warehouse runs it. A model's columns
// are the ones its compiled action declares (SQLX `columns:` docs; silver declarations from the contract).
import { didYouMean } from "../cli/command.ts";
import { LakehouseError } from "../core/errors.ts";
import type { CompiledGraph } from "../dataform/compile.ts";
import { assertionsInclude } from "./sql.ts";
import type { Rule, RuleSet } from "./types.ts";

export interface ColumnProblem {
  source: string;
  rule: string;
  message: string;
}

/** The columns a rule names on its own model, and on the model a relationship points to. */
export function namedColumns(rule: Rule): { own: string[]; other?: { model: string; columns: string[] } } {
  const a = rule.args;
  const own = [rule.column, ...(a.columns ?? []), ...(a.key ?? []), ...(a.group_by ?? []), a.column, ...(rule.type === "non_overlapping" ? [a.from, a.to] : [])];
  const other = rule.type === "relationships" && a.to && a.field ? { model: a.to, columns: [a.field] } : undefined;
  return { own: [...new Set(own.filter((c): c is string => typeof c === "string" && c.length > 0))], ...(other ? { other } : {}) };
}

/** Model id (`schema__table`) → declared column names, for the models that declare any. */
export function declaredColumns(graph: CompiledGraph, ids: string[]): Map<string, Set<string>> {
  const include = assertionsInclude();
  const actions = [...(graph.tables ?? []), ...(graph.declarations ?? [])];
  const out = new Map<string, Set<string>>();
  for (const id of ids) {
    const at = id.indexOf("__");
    const schema = include.physicalSchema(id.slice(0, at), graph.projectConfig);
    const action = actions.find((x) => x.target.schema === schema && x.target.name === id.slice(at + 2));
    const columns = (action?.actionDescriptor?.columns ?? []).map((c) => c.path.join("."));
    if (columns.length) out.set(id, new Set(columns));
  }
  return out;
}

/** The rules that name a column their model (or the related model) does not declare. */
export function checkRuleColumns(set: RuleSet, graph: CompiledGraph): ColumnProblem[] {
  const rules = set.models.flatMap((m) => m.rules);
  const ids = [...new Set(rules.flatMap((r) => [r.model, ...(namedColumns(r).other ? [namedColumns(r).other!.model] : [])]))];
  const declared = declaredColumns(graph, ids);
  const problems: ColumnProblem[] = [];
  const check = (rule: Rule, model: string, columns: string[]) => {
    const known = declared.get(model);
    if (!known) return; // a model without declared columns cannot be checked here
    for (const c of columns) {
      if (known.has(c)) continue;
      const close = didYouMean(c, [...known]);
      problems.push({ source: rule.source, rule: rule.name, message: `column "${c}" is not a column of ${model}${close ? ` (did you mean "${close}"?)` : ""}; its columns: ${[...known].join(", ")}` });
    }
  };
  for (const rule of rules) {
    const { own, other } = namedColumns(rule);
    check(rule, rule.model, own);
    if (other) check(rule, other.model, other.columns);
  }
  return problems;
}

/** Throws the first problem as a one-line error naming the rule's file and line (and how many more there are). */
export function assertRuleColumns(set: RuleSet, graph: CompiledGraph): void {
  const problems = checkRuleColumns(set, graph);
  if (problems.length === 0) return;
  const [first] = problems;
  const [file, line] = first.source.split(":");
  throw new LakehouseError(
    "generate",
    `rule ${first.rule}: ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1, 4).map((p) => p.source).join(", ")})` : ""}`,
    { file, ...(line ? { record: Number(line) } : {}) },
    "name a column the model declares (its config columns:, or the silver contract)",
  );
}
