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

export type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** A template value (string, Fn::Join, Ref, GetAtt, ImportValue) as one string; references written ${Id}. */
export function flat(value: unknown): string {
  if (typeof value === "string") return value;
  const v = value as Record<string, unknown>;
  if (v["Fn::Join"]) {
    const [sep, parts] = v["Fn::Join"] as [string, unknown[]];
    return parts.map(flat).join(sep);
  }
  if (v.Ref) return `\${${String(v.Ref)}}`;
  if (v["Fn::GetAtt"]) return `\${${(v["Fn::GetAtt"] as string[]).join(".")}}`;
  if (typeof v["Fn::Sub"] === "string") return v["Fn::Sub"];
  if (v["Fn::ImportValue"]) return `\${import:${flat(v["Fn::ImportValue"])}}`;
  return JSON.stringify(value);
}

export const resourcesOfStatement = (s: Statement): string[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).map(flat);

/** Every statement of every identity policy (AWS::IAM::Policy and roles' inline policies) in a template. */
export function iamStatements(template: Template): Array<Statement & { policy: string }> {
  const out: Array<Statement & { policy: string }> = [];
  for (const [id, p] of resourcesOf(template, "AWS::IAM::Policy")) {
    for (const s of (p.Properties!.PolicyDocument as { Statement: Statement[] }).Statement) out.push({ ...s, policy: id });
  }
  for (const [id, r] of resourcesOf(template, "AWS::IAM::Role")) {
    for (const inline of (r.Properties?.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>) ?? []) {
      for (const s of inline.PolicyDocument.Statement) out.push({ ...s, policy: id });
    }
  }
  return out;
}
