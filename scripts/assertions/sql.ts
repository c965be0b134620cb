import * as fs from "node:fs";
import * as vm from "node:vm";
import { fromRoot } from "../core/paths.ts";
import type { Rule } from "./types.ts";

/** The SQL context of a rule: how model ids become relations, which warehouse, what "now" is. */
export interface SqlContext {
  warehouse: "postgres" | "redshift";
  /** Quoted relation of a model id `<schema>__<table>`. */
  ref(modelId: string): string;
  /** Quoted relation of the landed/quarantined counts table. */
  landingCounts?: string;
  /** SQL for "now" in freshness rules (default: the warehouse clock in UTC). */
  now?: string;
}

/** What includes/assertions.js exports (the part TypeScript uses). */
export interface AssertionsInclude {
  quoteIdent(name: string): string;
  literal(value: unknown, warehouse: string): string;
  nowSql(warehouse: string): string;
  ruleSql(rule: Rule, context: SqlContext): string;
  physicalSchema(schema: string, projectConfig: { defaultSchema?: string; vars?: Record<string, string> }): string;
  otherModels(rule: Rule): string[];
  usesLandingCounts(rule: Rule): boolean;
  LANDING_COUNTS_TABLE: string;
}

export const ASSERTIONS_INCLUDE = fromRoot("includes", "assertions.js");

let cached: AssertionsInclude | undefined;

/**
 * Loads includes/assertions.js, the very code Dataform's sandbox runs, as CommonJS (the project is ESM, so a
 * plain `require` would read it as a module). It has no dependencies; its lazy `require` of the generated
 * rules is never reached from here.
 */
export function assertionsInclude(file: string = ASSERTIONS_INCLUDE): AssertionsInclude {
  if (cached && file === ASSERTIONS_INCLUDE) return cached;
  const source = fs.readFileSync(file, "utf8");
  const module = { exports: {} as AssertionsInclude };
  const wrapper = vm.runInThisContext(`(function (module, exports, require) {\n${source}\n})`, { filename: file });
  wrapper(module, module.exports, () => {
    throw new Error("includes/assertions.js: require is not available outside Dataform");
  });
  if (file === ASSERTIONS_INCLUDE) cached = module.exports;
  return module.exports;
}

/** The project settings the rules need (dataform.json): schemas and vars. */
export interface ProjectSettings {
  warehouse: string;
  defaultSchema: string;
  assertionSchema: string;
  vars: Record<string, string>;
}

export function projectSettings(file: string = fromRoot("dataform.json")): ProjectSettings {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<ProjectSettings>;
  return {
    warehouse: json.warehouse ?? "postgres",
    defaultSchema: json.defaultSchema ?? "dataform",
    assertionSchema: json.assertionSchema ?? "dataform_assertions",
    vars: json.vars ?? {},
  };
}

/** A SqlContext resolving model ids the way Dataform does (logical schema → physical schema, quoted). */
export function sqlContext(settings: ProjectSettings, warehouse: "postgres" | "redshift", now?: string): SqlContext {
  const include = assertionsInclude();
  const q = include.quoteIdent;
  return {
    warehouse,
    ref(modelId: string) {
      const at = modelId.indexOf("__");
      return `${q(include.physicalSchema(modelId.slice(0, at), settings))}.${q(modelId.slice(at + 2))}`;
    },
    landingCounts: `${q(settings.assertionSchema)}.${q(include.LANDING_COUNTS_TABLE)}`,
    now: now ? `cast(${include.literal(now, warehouse)} as timestamp)` : settings.vars.assertions_now ? `cast(${include.literal(settings.vars.assertions_now, warehouse)} as timestamp)` : undefined,
  };
}
