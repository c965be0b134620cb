import type { Command } from "../command.ts";
import { withPreparedProject } from "../../dataform/environment.ts";
import { dataform } from "../../dataform/runner.ts";
import { plain } from "../../dataform/results.ts";

/** Dataform unit test outcome lines: `<name>: passed|failed`. */
export function parseTestOutput(lines: string[]): { passed: string[]; failed: string[] } {
  const passed: string[] = [];
  const failed: string[] = [];
  for (const raw of lines) {
    const m = /^(.+): (passed|failed)$/.exec(plain(raw));
    if (m) (m[2] === "passed" ? passed : failed).push(m[1]);
  }
  return { passed, failed };
}

export const command: Command = {
  name: "test",
  summary: "run the Dataform unit tests, then the data-quality assertions, and report",
  details: "Exit 1 when a unit test or an error-level assertion fails; warn-level failures are printed only.",
  options: {
    "skip-unit": { type: "boolean", description: "only the data-quality assertions" },
    "skip-assertions": { type: "boolean", description: "only the Dataform unit tests" },
  },
  async run(ctx) {
    const { env, log, values } = ctx;
    return withPreparedProject(env, log, { credentials: true }, async () => {
      let failures = 0;
      if (!values["skip-unit"]) {
        // One line per failed unit test (with Dataform's message), then the counts; passes are not listed.
        const result = await dataform(env, ["test"], { withCredentials: true });
        const { passed, failed } = parseTestOutput(result.lines);
        if (!ctx.json) for (const name of failed) process.stderr.write(`✘ unit test ${name} failed\n`);
        if (result.code !== 0 && failed.length === 0 && passed.length === 0) {
          log.warn(`dataform test exited ${result.code}: ${result.lines.slice(-3).join(" | ")}`);
          failures += 1;
        }
        failures += failed.length;
        log.info(`unit tests — ${passed.length} passed, ${failed.length} failed`);
      }
      if (!values["skip-assertions"]) {
        const { runAssertionReport } = await import("../../assertions/report.ts");
        const report = await runAssertionReport(env, log, {});
        failures += report.errors;
      }
      return failures > 0 ? 1 : 0;
    });
  },
};
