import type { Environment } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { generateRules } from "../assertions/generate.ts";

/**
 * Runs before every `lakehouse compile|run|test|all`: brings includes/generated/rules.js up to date with
 * assertions/*.yaml (a bad rule file stops here, with file and line), then, outside prod and when the
 * warehouse answers, refreshes the landed/quarantined counts the reconciliation assertions read.
 */
export async function prepareProject(env: Environment, log: Logger): Promise<void> {
  await log.step("generate", async () => generateRules(), (r) => `${r.models} models, ${r.rules} rules${r.changed ? " (updated)" : ""}`);
  if (env.name === "prod") return;
  const { refreshLandingCountsIfReachable } = await import("../assertions/landing-counts.ts");
  await refreshLandingCountsIfReachable(env, log);
}
