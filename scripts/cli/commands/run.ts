import type { Command, CommandContext } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { withPreparedProject } from "../../dataform/environment.ts";
import { dataform } from "../../dataform/runner.ts";
import { compileProject } from "../../dataform/compile.ts";
import { parseRunOutput, recordRun, type ActionResult } from "../../dataform/results.ts";

/** Dataform run arguments from the shared options (tags, actions, full refresh, include deps/dependents). */
export function runArgs(values: CommandContext["values"]): string[] {
  const args: string[] = [];
  const list = (v: unknown) => (Array.isArray(v) ? v : v ? [String(v)] : []).flatMap((s) => String(s).split(",")).filter(Boolean);
  const tags = list(values.tags);
  const actions = list(values.actions);
  if (tags.length) args.push("--tags", ...tags);
  if (actions.length) args.push("--actions", ...actions);
  if (values["full-refresh"]) args.push("--full-refresh");
  if (values["include-deps"]) args.push("--include-deps");
  if (values["include-dependents"]) args.push("--include-dependents");
  if (values["dry-run"]) args.push("--dry-run");
  return args;
}

/** Actions that failed only because PostgreSQL chose them as a deadlock victim (safe to run again). */
export function deadlockVictims(actions: Record<string, ActionResult>): string[] {
  return Object.entries(actions)
    .filter(([, a]) => a.status === "failed" && /deadlock detected/i.test(a.error ?? ""))
    .map(([name]) => name);
}

/** Runs Dataform and records each action's outcome; returns the number of failed actions. */
export async function runDataform(ctx: CommandContext, extra: string[]): Promise<{ ok: number; failed: string[] }> {
  return withPreparedProject(ctx.env, ctx.log, { credentials: true }, () => runAndRecord(ctx, extra));
}

async function runAndRecord(ctx: CommandContext, extra: string[]): Promise<{ ok: number; failed: string[] }> {
  const { env, log } = ctx;
  let result = await dataform(env, ["run", ...extra], { echo: !ctx.json, withCredentials: true });
  const actions = parseRunOutput(result.lines);
  const deadlocked = deadlockVictims(actions);
  if (deadlocked.length > 0 && !extra.includes("--dry-run")) {
    // Dataform runs independent actions concurrently; PostgreSQL may pick one of two `drop … cascade`
    // statements as a deadlock victim. Nothing of the victim was changed: run it (and what depends on it) again.
    log.warn(`deadlock in ${deadlocked.join(", ")}: running ${deadlocked.length === 1 ? "it" : "them"} and their dependents once more`);
    const retry = await dataform(env, ["run", "--actions", ...deadlocked, "--include-dependents", ...(extra.includes("--full-refresh") ? ["--full-refresh"] : [])], {
      echo: !ctx.json,
      withCredentials: true,
    });
    Object.assign(actions, parseRunOutput(retry.lines));
    result = { ...retry, code: Object.values(actions).some((a) => a.status === "failed") ? retry.code || 1 : 0 };
  }
  recordRun(env, `run ${extra.join(" ")}`.trim(), actions);
  const failed = Object.entries(actions).filter(([, a]) => a.status === "failed").map(([name]) => name);
  const ok = Object.keys(actions).length - failed.length;
  if (result.code !== 0 && failed.length === 0) {
    throw new LakehouseError("run", `Dataform exited with ${result.code}: ${result.lines.slice(-5).join(" | ")}`);
  }
  if (env.name === "prod" && failed.length === 0 && result.code === 0 && !extra.includes("--dry-run")) {
    // `lakehouse plan --env prod` compares the next compile with what this run deployed.
    const { saveCompiledState } = await import("../../prod/plan.ts");
    saveCompiledState(env, await compileProject(env));
  }
  return { ok, failed };
}

export const command: Command = {
  name: "run",
  summary: "run the Dataform project on the warehouse (generate first), e.g. --tags gold",
  usage: "[--tags t1,t2] [--actions a,b] [--full-refresh] [--include-deps] [--dry-run]",
  options: {
    tags: { type: "string", multiple: true, description: "only actions with these tags (repeat or comma-separate)" },
    actions: { type: "string", multiple: true, description: "only these actions (names or patterns)" },
    "full-refresh": { type: "boolean", description: "rebuild incremental tables from scratch" },
    "include-deps": { type: "boolean", description: "also run the dependencies of selected actions" },
    "include-dependents": { type: "boolean", description: "also run the dependents of selected actions" },
    "dry-run": { type: "boolean", description: "print the SQL, run nothing" },
  },
  async run(ctx) {
    const started = performance.now();
    const { ok, failed } = await runDataform(ctx, runArgs(ctx.values));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (ctx.json) process.stdout.write(`${JSON.stringify({ ok, failed })}\n`);
    ctx.log.info(`run: ${ok} actions succeeded, ${failed.length} failed (${seconds} s)${failed.length ? `: ${failed.join(", ")}` : ""}`);
    return failed.length ? 1 : 0;
  },
};
