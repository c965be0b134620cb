/** The whole CDK app: the stacks in deployment order and the cdk-nag checks over them. */
import { App, Validations, type Environment as CdkEnvironment } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { loadSettings, type InfraSettings } from "./settings.ts";
import { StorageStack } from "./storage-stack.ts";

export interface DeftunesApp {
  app: App;
  settings: InfraSettings;
  storage: StorageStack;
}

/** Builds the stacks into `app` (a new App when absent). `nag: false` leaves the AwsSolutions checks out. */
export function buildApp(app: App = new App(), options: { nag?: boolean; settings?: InfraSettings } = {}): DeftunesApp {
  const settings = options.settings ?? loadSettings(app.node);
  const env: CdkEnvironment = { account: settings.account, region: settings.region };
  const name = (part: string) => `${settings.stackPrefix}${part}`;
  const storage = new StorageStack(app, name("Storage"), settings, { env, description: "deftunes-lakehouse: the lake bucket (landing, silver, quarantine)" });
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, settings, storage };
}
