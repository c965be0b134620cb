import { CfnOutput, type Stack } from "aws-cdk-lib";

/**
 * A stack output that environments/prod.yaml needs; its description names the key it fills, which is how
 * infra/scripts/prod-env.ts maps `cdk deploy --outputs-file` back into the environment. Never a secret value.
 */
export function output(stack: Stack, id: string, value: string, envKey: string): CfnOutput {
  return new CfnOutput(stack, id, { value, description: `environments/prod.yaml ${envKey}` });
}
