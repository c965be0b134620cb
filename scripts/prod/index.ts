/**
 * The production path (AWS): what the CLI calls for `--env prod`. Each module loads the AWS SDK only when
 * imported, so local runs never pay for it.
 *
 *   render.ts        renderProd(env, { credentials? }) → ".build/prod"   symlinked project + Redshift dataform.json
 *                    (+ .df-credentials.json from REDSHIFT_PASSWORD or the Secrets Manager secret, only with credentials)
 *                    compileProd(env) → CompiledGraph                      no AWS access, no credentials
 *                    removeProdCredentials(env)                            after a run/test is done with them
 *   checks.ts        runProdChecks(env?) → ProdCheckReport; formatReport    Redshift grammar, secrets, guarded differences
 *   plan.ts          buildPlan / formatPlan; saveCompiledState(env, graph) after a successful `run --env prod`
 *   redshift-data.ts RedshiftData.forEnvironment(env); prodGoldStatus(env) → { "schema.table": { rows } };
 *                    setupExternalSchema(data, env); postRunChecks(data, env, expected)
 *   glue-catalog.ts  GlueCatalog (Iceberg catalog on Glue); importing it registers `silver.catalog: glue`
 */
import type { Environment } from "../core/config.ts";

/** Makes the prod implementations available to the stages (the Glue silver catalog); call before a stage runs. */
export async function loadProdExtensions(env: Environment): Promise<void> {
  if (env.silver.catalog === "glue") {
    const { registerGlueCatalog } = await import("./glue-catalog.ts");
    registerGlueCatalog();
  }
}
