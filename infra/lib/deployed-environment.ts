/**
 * environments/prod.yaml with the values only a deployment knows (the workgroup's endpoint, the Spectrum
 * role's and the secret's ARNs). One function for both uses: the pipeline stack renders it with CloudFormation
 * tokens into the container (so the tasks never run on hand-copied values), and infra/scripts/prod-env.ts
 * writes it with the values of `cdk deploy --outputs-file` into the repository's prod.yaml.
 */
import type { EnvironmentConfig } from "../../scripts/core/config.ts";

/** What the stacks' outputs give (see lib/outputs.ts: each output's description names its prod.yaml key). */
export interface DeployedValues {
  bucket: string;
  region: string;
  glueDatabase: string;
  workgroup: string;
  host: string;
  port: number;
  database: string;
  user: string;
  spectrumRoleArn: string;
  secretArn: string;
}

/** The environment file's own keys (a loaded Environment also carries file, stackDir, resolvePath). */
export function configOf(env: EnvironmentConfig): EnvironmentConfig {
  const { name, warehouse, catalog_db, stack, api, storage, silver, sources } = env;
  return { name, warehouse, catalog_db, ...(stack ? { stack } : {}), api, storage, silver, sources };
}

export function deployedEnvironment(env: EnvironmentConfig, deployed: DeployedValues): EnvironmentConfig {
  const base = configOf(env);
  if (base.storage.type !== "s3") throw new Error("deployedEnvironment: storage.type must be s3");
  return {
    ...base,
    warehouse: {
      ...base.warehouse,
      type: "redshift",
      host: deployed.host,
      port: deployed.port,
      database: deployed.database,
      user: deployed.user,
      workgroup: deployed.workgroup,
      cluster_identifier: undefined, // the Data API takes one target: the workgroup
      secret_name: deployed.secretArn,
      iam_role: deployed.spectrumRoleArn,
      region: deployed.region,
    },
    storage: { ...base.storage, bucket: deployed.bucket, region: deployed.region },
    silver: { ...base.silver, catalog: "glue", glue_database: deployed.glueDatabase },
  };
}
