import type { Command, CommandContext, OptionSpec } from "../command.ts";
import { withPreparedProject } from "../../dataform/environment.ts";
import { dataform } from "../../dataform/runner.ts";
import { runInvocation } from "../../dataform/invoke.ts";
import type { RunSelection } from "../../dataform/plan.ts";
import { parseVars, PROJECT_OPTIONS, projectArgs } from "../../dataform/project-args.ts";
import { countOutcomes } from "../../dataform/artifacts.ts";
import { SELECT_OPTIONS, selectionOf } from "../../dataform/select.ts";

export { deadlockVictims } from "../../dataform/execute.ts";

/** A repeatable, comma- or space-separated option as a list. */
export function listOption(v: unknown): string[] {
  return (Array.isArray(v) ? v : v ? [String(v)] : []).flatMap((s) => String(s).split(/[,\s]+/)).filter(Boolean);
}

/** The options every model command shares: dbt's selection (select.ts), full refresh, verbosity. */
export const MODEL_OPTIONS: Record<string, OptionSpec> = {
  ...SELECT_OPTIONS,
  "full-refresh": { type: "boolean", description: "rebuild incremental tables from scratch" },
  verbose: { type: "boolean", short: "v", description: "print every assertion, not only failures" },
};

/** The selection of a command's options (Dataform's tags/actions/deps and dbt's select/exclude/state). */
export function runSelectionOf(values: CommandContext["values"]): RunSelection {
  return {
    ...selectionOf(values),
    tags: listOption(values.tags),
    actions: listOption(values.actions),
    includeDeps: Boolean(values["include-deps"]),
    includeDependents: Boolean(values["include-dependents"]),
  };
}

/** Dataform run arguments from the options, for `--dry-run` (Dataform prints what it would run). */
export function runArgs(values: CommandContext["values"]): string[] {
  const args: string[] = [];
  const tags = listOption(values.tags);
  const actions = listOption(values.actions);
  if (tags.length) args.push("--tags", ...tags);
  if (actions.length) args.push("--actions", ...actions);
  if (values["full-refresh"]) args.push("--full-refresh");
  if (values["include-deps"]) args.push("--include-deps");
  if (values["include-dependents"]) args.push("--include-dependents");
  if (values["dry-run"]) args.push("--dry-run");
  return args;
}

/** The command line after the command name, for the artifact (option values only; no secrets are options). */
export function argList(values: CommandContext["values"]): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined || v === false || ["env", "json", "quiet", "help"].includes(k)) continue;
    for (const item of Array.isArray(v) ? v : [v]) out.push(item === true ? `--${k}` : `--${k}=${item}`);
  }
  return out;
}

/** What `run`, `build`, `all` and `retry` hand to an invocation, from the command line's values. */
export function invocationOptionsOf(values: CommandContext["values"], command: string) {
  return {
    command,
    args: argList(values),
    selection: runSelectionOf(values),
    fullRefresh: Boolean(values["full-refresh"]),
    projectArgs: projectArgs(values),
    vars: parseVars(values.vars),
    schemaSuffix: typeof values["schema-suffix"] === "string" ? values["schema-suffix"] : undefined,
    verbose: Boolean(values.verbose),
    quiet: Boolean(values.quiet),
  };
}

/** Runs the selected models as one recorded invocation; the failed action names. */
export async function runModels(ctx: CommandContext, command = "run", options: { projectDir?: string } = {}): Promise<{ failed: string[]; counts: ReturnType<typeof countOutcomes>; invocationId: string }> {
  const { env, log, values } = ctx;
  return withPreparedProject(env, log, { credentials: true }, async () => {
    const { invocation, failed, graph } = await runInvocation(env, {
      ...invocationOptionsOf(values, command),
      ...(options.projectDir ? { projectDir: options.projectDir } : {}),
    });
    if (env.name === "prod" && failed.length === 0) {
      // `lakehouse plan --env prod` compares the next compile with what this run deployed.
      const { saveCompiledState } = await import("../../prod/plan.ts");
      saveCompiledState(env, graph);
    }
    return { failed, counts: countOutcomes(invocation.actions), invocationId: invocation.invocation_id };
  });
}

export const command: Command = {
  name: "run",
  summary: "run the Dataform project on the warehouse (generate first), e.g. --tags gold",
  usage: "[--select …] [--exclude …] [--tags t1,t2] [--actions a,b] [--full-refresh] [--include-deps] [--dry-run]",
  details: [
    "Prints one line per model, failures in full. Every action's outcome (succeeded, failed, skipped with the",
    "failed upstream, disabled) is recorded in .lakehouse/<env>/runs/ (latest.json = this invocation).",
    "Models missing from the warehouse afterwards are rebuilt when their inputs are intact, else reported as failed.",
    "A lost connection, a server crash or a Dataform error exits 1 with one line; Dataform's full output is in",
    ".lakehouse/<env>/logs/<invocation>.log.",
  ].join("\n"),
  options: {
    ...MODEL_OPTIONS,
    tags: { type: "string", multiple: true, description: "only actions with these tags (repeat or comma-separate)" },
    actions: { type: "string", multiple: true, description: "only these actions (names or patterns)" },
    "include-deps": { type: "boolean", description: "also run the dependencies of selected actions" },
    "include-dependents": { type: "boolean", description: "also run the dependents of selected actions" },
    "dry-run": { type: "boolean", description: "print the SQL, run nothing" },
    ...PROJECT_OPTIONS,
  },
  async run(ctx) {
    if (ctx.values["dry-run"]) {
      return withPreparedProject(ctx.env, ctx.log, { credentials: true }, async () => {
        const result = await dataform(ctx.env, ["run", ...runArgs(ctx.values), ...projectArgs(ctx.values)], { echo: !ctx.json, withCredentials: true });
        return result.code === 0 ? 0 : 1;
      });
    }
    const { failed, counts, invocationId } = await runModels(ctx);
    if (ctx.json) process.stdout.write(`${JSON.stringify({ invocation_id: invocationId, ok: counts.succeeded, ...counts, failed })}\n`);
    return failed.length ? 1 : 0;
  },
};

