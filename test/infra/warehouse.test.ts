import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, test } from "vitest";
import { actionsOf, flat, removeOutdir, resourcesOf, resourcesOfStatement, synthApp, templateOf, type Statement } from "./synth.ts";

/** Catalog and warehouse stacks (cdk synth offline, dummy account): Glue database, Redshift Serverless, secret, Spectrum role, VPC. */

const built = synthApp({ "deftunes:baseRpu": 16 });
const catalog = templateOf(built.catalog);
const warehouse = templateOf(built.warehouse);
const { settings } = built;
afterAll(() => removeOutdir(built.outdir));

describe("catalog stack", () => {
  test("the Glue database is silver.glue_database from prod.yaml, located under the bucket's silver/ prefix", () => {
    catalog.hasResourceProperties("AWS::Glue::Database", {
      DatabaseInput: { Name: settings.glueDatabase, LocationUri: `s3://${settings.storage.bucket}/silver/` },
    });
    catalog.hasOutput("GlueDatabase", { Value: "deftunes_silver" });
  });
});

describe("warehouse stack", () => {
  test("Redshift Serverless: namespace and workgroup named from prod.yaml, base RPU from the context, private, TLS required", () => {
    warehouse.hasResourceProperties("AWS::RedshiftServerless::Namespace", { NamespaceName: "deftunes-wh-ns", DbName: "deftunes", AdminUsername: "dataform" });
    warehouse.hasResourceProperties("AWS::RedshiftServerless::Workgroup", {
      WorkgroupName: "deftunes-wh",
      NamespaceName: "deftunes-wh-ns",
      BaseCapacity: 16,
      PubliclyAccessible: false,
      EnhancedVpcRouting: true,
      ConfigParameters: Match.arrayWith([{ ParameterKey: "require_ssl", ParameterValue: "true" }]),
    });
  });

  test("the workgroup sits in the three private subnets", () => {
    const [, wg] = resourcesOf(warehouse, "AWS::RedshiftServerless::Workgroup")[0];
    const subnets = (wg.Properties!.SubnetIds as Array<{ Ref: string }>).map((s) => s.Ref);
    expect(subnets).toHaveLength(3);
    for (const id of subnets) expect(id).toMatch(/^Vpcprivate/);
    const zones = subnets.map((id) => warehouse.toJSON().Resources[id].Properties.AvailabilityZone);
    expect(new Set(zones)).toEqual(new Set(["eu-west-1a", "eu-west-1b", "eu-west-1c"]));
  });

  test("the admin password is generated into Secrets Manager and reaches the namespace only as a dynamic reference", () => {
    warehouse.hasResourceProperties("AWS::SecretsManager::Secret", {
      Name: "deftunes/redshift/dataform",
      GenerateSecretString: Match.objectLike({ GenerateStringKey: "password", SecretStringTemplate: JSON.stringify({ username: "dataform" }) }),
    });
    const [, ns] = resourcesOf(warehouse, "AWS::RedshiftServerless::Namespace")[0];
    expect(flat(ns.Properties!.AdminUserPassword)).toMatch(/^\{\{resolve:secretsmanager:\$\{AdminSecret\w+\}:SecretString:password::\}\}$/);
  });

  test("no output carries the secret's value: the secret appears in outputs only as its ARN (a Ref)", () => {
    const outputs = warehouse.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const [name, out] of Object.entries(outputs)) {
      expect(JSON.stringify(out.Value), name).not.toMatch(/resolve:secretsmanager|SecretString/);
    }
    const secretId = resourcesOf(warehouse, "AWS::SecretsManager::Secret")[0][0];
    expect(outputs.SecretArn.Value).toEqual({ Ref: secretId });
  });

  test("the Spectrum role is the namespace's role, assumed by Redshift only", () => {
    const [roleId, role] = resourcesOf(warehouse, "AWS::IAM::Role").find(([, r]) => r.Properties?.RoleName === "deftunes-spectrum")!;
    const principals = (role.Properties!.AssumeRolePolicyDocument as { Statement: Array<{ Principal: { Service: string | string[] } }> }).Statement.flatMap((s) => s.Principal.Service);
    expect(new Set(principals)).toEqual(new Set(["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]));
    expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
    warehouse.hasResourceProperties("AWS::RedshiftServerless::Namespace", { DefaultIamRoleArn: { "Fn::GetAtt": [roleId, "Arn"] }, IamRoles: [{ "Fn::GetAtt": [roleId, "Arn"] }] });
  });

  test("Spectrum reads the silver prefix and the Glue database only, and writes nothing", () => {
    const [roleId] = resourcesOf(warehouse, "AWS::IAM::Role").find(([, r]) => r.Properties?.RoleName === "deftunes-spectrum")!;
    const policies = resourcesOf(warehouse, "AWS::IAM::Policy").filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(roleId));
    const statements = policies.flatMap(([, p]) => (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      for (const action of actionsOf(s)) expect(action).toMatch(/^(s3:(GetObject|ListBucket|GetBucketLocation)|glue:(Get|BatchGet)\w+|kms:Decrypt)$/);
      for (const resource of resourcesOfStatement(s)) {
        expect(resource).toMatch(
          /^arn:\$\{AWS::Partition\}:(s3:::deftunes-lakehouse(\/silver\/\*)?|glue:\$\{AWS::Region\}:\$\{AWS::AccountId\}:(catalog|database\/deftunes_silver|table\/deftunes_silver\/\*))$/,
        );
      }
    }
    const objects = statements.find((s) => actionsOf(s).includes("s3:GetObject"))!;
    expect(resourcesOfStatement(objects)).toEqual(["arn:${AWS::Partition}:s3:::deftunes-lakehouse/silver/*"]);
    const list = statements.find((s) => actionsOf(s).includes("s3:ListBucket"))!;
    expect(list.Condition).toEqual({ StringLike: { "s3:prefix": ["silver/*"] } });
  });

  test("the workgroup admits port 5439 from the client security group only", () => {
    const ingress = resourcesOf(warehouse, "AWS::EC2::SecurityGroupIngress");
    const inline = resourcesOf(warehouse, "AWS::EC2::SecurityGroup").flatMap(([, g]) => (g.Properties?.SecurityGroupIngress as unknown[]) ?? []);
    expect(inline).toEqual([]);
    expect(ingress).toHaveLength(1);
    const [, rule] = ingress[0];
    expect(rule.Properties).toMatchObject({ IpProtocol: "tcp", FromPort: 5439, ToPort: 5439, SourceSecurityGroupId: { "Fn::GetAtt": [expect.stringMatching(/^ClientSg/), "GroupId"] } });
    expect(rule.Properties!.CidrIp).toBeUndefined();
  });

  test("outputs map to the prod.yaml keys lakehouse reads", () => {
    const outputs = warehouse.toJSON().Outputs as Record<string, { Description: string }>;
    const keys = Object.values(outputs).filter((o) => o.Description).map((o) => o.Description.replace("environments/prod.yaml ", ""));
    for (const key of ["warehouse.workgroup", "warehouse.host", "warehouse.iam_role", "warehouse.secret_name"]) expect(keys).toContain(key);
  });
});
