import type { Environment } from "../core/config.ts";

export interface SilverTableStatus {
  snapshot_id: string | null;
  rows: number;
  quarantined: number;
  files: number;
}

/** `status.silver`: per table its current snapshot. Filled by the silver stage (issue 5). */
export async function silverStatus(_env: Environment): Promise<Record<string, SilverTableStatus>> {
  return {};
}
