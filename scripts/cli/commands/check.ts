import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { prepareProject } from "../../dataform/prepare.ts";

export const command: Command = {
  name: "check",
  summary: "the production compile checks: Redshift grammar, secret scan, guarded differences from local",
  usage: "--env prod [--json]",
  details:
    "Compiles the prod (Redshift) variant and the local one, with no AWS access and no credentials, then checks\n" +
    "that every statement a run would send parses as Redshift SQL where the grammar covers it, that no secret\n" +
    "($REDSHIFT_PASSWORD, $CATALOG_PASSWORD, AWS keys, credential patterns) is in the compiled output, and that\n" +
    "models differ from the local compile only where an includes/ guard says so. Exit 1 on any finding.",
  async run({ env, log, json }) {
    if (env.name !== "prod") throw new LakehouseError("check", `the checks are of the production compile, not ${env.name}`, { field: "--env" }, "lakehouse check --env prod");
    await prepareProject(env, log);
    const { formatReport, runProdChecks } = await import("../../prod/checks.ts");
    const report = await log.step("prod checks", () => runProdChecks(env), (r) => ({
      summary: `${r.statements.length} statements, ${r.failures.length} failures`,
      counts: { statements: r.statements.length, ...r.counts, secrets: r.secrets.length, failures: r.failures.length },
    }));
    if (json) {
      const { guards } = report;
      const summary = { counts: report.counts, statements: report.statements.length, secrets: report.secrets, goldModels: report.goldModels, guards: { onlyInProd: guards.onlyInProd, onlyInLocal: guards.onlyInLocal, problems: guards.problems, distSort: guards.distSort }, failures: report.failures };
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else process.stdout.write(`${formatReport(report)}\n`);
    return report.failures.length > 0 ? 1 : 0;
  },
};
