import type { Environment } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { writeCredentials } from "./credentials.ts";
import { prepareProject } from "./prepare.ts";

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

/**
 * What every command that hands the project to Dataform does first and last: generated includes brought
 * up to date, the environment's project folder (and credentials when asked) made ready, then `fn`; prod
 * credentials are removed afterwards, whatever happens.
 */
export async function withPreparedProject<T>(env: Environment, log: Logger, options: { credentials: boolean }, fn: () => Promise<T>): Promise<T> {
  await prepareProject(env, log);
  await prepareEnvironment(env, options);
  try {
    return await fn();
  } finally {
    if (env.name === "prod" && options.credentials) (await import("../prod/render.ts")).removeProdCredentials(env);
  }
}
