import type { Environment } from "../core/config.ts";
import { writeCredentials } from "./credentials.ts";

/**
 * Makes the Dataform project folder of an environment ready: local/ci run in the project root with the
 * stack's credentials; prod renders `.build/prod` (issue 8) with the Redshift dataform.json.
 */
export async function prepareEnvironment(env: Environment, options: { credentials: boolean }): Promise<void> {
  if (env.name === "prod") {
    const { renderProd } = await import("../prod/render.ts");
    await renderProd(env, options);
    return;
  }
  if (options.credentials) writeCredentials(env);
}
