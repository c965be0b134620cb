import type { Command, CommandContext } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { readLatest, type Invocation } from "../../dataform/artifacts.ts";
import { buildModels } from "./build.ts";
import { runModels } from "./run.ts";

/** What to rerun from an invocation: the actions that failed or were skipped (unit tests and rules by their model). */
export function retryTargets(invocation: Invocation): string[] {
  return Object.entries(invocation.actions)
    .filter(([, a]) => a.status === "failed" || a.status === "skipped")
    .map(([name]) => name);
}

/** The option values of the last invocation (its selection, vars, schema suffix, full refresh), for the rerun. */
export function retryValues(invocation: Invocation, ctx: CommandContext): CommandContext["values"] {
  const s = invocation.selection ?? {};
  return {
    env: ctx.values.env,
    quiet: ctx.values.quiet,
    verbose: ctx.values.verbose,
    ...(s.full_refresh ? { "full-refresh": true } : {}),
    ...(s.vars && Object.keys(s.vars).length ? { vars: [JSON.stringify(s.vars)] } : {}),
    ...(s.schema_suffix ? { "schema-suffix": s.schema_suffix } : {}),
  };
}

export const command: Command = {
  name: "retry",
  summary: "rerun what failed or was skipped in the last run/build invocation (same vars, schema suffix, environment)",
  details: [
    "Reads .lakehouse/<env>/runs/latest.json; a build is retried as a build of exactly those actions, a run as a run.",
    "The retry is itself an invocation: afterwards latest.json is the retry's.",
  ].join("\n"),
  options: { verbose: { type: "boolean", short: "v", description: "print every assertion, not only failures" } },
  async run(ctx) {
    const latest = readLatest(ctx.env);
    if (!latest) throw new LakehouseError("retry", "no invocation to retry", {}, `run one first: npx lakehouse build --env ${ctx.env.name}`);
    const targets = retryTargets(latest);
    if (targets.length === 0) {
      ctx.log.info(`retry: nothing failed or was skipped in ${latest.command} ${latest.invocation_id}`);
      return 0;
    }
    const values = retryValues(latest, ctx);
    const retryCtx = { ...ctx, values };
    ctx.log.info(`retry: ${targets.length} action${targets.length === 1 ? "" : "s"} of ${latest.command} ${latest.invocation_id}`);
    // A run's retry names its actions (--actions); a build's does not.
    const isBuild = latest.command === "build" || latest.command === "all" || (latest.command === "retry" && !latest.args.some((a) => a.startsWith("--actions")));
    // Unit tests and rules are rerun with their models; a run retries models and assertions by name.
    const models = isBuild ? targets.filter((n) => n.includes(".") && latest.actions[n].type !== "assertion") : targets;
    const rules = isBuild ? targets.filter((n) => latest.actions[n].type === "assertion" || latest.actions[n].type === "test") : [];
    const select = [...new Set([...models, ...rules])];
    const { failed } = isBuild ? await buildModels(retryCtx, "retry", { select }) : await runModels({ ...retryCtx, values: { ...values, actions: select } }, "retry");
    return failed.length ? 1 : 0;
  },
};
