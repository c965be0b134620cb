/**
 * ARNs built from the names in prod.yaml (every name is fixed there, so the stacks need no cross-stack
 * export for them and the IAM policies read as what they allow).
 */
import { Aws } from "aws-cdk-lib";
import type { InfraSettings } from "./settings.ts";

export function bucketArn(bucket: string): string {
  return `arn:${Aws.PARTITION}:s3:::${bucket}`;
}

/** Objects under a key prefix ("silver/" → bucket/silver/*). */
export function objectsArn(bucket: string, prefix: string): string {
  return `${bucketArn(bucket)}/${prefix}*`;
}

/** The Glue catalog, the silver database and its tables: what a Glue permission on "that database only" names. */
export function glueDatabaseArns(settings: InfraSettings): string[] {
  const base = `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}`;
  return [`${base}:catalog`, `${base}:database/${settings.glueDatabase}`, `${base}:table/${settings.glueDatabase}/*`];
}

/** The lake's prefixes inside the bucket (under storage.prefix). */
export function lakePrefix(settings: InfraSettings, zone: "landing" | "silver" | "quarantine"): string {
  return `${settings.storage.prefix}${zone}/`;
}
