// One `lakehouse run` invocation end to end: compile, plan, connection check, Dataform, every outcome
// recorded (skips with the failed upstream that caused them), models missing afterwards rebuilt or
// reported, the invocation saved as a run artifact, one summary. A run that cannot be trusted throws.
import { onInterrupt } from "../cli/command.ts";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { withClient } from "../stack/db.ts";
import { latestFile, newInvocation, saveInvocation, type ActionOutcome, type Invocation } from "./artifacts.ts";
import { allActions, compileProject, type CompiledGraph } from "./compile.ts";
import { formatLocated, locateFailure } from "./failure.ts";
import { projectDir as defaultProjectDir } from "./runner.ts";
import { checkConnection, executeActions, RunLog, upHint } from "./execute.ts";
import { missingModels, missingReason, rebuildPlan } from "./missing.ts";
import { planActions, runnableActions, type RunSelection } from "./plan.ts";
import { progressPrinter, summaryLines } from "./progress.ts";
import type { ParsedOutcome } from "./results.ts";
import type { SelectableAction } from "./select.ts";

export interface InvocationOptions {
  /** The lakehouse command and its arguments, for the artifact. */
  command: string;
  args: string[];
  selection: RunSelection;
  fullRefresh?: boolean;
  /** Dataform arguments of the shared project options (vars, schema suffix). */
  projectArgs?: string[];
  vars?: Record<string, string>;
  schemaSuffix?: string;
  projectDir?: string;
  verbose?: boolean;
  quiet?: boolean;
  /** Where progress lines go (default stderr). */
  out?: NodeJS.WritableStream;
}

export interface InvocationResult {
  invocation: Invocation;
  graph: CompiledGraph;
  failed: string[];
}

/** The nearest failed upstream of an action (breadth first), for "skipped because". */
export function failedUpstream(name: string, byName: Map<string, SelectableAction>, outcomes: Record<string, ActionOutcome>): string | undefined {
  const seen = new Set<string>([name]);
  let frontier = [name];
  while (frontier.length) {
    const next: string[] = [];
    for (const n of frontier) {
      for (const d of byName.get(n)?.dependencies ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        if (outcomes[d]?.status === "failed") return d;
        next.push(d);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** The artifact's form of a parsed outcome (no Dataform-only fields), with the skip's cause. */
export function toOutcome(name: string, o: ParsedOutcome, byName: Map<string, SelectableAction>, outcomes: Record<string, ActionOutcome>): ActionOutcome {
  const action = byName.get(name);
  const out: ActionOutcome = { status: o.status, type: action?.type ?? o.type ?? o.kind };
  if (o.message) out.message = o.message;
  if (o.status === "skipped") {
    const because = failedUpstream(name, byName, outcomes);
    if (because) out.skipped_because = because;
  }
  return out;
}

/** The selection part of an artifact, so that `retry` can reproduce it. */
export function artifactSelection(options: InvocationOptions): Invocation["selection"] {
  const s = options.selection;
  const select = [...(s.tags ?? []).map((t) => `tag:${t}`), ...(s.actions ?? []), ...(s.select ?? [])];
  return {
    ...(select.length ? { select } : {}),
    ...(s.exclude?.length ? { exclude: s.exclude } : {}),
    ...(options.fullRefresh ? { full_refresh: true } : {}),
    ...(options.vars && Object.keys(options.vars).length ? { vars: options.vars } : {}),
    ...(options.schemaSuffix ? { schema_suffix: options.schemaSuffix } : {}),
  };
}

/**
 * After a run: models missing from the warehouse are rebuilt when their inputs are there (one follow-up
 * run of exactly those), reported as failed with the reason otherwise. Returns the names still missing.
 */
export async function repairMissing(
  env: Environment,
  graph: CompiledGraph,
  actions: Record<string, ActionOutcome>,
  run: (names: string[]) => Promise<Record<string, ParsedOutcome>>,
  say: (line: string) => void,
  /** Models to leave missing on purpose, with why (build: skipped because a rule failed upstream). */
  leave: (name: string) => string | undefined = () => undefined,
): Promise<string[]> {
  if (env.name === "prod") return [];
  for (let round = 0; round < 2; round++) {
    const found = await withClient(env, "warehouse", (client) => missingModels(client, graph));
    const left = found.missing.filter((m) => leave(m.name));
    for (const m of left) if (round === 0) say(`missing after the run: ${m.name}: ${leave(m.name)}`);
    const missing = found.missing.filter((m) => !leave(m.name));
    const present = found.present;
    if (missing.length === 0) return left.map((m) => m.name);
    // Models left missing on purpose are not inputs a rebuild can use.
    const { rebuild, blocked } = rebuildPlan(missing, actions, (n) => present.has(n) && !left.some((m) => m.name === n));
    for (const m of missing) say(`missing after the run: ${m.name}: ${missingReason(m.name, actions[m.name])}`);
    for (const b of blocked) {
      const prior = actions[b.name];
      actions[b.name] = {
        ...(prior ?? {}),
        status: "failed",
        type: prior?.type ?? missing.find((m) => m.name === b.name)?.kind,
        message: `missing from the warehouse: ${missingReason(b.name, prior)}${b.lacking.length ? `; cannot rebuild without ${b.lacking.join(", ")}` : ""}`,
      };
    }
    if (rebuild.length === 0 || round === 1) return missing.filter((m) => actions[m.name]?.status === "failed" || !rebuild.includes(m.name)).map((m) => m.name);
    say(`rebuilding ${rebuild.length} missing model${rebuild.length === 1 ? "" : "s"} whose inputs are intact: ${rebuild.join(", ")}`);
    const reasons = new Map(rebuild.map((n) => [n, missingReason(n, actions[n])]));
    const outcomes = await run(rebuild);
    for (const name of rebuild) {
      const o = outcomes[name];
      const prior = actions[name];
      actions[name] =
        o?.status === "succeeded"
          ? { ...(prior ?? {}), status: "succeeded", type: prior?.type ?? o.type, message: `rebuilt after the run (${reasons.get(name)})` }
          : { ...(prior ?? {}), status: "failed", type: prior?.type ?? o?.type, message: `missing from the warehouse (${reasons.get(name)}); the rebuild failed${o?.message ? `: ${o.message}` : ""}` };
      if (actions[name].status === "succeeded") delete actions[name].skipped_because;
    }
  }
  return [];
}

const MODEL_TYPES = new Set(["table", "view", "incremental"]);

/**
 * Failed models' messages made to point at the cause: `file:line: warehouse message` (failure.ts). Leaves
 * connection losses, deadlocks and missing outcomes as they are. Returns the names it looked at.
 */
export async function pointAtCause(env: Environment, graph: CompiledGraph, actions: Record<string, ActionOutcome>, names: string[], dir: string): Promise<void> {
  const compiled = new Map(allActions(graph).map((a) => [`${a.target.schema}.${a.target.name}`, a]));
  const failed = names.filter((n) => actions[n]?.status === "failed" && MODEL_TYPES.has(actions[n].type ?? "") && !/^(no outcome|missing)|deadlock|connection/i.test(actions[n].message ?? ""));
  if (failed.length === 0 || env.name === "prod") return;
  await withClient(env, "warehouse", async (client) => {
    for (const name of failed) {
      const action = compiled.get(name);
      if (action) actions[name].message = formatLocated(await locateFailure(client, action, actions[name].message ?? "failed", dir));
    }
  }).catch(() => undefined); // the message stays Dataform's when the warehouse cannot say more
}

/**
 * On SIGINT/SIGTERM: the invocation is saved as interrupted, with the planned actions that had not run as
 * skipped (so that `lakehouse retry` picks them up); returns the function that removes the handler.
 */
export function recordInterrupt(env: Environment, invocation: Invocation, log: RunLog, planned: () => string[]): () => void {
  return onInterrupt(() => {
    invocation.status = "interrupted";
    for (const name of planned()) invocation.actions[name] ??= { status: "skipped", message: "interrupted before it ran" };
    invocation.finished_at = new Date().toISOString();
    const done = Object.values(invocation.actions).filter((a) => a.message !== "interrupted before it ran").length;
    if (Object.keys(invocation.actions).length) saveInvocation(env, invocation);
    log.close();
    return done ? `${done} action outcomes kept in ${latestFile(env)} (status interrupted; npx lakehouse retry reruns the rest)` : "nothing had run yet";
  });
}

/** Runs the selected models (see the file comment). */
export async function runInvocation(env: Environment, options: InvocationOptions): Promise<InvocationResult> {
  const started = performance.now();
  const invocation = newInvocation(env, options.command, options.args, artifactSelection(options));
  const log = new RunLog(env, invocation.invocation_id);
  const out = options.out ?? process.stderr;
  const say = (line: string) => (options.quiet ? undefined : out.write(`${line}\n`));
  let plannedNames: string[] = [];
  const stopInterrupt = recordInterrupt(env, invocation, log, () => plannedNames);
  try {
    const graph = await compileProject(env, { ...(options.projectDir ? { projectDir: options.projectDir } : {}), args: options.projectArgs });
    const runnable = runnableActions(graph);
    const byName = new Map(runnable.map((a) => [a.name, a]));
    const planned = planActions(graph, options.selection);
    if (planned.length === 0) throw new LakehouseError("run", "the selection matches no action", {}, "check --select/--tags/--actions");
    plannedNames = planned;
    await checkConnection(env, log);
    const print = progressPrinter({ out, verbose: options.verbose, quiet: options.quiet });
    const actions = invocation.actions;
    const onOutcome = (name: string, o: ParsedOutcome) => {
      actions[name] = toOutcome(name, o, byName, actions);
      // A failed model is printed after the run, once its message points at the SQLX line.
      if (!(o.status === "failed" && MODEL_TYPES.has(actions[name].type ?? ""))) print(name, actions[name]);
    };
    const execute = (names: string[], passActions: boolean) =>
      executeActions(env, {
        planned: names,
        passActions,
        fullRefresh: options.fullRefresh,
        extraArgs: options.projectArgs,
        projectDir: options.projectDir,
        dependencies: (n) => byName.get(n)?.dependencies ?? [],
        log,
        onOutcome,
      });
    const result = await execute(planned, planned.length !== runnable.length);
    for (const [name, o] of Object.entries(result.outcomes)) actions[name] = toOutcome(name, o, byName, actions);
    if (result.fatal) {
      invocation.status = "failed";
      throw new LakehouseError("run", result.fatal, {}, upHint(env, log));
    }
    const failedModels = planned.filter((n) => actions[n]?.status === "failed" && MODEL_TYPES.has(actions[n].type ?? ""));
    await pointAtCause(env, graph, actions, failedModels, options.projectDir ?? defaultProjectDir(env));
    for (const name of failedModels) print(name, actions[name]);
    try {
      await repairMissing(env, graph, actions, async (names) => (await execute(names, true)).outcomes, say);
    } catch (error) {
      // The server died under the run (backends of a killed postmaster may finish their queries first).
      if (!(error instanceof LakehouseError && error.stage === "db")) throw error;
      invocation.status = "failed";
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      log.line(`after the run: ${error.message}`);
      throw new LakehouseError("run", `the warehouse connection was lost during the run (${cause.split("\n")[0]}); its outcomes cannot be trusted`, {}, upHint(env, log));
    }
    const failed = Object.entries(actions).filter(([, a]) => a.status === "failed").map(([n]) => n);
    invocation.status = failed.length ? "failed" : "ok";
    for (const line of summaryLines(options.command, actions, performance.now() - started)) say(line);
    return { invocation, graph, failed };
  } catch (error) {
    invocation.status ??= "failed";
    throw error;
  } finally {
    stopInterrupt();
    invocation.finished_at = new Date().toISOString();
    // An invocation that ran nothing (compile error, warehouse down) leaves the latest artifact as it was.
    if (Object.keys(invocation.actions).length > 0) saveInvocation(env, invocation);
    log.close();
  }
}
