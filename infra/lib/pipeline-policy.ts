/**
 * The pipeline task's role, least privilege: the lake bucket's three prefixes, the source locations read-only,
 * the silver Glue database, the Redshift Data API on the one workgroup, the warehouse secret.
 */
import { Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { bucketArn, glueDatabaseArns, lakePrefix, objectsArn } from "./arns.ts";
import type { InfraSettings } from "./settings.ts";

export interface TaskPolicyProps {
  role: iam.IRole;
  workgroupArn: string;
  secret: secretsmanager.ISecret;
  lakeKey?: kms.IKey;
}

/** Glue calls of scripts/prod/glue-catalog.ts (the database exists: the catalog stack created it). */
export const GLUE_ACTIONS = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable"];

export function taskPolicy(scope: Construct, settings: InfraSettings, props: TaskPolicyProps): iam.Policy {
  const { bucket } = settings.storage;
  const zones = (["landing", "silver", "quarantine"] as const).map((zone) => lakePrefix(settings, zone));
  const statements = [
    new iam.PolicyStatement({ sid: "LakeObjects", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], resources: zones.map((p) => objectsArn(bucket, p)) }),
    new iam.PolicyStatement({ sid: "LakeList", actions: ["s3:ListBucket"], resources: [bucketArn(bucket)], conditions: { StringLike: { "s3:prefix": zones.map((p) => `${p}*`) } } }),
    new iam.PolicyStatement({ sid: "SilverCatalog", actions: GLUE_ACTIONS, resources: glueDatabaseArns(settings) }),
    new iam.PolicyStatement({ sid: "DataApiOnWorkgroup", actions: ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"], resources: [props.workgroupArn] }),
    // These Data API actions name no resource type; the condition limits them to the statements this role ran.
    new iam.PolicyStatement({
      sid: "DataApiOwnStatements",
      actions: ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement", "redshift-data:ListStatements"],
      resources: ["*"],
      conditions: { StringEquals: { "redshift-data:statement-owner-iam-userid": "${aws:userid}" } },
    }),
    new iam.PolicyStatement({ sid: "WarehouseSecret", actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], resources: [props.secret.secretArn] }),
  ];
  for (const [i, source] of settings.pipeline.sourceLocations.entries()) {
    const prefix = source.prefix ? `${source.prefix}/` : "";
    statements.push(
      new iam.PolicyStatement({ sid: `SourceRead${i}`, actions: ["s3:GetObject"], resources: [objectsArn(source.bucket, prefix)] }),
      new iam.PolicyStatement({ sid: `SourceList${i}`, actions: ["s3:ListBucket"], resources: [bucketArn(source.bucket)], conditions: { StringLike: { "s3:prefix": [`${prefix}*`] } } }),
    );
  }
  if (props.lakeKey) statements.push(new iam.PolicyStatement({ sid: "LakeKey", actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"], resources: [props.lakeKey.keyArn] }));
  const policy = new iam.Policy(scope, "TaskPolicy", { statements });
  props.role.attachInlinePolicy(policy);
  Validations.of(policy).acknowledge(
    ...zones.map((p) => ({ id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${bucket}/${p}*]`, reason: `The pipeline writes and replaces any object under ${p} (partitions, Iceberg files): the prefix is the least it can be given.` })),
    { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${settings.glueDatabase}/*]`, reason: "The tables of the silver Glue database only (created and committed by `lakehouse silver`)." },
    { id: "AwsSolutions-IAM5[Resource::*]", reason: "DescribeStatement/GetStatementResult/CancelStatement/ListStatements support no resource; the statement-owner condition limits them to this role's own statements." },
    ...settings.pipeline.sourceLocations.map((s) => ({ id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${s.bucket}/${s.prefix ? `${s.prefix}/` : ""}*]`, reason: "Read-only on the source files (sources.* in prod.yaml), which are named by the day." })),
  );
  return policy;
}
