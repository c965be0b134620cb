import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { Stack } from "aws-cdk-lib";
import { buildApp, type DeftunesApp } from "../../infra/lib/app.ts";

/** The fixed dummy target every infra test synthesizes for (no AWS account is ever contacted). */
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

/** The app as `cdk synth` builds it from infra/cdk.json's context, with a dummy account and a temporary cloud assembly. */
export function synthApp(context: Record<string, unknown> = {}, options: { nag?: boolean } = {}): DeftunesApp & { outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "infra-synth-"));
  const cdkJson = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "../../infra/cdk.json"), "utf8")) as { context: Record<string, unknown> };
  const app = new App({ outdir, context: { ...cdkJson.context, "deftunes:account": ACCOUNT, "deftunes:region": REGION, ...context } });
  return { ...buildApp(app, { nag: options.nag ?? false }), outdir };
}

export function templateOf(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** Every resource of a type in a template, as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): Array<[string, { Properties?: Record<string, unknown> }]> {
  return Object.entries(template.findResources(type)) as Array<[string, { Properties?: Record<string, unknown> }]>;
}

export function removeOutdir(outdir: string): void {
  fs.rmSync(outdir, { recursive: true, force: true });
}
