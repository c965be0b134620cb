import type { Environment } from "../core/config.ts";
import type { Logger } from "../core/log.ts";

/**
 * Runs before every `lakehouse compile|run|test|all`: brings generated includes up to date
 * (issue 7 fills this with `lakehouse generate`).
 */
export async function prepareProject(_env: Environment, _log: Logger): Promise<void> {}
