import type { Environment } from "../core/config.ts";

/** The name of the Redshift schema that exposes silver (the external schema over Glue); `silver.schema`, default "silver". */
export function silverSchema(env: Environment): string {
  // `silver.schema` is optional in environments/schema.json; the lead's config type does not name it, hence the cast.
  return (env.silver as { schema?: string }).schema ?? "silver";
}
