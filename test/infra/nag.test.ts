import * as fs from "node:fs";
import * as path from "node:path";
import { Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { afterAll, describe, expect, test } from "vitest";
import { actionsOf, iamStatements, removeOutdir, resourcesOfStatement, synthApp, templateOf } from "./synth.ts";

/** cdk-nag's AwsSolutions pack over the whole app, and the rules every stack keeps (offline synth, dummy account). */

interface Violation { ruleName: string; severity: string; acknowledgedId?: string; violatingConstructs: Array<{ constructPath: string }> }
interface Report { pluginReports: Array<{ pluginName: string; conclusion: string; violations: Violation[] }> }

function synthWithNag(mutate?: (built: ReturnType<typeof synthApp>) => void): { report: Report; error?: Error; built: ReturnType<typeof synthApp> } {
  const built = synthApp({}, { nag: true });
  mutate?.(built);
  let error: Error | undefined;
  try {
    built.app.synth();
  } catch (e) {
    error = e as Error;
  }
  const report = JSON.parse(fs.readFileSync(path.join(built.outdir, "validation-report.json"), "utf8")) as Report;
  return { report, error, built };
}
const unacknowledged = (report: Report, pack: string) =>
  report.pluginReports.filter((p) => p.pluginName === pack).flatMap((p) => p.violations.filter((v) => v.severity === "error" && !v.acknowledgedId));

const clean = synthWithNag();
afterAll(() => removeOutdir(clean.built.outdir));

describe("cdk-nag AwsSolutions", () => {
  test("the whole app synthesizes with zero unacknowledged AwsSolutions errors", () => {
    expect(clean.error).toBeUndefined();
    expect(unacknowledged(clean.report, "AwsSolutions")).toEqual([]);
  });

  test("the checks are live: a bucket without a TLS-only policy or access logs, added to a stack, fails the synth", () => {
    const broken = synthWithNag((b) => void new s3.Bucket(b.storage, "Careless"));
    try {
      expect(broken.error?.message).toMatch(/validation-report\.json/);
      const rules = unacknowledged(broken.report, "AwsSolutions").map((v) => `${v.ruleName} ${v.violatingConstructs[0].constructPath}`);
      expect(rules).toEqual(expect.arrayContaining(["AwsSolutions-S1 DeftunesStorage/Careless/Resource", "AwsSolutions-S10 DeftunesStorage/Careless/Resource"]));
    } finally {
      removeOutdir(broken.built.outdir);
    }
  });

  test("each acknowledgement names one rule (one finding for IAM5) and gives its reason in code", () => {
    const acknowledged: Array<{ path: string; id: string; reason: string }> = [];
    for (const c of clean.built.app.node.findAll()) {
      for (const m of c.node.metadata) {
        if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(m.data as Record<string, string>)) acknowledged.push({ path: c.node.path, id, reason });
      }
    }
    const nag = acknowledged.filter((a) => a.id.includes("AwsSolutions-"));
    for (const a of nag) {
      expect(a.reason.length, a.id).toBeGreaterThan(40);
      if (a.id.includes("IAM5")) expect(a.id, "acknowledge IAM5 per finding").toMatch(/IAM5\[(Resource|Action)::.+\]$/);
    }
    // The list is deliberate: a new acknowledgement shows up here and needs a look.
    const rules = [...new Set(nag.map((a) => `${a.path.split("/")[0]}: ${a.id.replace(/^Annotation::/, "").replace(/\[.*$/, "")}`))].sort();
    expect(rules).toEqual([
      "DeftunesPipeline: AwsSolutions-ECS2",
      "DeftunesPipeline: AwsSolutions-IAM5",
      "DeftunesPipeline: AwsSolutions-SMG4",
      "DeftunesStorage: AwsSolutions-S1",
      "DeftunesWarehouse: AwsSolutions-IAM5",
      "DeftunesWarehouse: AwsSolutions-SMG4",
    ]);
  });
});

describe("IAM across every stack", () => {
  const stacks = [clean.built.storage, clean.built.catalog, clean.built.warehouse, clean.built.pipeline];
  const statements = stacks.flatMap((s) => iamStatements(templateOf(s)).map((st) => ({ ...st, stack: s.stackName })));

  test("no statement allows a wildcard action, and none allows anything on * but actions that name no resource", () => {
    expect(statements.length).toBeGreaterThan(10);
    const resourceLess = /^(ecr:GetAuthorizationToken|ecs:(DescribeTasks|StopTask)|logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)|xray:\w+|redshift-data:(DescribeStatement|GetStatementResult|CancelStatement|ListStatements))$/;
    for (const s of statements.filter((x) => x.Effect === "Allow")) {
      for (const action of actionsOf(s)) expect(action, `${s.stack} ${s.policy}`).not.toMatch(/^\*$|:\*$/);
      if (resourcesOfStatement(s).includes("*")) {
        for (const action of actionsOf(s)) expect(action, `${s.stack} ${s.policy}`).toMatch(resourceLess);
      }
    }
  });
});
