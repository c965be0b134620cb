import type { Environment } from "../core/config.ts";

/** `status.landing`: one key per `source/entity` with its partitions and rows. Filled by the landing stage (issue 4). */
export async function landingStatus(_env: Environment): Promise<Record<string, { partitions: number; rows: number }>> {
  return {};
}
