import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { prepareProject } from "../../dataform/prepare.ts";

export const command: Command = {
  name: "plan",
  summary: "what `run --env prod` would do: actions in order, new/changed since the last run (touches nothing)",
  usage: "--env prod [--tags <tag>…] [--sql] [--json]",
  details: [
    "Compiles the Redshift variant in .build/prod (no AWS access, no credentials) and compares every action",
    "with the graph of the last successful `lakehouse run --env prod` (.build/prod/last-compiled.json).",
    "Marks: + new, ~ changed (and what changed), blank unchanged; - removed from the project.",
    "--sql prints the statements Dataform's Redshift adapter would send; --json prints the whole plan.",
  ].join("\n"),
  options: {
    tags: { type: "string", multiple: true, description: "only actions with one of these tags (as run --tags)" },
    sql: { type: "boolean", description: "print each action's statements" },
  },
  async run({ env, values, log, json }) {
    if (env.name !== "prod") {
      throw new LakehouseError("plan", `plan is for the production path; got --env ${env.name}`, {}, "run: npx lakehouse plan --env prod");
    }
    const { compileProd } = await import("../../prod/render.ts");
    const { buildPlan, formatPlan, loadCompiledState } = await import("../../prod/plan.ts");
    await prepareProject(env, log);
    const graph = await log.step("compile (prod, redshift)", () => compileProd(env), (g) => `${(g.tables?.length ?? 0) + (g.operations?.length ?? 0) + (g.assertions?.length ?? 0)} actions`);
    const previous = loadCompiledState(env);
    const tags = (values.tags as string[] | undefined) ?? [];
    const plan = buildPlan(env.name, graph, previous, { tags });
    if (json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    else process.stdout.write(`${formatPlan(plan, { sql: Boolean(values.sql) })}\n`);
    // The values the infra/ stacks output (written into prod.yaml by infra/scripts/prod-env.ts) that a run would use.
    if (!json) process.stdout.write(`uses (infra outputs → ${env.file}): workgroup ${env.warehouse.workgroup ?? "-"} at ${env.warehouse.host}, secret ${env.warehouse.secret_name ?? "-"}, Spectrum role ${env.warehouse.iam_role ?? "-"}, Glue database ${env.silver.glue_database ?? "-"}\n`);
    return 0;
  },
};
