import { Aws, Stack, type StackProps } from "aws-cdk-lib";
import * as glue from "aws-cdk-lib/aws-glue";
import type { Construct } from "constructs";
import { lakePrefix } from "./arns.ts";
import { output } from "./outputs.ts";
import type { InfraSettings } from "./settings.ts";

/** The Glue database that catalogs the silver Iceberg tables (silver.glue_database; the tables are committed by `lakehouse silver`). */
export class CatalogStack extends Stack {
  readonly database: glue.CfnDatabase;

  constructor(scope: Construct, id: string, settings: InfraSettings, props: StackProps = {}) {
    super(scope, id, props);
    this.database = new glue.CfnDatabase(this, "Silver", {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: settings.glueDatabase,
        description: "deftunes-lakehouse silver: Iceberg tables written by `lakehouse silver --env prod`",
        locationUri: `s3://${settings.storage.bucket}/${lakePrefix(settings, "silver")}`,
      },
    });
    output(this, "GlueDatabase", settings.glueDatabase, "silver.glue_database");
  }
}
