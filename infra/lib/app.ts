/** The whole CDK app: the stacks in deployment order and the cdk-nag checks over them. */
import { App, Validations, type Environment as CdkEnvironment } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadSettings, type InfraSettings } from "./settings.ts";
import { CatalogStack } from "./catalog-stack.ts";
import { PipelineStack } from "./pipeline-stack.ts";
import { StorageStack } from "./storage-stack.ts";
import { WarehouseStack } from "./warehouse-stack.ts";

export interface DeftunesApp {
  app: App;
  settings: InfraSettings;
  storage: StorageStack;
  catalog: CatalogStack;
  warehouse: WarehouseStack;
  pipeline: PipelineStack;
}

/** Builds the stacks into `app` (a new App when absent). `nag: false` leaves the AwsSolutions checks out. */
export function buildApp(app: App = new App(), options: { nag?: boolean; settings?: InfraSettings } = {}): DeftunesApp {
  const settings = options.settings ?? loadSettings(app.node);
  const env: CdkEnvironment = { account: settings.account, region: settings.region };
  const name = (part: string) => `${settings.stackPrefix}${part}`;
  const storage = new StorageStack(app, name("Storage"), settings, { env, description: "deftunes-lakehouse: the lake bucket (landing, silver, quarantine)" });
  const catalog = new CatalogStack(app, name("Catalog"), settings, { env, description: "deftunes-lakehouse: the Glue database of the silver Iceberg tables" });
  const warehouse = new WarehouseStack(app, name("Warehouse"), settings, { env, lakeKey: storage.key, description: "deftunes-lakehouse: Redshift Serverless, its secret and Spectrum role, the VPC" });
  // The Spectrum role names the bucket and the database by name (prod.yaml): deploy them first.
  warehouse.addStackDependency(storage);
  warehouse.addStackDependency(catalog);
  const pipeline = new PipelineStack(app, name("Pipeline"), settings, { env, warehouse, lakeKey: storage.key, description: "deftunes-lakehouse: the daily pipeline (Step Functions, ECS Fargate, EventBridge Scheduler, failure alarm)" });
  pipeline.addStackDependency(catalog);
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, settings, storage, catalog, warehouse, pipeline };
}
