// `lakehouse build`, dbt's semantics on Dataform: the selected models, their assertions and unit tests in DAG
// order. Unit tests run first (a model whose unit test fails is not built); models run in waves, one Dataform
// run each, a wave boundary wherever a model's error-level rules must pass before its dependents start; each
// rule is evaluated once, by lakehouse itself (the compiled assertion SQL, with failing-row counts and
// examples). A failing error-level rule skips its model's dependents; warnings never skip.
import type pg from "pg";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { formatFailure, runRule, type RuleOutcome } from "../assertions/report.ts";
import { loadRules } from "../assertions/load.ts";
import type { Rule } from "../assertions/types.ts";
import { connect } from "../stack/db.ts";
import { newInvocation, saveInvocation, type ActionOutcome, type Invocation } from "./artifacts.ts";
import { allActions, compileProject, type CompiledGraph } from "./compile.ts";
import { checkConnection, executeActions, RunLog, upHint } from "./execute.ts";
import { artifactSelection, pointAtCause, recordInterrupt, repairMissing, toOutcome, type InvocationOptions, type InvocationResult } from "./invoke.ts";
import type { RunSelection } from "./plan.ts";
import { dataform, projectDir as defaultProjectDir } from "./runner.ts";
import { outcomeLine, summaryLines, useColor } from "./progress.ts";
import { plain, type ParsedOutcome } from "./results.ts";
import { selectableActions, selectActions, type SelectableAction } from "./select.ts";

const MODEL_TYPES = new Set(["table", "view", "incremental", "operation"]);

export interface BuildPlan {
  /** Models (and operations) in waves: every wave is one Dataform run. */
  waves: string[][];
  /** Assertions (rules) to evaluate, with the models they read. */
  assertions: { name: string; severity: "error" | "warn"; models: string[]; sql: string }[];
  /** Unit tests and the model each tests. */
  tests: { name: string; model?: string }[];
}

/**
 * The build plan of a selection: selected models; the assertions and unit tests of selected models (dbt's
 * eager indirect selection) or selected themselves; waves by the gate rule above.
 */
export function planBuild(graph: CompiledGraph, selection: InvocationOptions["selection"]): BuildPlan {
  const actions = selectableActions(graph);
  const byName = new Map(actions.map((a) => [a.name, a]));
  let chosen: Set<string>;
  try {
    chosen = new Set(selectActions(actions, { select: selection.select, exclude: selection.exclude, ...(selection.state ? { state: selection.state } : {}) }));
  } catch (error) {
    if (error instanceof LakehouseError) throw error;
    throw new LakehouseError("select", (error as Error).message, {}, "see: npx lakehouse build --help");
  }
  // An assertion or unit test excluded by name stays out even when its model is selected.
  const excluded = new Set(selection.exclude?.length ? selectActions(actions, { select: selection.exclude }) : []);
  const models = actions.filter((a) => MODEL_TYPES.has(a.type) && chosen.has(a.name));
  const modelSet = new Set(models.map((m) => m.name));
  const attached = (a: SelectableAction) => !excluded.has(a.name) && (chosen.has(a.name) || a.dependencies.some((d) => modelSet.has(d)));
  const compiled = new Map(allActions(graph).map((a) => [`${a.target.schema}.${a.target.name}`, a]));
  const assertions = actions
    .filter((a) => a.type === "assertion" && attached(a))
    .map((a) => ({ name: a.name, severity: compiled.get(a.name)?.disabled ? ("warn" as const) : ("error" as const), models: a.dependencies, sql: compiled.get(a.name)?.query ?? "" }));
  const tests = actions.filter((a) => a.type === "test" && attached(a)).map((a) => ({ name: a.name, ...(a.dependencies[0] ? { model: a.dependencies[0] } : {}) }));
  const gated = new Set(assertions.filter((a) => a.severity === "error").flatMap((a) => a.models));
  const wave = new Map<string, number>();
  for (const m of models) {
    // selectableActions lists Dataform's actions in dependency order only per kind: resolve recursively.
    const level = (name: string, seen: Set<string>): number => {
      if (wave.has(name)) return wave.get(name)!;
      const a = byName.get(name)!;
      let w = 0;
      for (const d of a.dependencies) if (modelSet.has(d) && !seen.has(d)) w = Math.max(w, level(d, new Set([...seen, d])) + (gated.has(d) ? 1 : 0));
      wave.set(name, w);
      return w;
    };
    level(m.name, new Set([m.name]));
  }
  const waves: string[][] = [];
  for (const m of models) (waves[wave.get(m.name)!] ??= []).push(m.name);
  return { waves: waves.filter((w) => w?.length), assertions, tests };
}

/** Dataform unit tests: name → passed, plus the messages of failures. */
async function unitTests(env: Environment, projectDir: string | undefined, args: string[], log: RunLog): Promise<Map<string, { passed: boolean; message?: string }>> {
  const results = new Map<string, { passed: boolean; message?: string }>();
  let last: string | undefined;
  log.line("$ dataform test");
  const result = await dataform(env, ["test", ...args], { withCredentials: true, ...(projectDir ? { projectDir } : {}), onRawLine: (l) => log.line(l) });
  for (const raw of result.lines) {
    const line = plain(raw);
    const m = /^(.+): (passed|failed)$/.exec(line);
    if (m) {
      results.set(m[1], { passed: m[2] === "passed" });
      last = m[1];
    } else if (last && results.get(last)?.passed === false && !results.get(last)!.message && line) results.get(last)!.message = line;
  }
  if (result.code !== 0 && results.size === 0) throw new LakehouseError("build", `dataform test exited ${result.code}: ${result.lines.slice(-2).map(plain).join(" | ")}`, {}, upHint(env, log));
  return results;
}

/** A Rule for the report's formatting when the assertion is not one of assertions/*.yaml. */
function ruleFor(name: string, severity: "error" | "warn", rules: Map<string, Rule>): Rule {
  const short = name.slice(name.indexOf(".") + 1);
  return rules.get(short) ?? { name: short, model: "", type: "expression", column: null, severity, where: null, args: {}, description: "assertion", source: name };
}

/** True when every selector given is a `state:` one (so an empty selection means an unchanged project). */
export function onlyStateSelectors(selection: RunSelection): boolean {
  const selectors = (selection.select ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean);
  return selectors.length > 0 && selectors.every((s) => s.split(",").some((part) => /^(\d*\+)?@?state:/.test(part)));
}

/** Runs a build (see the file comment): one recorded invocation. */
export async function runBuild(env: Environment, options: InvocationOptions): Promise<InvocationResult> {
  const started = performance.now();
  const invocation: Invocation = newInvocation(env, options.command, options.args, artifactSelection(options));
  const log = new RunLog(env, invocation.invocation_id);
  const out = options.out ?? process.stderr;
  const colour = useColor(out);
  const say = (line: string) => (options.quiet ? undefined : out.write(`${line}\n`));
  let plannedNames: string[] = [];
  const stopInterrupt = recordInterrupt(env, invocation, log, () => plannedNames);
  const actions = invocation.actions;
  let client: pg.Client | undefined;
  try {
    const graph = await compileProject(env, { ...(options.projectDir ? { projectDir: options.projectDir } : {}), args: options.projectArgs });
    const all = selectableActions(graph);
    const byName = new Map(all.map((a) => [a.name, a]));
    const plan = planBuild(graph, options.selection);
    if (plan.waves.length === 0 && plan.assertions.length === 0) {
      // dbt: `--select state:modified+` on a change that touched no model is nothing to do, not an error.
      if (onlyStateSelectors(options.selection)) {
        say(`${options.command}: nothing to do, no model is new or modified against the saved state (--state)`);
        invocation.status = "ok";
        return { invocation, graph, failed: [] };
      }
      throw new LakehouseError("build", "the selection matches no model", {}, "check --select/--exclude");
    }
    plannedNames = [...plan.waves.flat(), ...plan.assertions.map((a) => a.name), ...plan.tests.map((t) => t.name)];
    await checkConnection(env, log);
    const rules = new Map(loadRules().models.flatMap((m) => m.rules).map((r) => [r.name, r]));
    const blockedBy = new Map<string, string>(); // model → the action that stops its dependents
    const stopped = (name: string): string | undefined => {
      for (const d of byName.get(name)?.dependencies ?? []) {
        if (blockedBy.has(d)) return blockedBy.get(d);
        const s = actions[d]?.status;
        if (s === "failed") return d;
        if (s === "skipped") return actions[d].skipped_because ?? d;
      }
      return undefined;
    };
    const record = (name: string, outcome: ActionOutcome, print = true) => {
      actions[name] = outcome;
      if (print && !options.quiet) {
        const line = outcomeLine(name, outcome, { verbose: options.verbose, colour });
        if (line) out.write(`${line}\n`);
      }
    };

    // 1. Unit tests: a model whose unit test fails is not built.
    if (plan.tests.length) {
      const results = await unitTests(env, options.projectDir, options.projectArgs ?? [], log);
      for (const t of plan.tests) {
        const r = results.get(t.name);
        record(t.name, r ? { status: r.passed ? "succeeded" : "failed", type: "test", ...(r.message ? { message: r.message } : {}) } : { status: "failed", type: "test", message: "no result from dataform test" }, !r?.passed);
        if (!r?.passed && t.model) blockedBy.set(t.model, t.name);
      }
    }

    // 2. Waves of models, each followed by the rules whose models are all done.
    const modelSet = new Set(plan.waves.flat());
    const pendingRules = [...plan.assertions];
    client = await connect(env, "warehouse");
    const evaluateReady = async () => {
      for (let i = 0; i < pendingRules.length; i++) {
        const a = pendingRules[i];
        const inputs = a.models.filter((m) => modelSet.has(m));
        if (!inputs.every((m) => actions[m])) continue;
        pendingRules.splice(i--, 1);
        const notBuilt = inputs.find((m) => actions[m].status !== "succeeded");
        if (notBuilt) {
          record(a.name, { status: "skipped", type: "assertion", skipped_because: actions[notBuilt].skipped_because ?? notBuilt }, false);
          continue;
        }
        const rule = ruleFor(a.name, a.severity, rules);
        const t0 = performance.now();
        const r = await runRule(client!, rule, a.sql);
        const seconds = (performance.now() - t0) / 1000;
        const failedRule = r.status !== "passed";
        const outcome: ActionOutcome = {
          status: failedRule && a.severity === "error" ? "failed" : "succeeded",
          type: "assertion",
          seconds: Math.round(seconds * 1000) / 1000,
          ...(failedRule ? { failing_rows: r.offending, examples: r.examples, message: `${a.severity === "warn" ? "warning: " : ""}${r.message ?? `${r.offending} failing row${r.offending === 1 ? "" : "s"}`}` } : {}),
        };
        actions[a.name] = outcome;
        if (failedRule) {
          if (a.severity === "error") for (const m of inputs) if (!blockedBy.has(m)) blockedBy.set(m, a.name);
          if (!options.quiet) {
            const full: RuleOutcome = { ...r, name: rule.name, model: rule.model, type: rule.type, severity: a.severity, description: rule.description, source: rule.source, emptyModel: false };
            out.write(`${formatFailure(full)}\n`);
          }
        } else if (options.verbose && !options.quiet) out.write(`${outcomeLine(a.name, outcome, { verbose: true, colour })}\n`);
      }
    };
    const ruleCounts = (model: string): string => {
      const own = plan.assertions.filter((a) => a.models[0] === model).map((a) => actions[a.name]).filter(Boolean);
      if (!own.length) return "";
      const failed = own.filter((o) => o.status === "failed").length;
      const warned = own.filter((o) => o.status === "succeeded" && o.message?.startsWith("warning:")).length;
      const passed = own.length - failed - warned;
      return ` · ${passed} rule${passed === 1 ? "" : "s"} passed${failed ? `, ${failed} failed` : ""}${warned ? `, ${warned} warned` : ""}`;
    };
    await evaluateReady(); // rules on declarations only (silver) run first
    for (const wave of plan.waves) {
      const runnable: string[] = [];
      for (const name of wave) {
        const because = blockedBy.get(name) && actions[blockedBy.get(name)!]?.type === "test" ? blockedBy.get(name) : stopped(name);
        if (because) record(name, { status: "skipped", type: byName.get(name)?.type, skipped_because: actions[because]?.skipped_because ?? because });
        else runnable.push(name);
      }
      if (runnable.length) {
        const quietOutcomes: Record<string, ParsedOutcome> = {};
        const result = await executeActions(env, {
          planned: runnable,
          passActions: true,
          fullRefresh: options.fullRefresh,
          extraArgs: options.projectArgs,
          projectDir: options.projectDir,
          dependencies: (n) => byName.get(n)?.dependencies ?? [],
          log,
          onOutcome: (name, o) => (quietOutcomes[name] = o),
        });
        for (const [name, o] of Object.entries(result.outcomes)) actions[name] = toOutcome(name, o, byName, actions);
        if (result.fatal) {
          invocation.status = "failed";
          throw new LakehouseError("build", result.fatal, {}, upHint(env, log));
        }
      }
      await pointAtCause(env, graph, actions, runnable, options.projectDir ?? defaultProjectDir(env));
      await evaluateReady();
      for (const name of runnable) {
        const o = actions[name];
        if (o.status === "failed" || o.status === "skipped") record(name, o);
        else if (!options.quiet) out.write(`${outcomeLine(name, o, { colour, suffix: ruleCounts(name) })}\n`);
      }
    }
    await client.end().catch(() => undefined);
    client = undefined;

    // 3. Nothing missing afterwards.
    try {
      await repairMissing(env, graph, actions, async (names) => (await executeActions(env, { planned: names, passActions: true, fullRefresh: options.fullRefresh, extraArgs: options.projectArgs, projectDir: options.projectDir, dependencies: (n) => byName.get(n)?.dependencies ?? [], log })).outcomes, say, (name) => {
        // dbt semantics: a model skipped because a rule failed upstream is not built on that data.
        const because = actions[name]?.status === "skipped" ? actions[name].skipped_because : undefined;
        return because && ["assertion", "test"].includes(actions[because]?.type ?? "") ? `skipped because ${because} failed; not rebuilt on data that failed it` : undefined;
      });
    } catch (error) {
      if (!(error instanceof LakehouseError && error.stage === "db")) throw error;
      invocation.status = "failed";
      throw new LakehouseError("build", `the warehouse connection was lost during the build (${error.cause instanceof Error ? error.cause.message : error.message}); its outcomes cannot be trusted`, {}, upHint(env, log));
    }
    const failed = Object.entries(actions).filter(([, a]) => a.status === "failed").map(([n]) => n);
    invocation.status = failed.length ? "failed" : "ok";
    for (const line of summaryLines(options.command, actions, performance.now() - started)) say(line);
    const warned = Object.values(actions).filter((a) => a.type === "assertion" && a.message?.startsWith("warning:")).length;
    if (warned) say(`  ${warned} warn-level rule${warned === 1 ? "" : "s"} failed (warnings never skip a model)`);
    return { invocation, graph, failed };
  } catch (error) {
    invocation.status ??= "failed";
    throw error;
  } finally {
    stopInterrupt();
    await client?.end().catch(() => undefined);
    invocation.finished_at = new Date().toISOString();
    if (Object.keys(actions).length > 0) saveInvocation(env, invocation);
    log.close();
  }
}
