import type { Command, CommandContext } from "../command.ts";
import { countOutcomes } from "../../dataform/artifacts.ts";
import { runBuild } from "../../dataform/build.ts";
import { withPreparedProject } from "../../dataform/environment.ts";
import { PROJECT_OPTIONS } from "../../dataform/project-args.ts";
import { invocationOptionsOf, MODEL_OPTIONS } from "./run.ts";

/** Builds the selection as one recorded invocation (also what `all` and `retry` run). */
export async function buildModels(ctx: CommandContext, command = "build", overrides: { select?: string[] } = {}): Promise<{ failed: string[]; counts: ReturnType<typeof countOutcomes>; invocationId: string }> {
  const { env, log, values } = ctx;
  return withPreparedProject(env, log, { credentials: true }, async () => {
    const options = invocationOptionsOf(values, command);
    const { invocation, failed } = await runBuild(env, {
      ...options,
      selection: { ...options.selection, ...(overrides.select ? { select: overrides.select } : {}) },
    });
    return { failed, counts: countOutcomes(invocation.actions), invocationId: invocation.invocation_id };
  });
}

export const command: Command = {
  name: "build",
  summary: "models, their assertions and unit tests in DAG order (dbt build): a failing error-level rule skips the model's dependents",
  usage: "[--select …] [--exclude …] [--full-refresh] [--verbose]",
  details: [
    "Unit tests first (a model whose unit test fails is not built), then the models in waves; after each wave",
    "the rules of its models are evaluated once each (failing rows counted, first 5 shown). An error-level failure",
    "skips every dependent of the model (reported as skipped, with the rule); warn-level failures never skip.",
    "Outcomes go to .lakehouse/<env>/runs/ (latest.json); `lakehouse retry` reruns what failed or was skipped.",
  ].join("\n"),
  options: { ...MODEL_OPTIONS, ...PROJECT_OPTIONS },
  async run(ctx) {
    const { failed, counts, invocationId } = await buildModels(ctx);
    if (ctx.json) process.stdout.write(`${JSON.stringify({ invocation_id: invocationId, ...counts, failed })}\n`);
    return failed.length ? 1 : 0;
  },
};
