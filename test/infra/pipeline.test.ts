import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, test } from "vitest";
import { parseEnvironmentFile } from "../../scripts/core/config.ts";
import { ENTITIES, SOURCES } from "../../scripts/land/layout.ts";
import { deployedEnvironment } from "../../infra/lib/deployed-environment.ts";
import { actionsOf, flat, iamStatements, removeOutdir, resourcesOf, resourcesOfStatement, synthApp, templateOf } from "./synth.ts";

/** The pipeline stack (cdk synth offline, dummy account; the image asset is staged, never built). */

const built = synthApp({ "deftunes:schedule": "cron(30 4 * * ? *)", "deftunes:timeZone": "Europe/Dublin", "deftunes:silverMaxConcurrency": "2" });
const template = templateOf(built.pipeline);
afterAll(() => removeOutdir(built.outdir));

interface State {
  Type: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Retry?: Array<{ ErrorEquals: string[]; MaxAttempts: number; BackoffRate?: number; IntervalSeconds?: number }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Items?: unknown;
  MaxConcurrency?: number;
  ItemProcessor?: { StartAt: string; States: Record<string, State> };
  Branches?: Array<{ StartAt: string; States: Record<string, State> }>;
  Arguments?: { Overrides?: { ContainerOverrides: Array<{ Command: string[] }> }; LaunchType?: string };
}
const [, machine] = resourcesOf(template, "AWS::StepFunctions::StateMachine")[0];
const definition = JSON.parse(flat(machine.Properties!.DefinitionString)) as { QueryLanguage?: string; StartAt: string; States: Record<string, State> };

/** Every state, nested ones (Parallel branches, Map processors) included. */
function allStates(states: Record<string, State>): Array<[string, State]> {
  return Object.entries(states).flatMap(([name, s]) => [
    [name, s] as [string, State],
    ...(s.ItemProcessor ? allStates(s.ItemProcessor.States) : []),
    ...(s.Branches ?? []).flatMap((b) => allStates(b.States)),
  ]);
}
const states = new Map(allStates(definition.States));
const commandOf = (name: string) => states.get(name)!.Arguments!.Overrides!.ContainerOverrides[0].Command;
/** The stage order of the day: follow Next from the branch's start. */
function order(branch: { StartAt: string; States: Record<string, State> }): string[] {
  const out: string[] = [];
  for (let at: string | undefined = branch.StartAt; at; at = branch.States[at].Next) out.push(at);
  return out;
}

describe("state machine", () => {
  test("one day in order: window → land → silver → build gold → assertions, failures caught and published", () => {
    expect(definition.QueryLanguage).toBe("JSONata");
    const day = definition.States[definition.StartAt];
    expect(day.Type).toBe("Parallel");
    expect(order(day.Branches![0])).toEqual(["Window", "Land", "Silver", "Build gold", "Assertions"]);
    expect(day.Catch).toEqual([expect.objectContaining({ ErrorEquals: ["States.ALL"], Next: "Notify failure" })]);
    expect(states.get("Notify failure")!.Resource).toMatch(/:states:::sns:publish$/);
    expect(states.get("Notify failure")!.Next).toBe("Failed");
  });

  test("silver is a Map with one Fargate task per landed entity, in parallel up to the configured concurrency", () => {
    const silver = states.get("Silver")!;
    expect(silver.Type).toBe("Map");
    expect(silver.Items).toEqual([...ENTITIES]);
    expect(silver.MaxConcurrency).toBe(2);
    const task = silver.ItemProcessor!.States[silver.ItemProcessor!.StartAt];
    expect(task.Resource).toMatch(/:states:::ecs:runTask\.sync$/);
    expect(task.Arguments!.LaunchType).toBe("FARGATE");
    expect(commandOf("Silver entity")).toEqual(["silver", "--env", "prod", "--entity", "{% $states.input.entity %}"]);
  });

  test("land is a Map over the sources with the run's window; build and assertions run lakehouse on prod", () => {
    expect(states.get("Land")!.Items).toEqual([...SOURCES]);
    expect(commandOf("Land source")).toEqual(["land", "--env", "prod", "--source", "{% $states.input.source %}", "--start-date", "{% $states.input.start_date %}", "--end-date", "{% $states.input.end_date %}"]);
    expect(commandOf("Build gold")).toEqual(["run", "--env", "prod"]);
    expect(commandOf("Assertions")).toEqual(["test", "--env", "prod", "--skip-unit"]);
  });

  test("every task retries with exponential backoff; assertions only for launch errors", () => {
    const tasks = [...states].filter(([, s]) => s.Type === "Task");
    expect(tasks.length).toBe(5);
    for (const [name, s] of tasks) {
      expect(s.Retry, name).toBeDefined();
      expect(s.Retry![0].MaxAttempts, name).toBeGreaterThanOrEqual(2);
      expect(s.Retry![0].BackoffRate, name).toBe(2);
    }
    expect(states.get("Silver entity")!.Retry![0].ErrorEquals).toEqual(["States.ALL"]);
    expect(states.get("Assertions")!.Retry![0].ErrorEquals).not.toContain("States.ALL");
  });

  test("logging of every execution and X-Ray tracing are on", () => {
    expect(machine.Properties).toMatchObject({ LoggingConfiguration: { Level: "ALL" }, TracingConfiguration: { Enabled: true } });
  });
});

describe("schedule and alarms", () => {
  test("an EventBridge Scheduler schedule starts the state machine with its own time (the previous day is derived from it)", () => {
    const machineId = resourcesOf(template, "AWS::StepFunctions::StateMachine")[0][0];
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(30 4 * * ? *)",
      ScheduleExpressionTimezone: "Europe/Dublin",
      State: "ENABLED",
      Target: Match.objectLike({ Arn: { Ref: machineId }, Input: JSON.stringify({ scheduled_time: "<aws.scheduler.scheduled-time>" }), RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 3 }) }),
    });
  });

  test("failed, timed-out and aborted executions raise an alarm on the encrypted failure topic", () => {
    const topicId = resourcesOf(template, "AWS::SNS::Topic")[0][0];
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      AlarmActions: [{ Ref: topicId }],
      Threshold: 1,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: "failed + timedOut + aborted" })]),
    });
    const metricNames = JSON.stringify(resourcesOf(template, "AWS::CloudWatch::Alarm")[0][1].Properties!.Metrics);
    for (const m of ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"]) expect(metricNames).toContain(m);
  });
});

describe("Fargate task", () => {
  const [, taskDef] = resourcesOf(template, "AWS::ECS::TaskDefinition")[0];
  const container = (taskDef.Properties!.ContainerDefinitions as Array<Record<string, unknown>>)[0];
  const environment = Object.fromEntries((container.Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, flat(e.Value)]));

  test("a Fargate task of the repository's image (a CDK image asset), logs to CloudWatch", () => {
    expect(taskDef.Properties).toMatchObject({ RequiresCompatibilities: ["FARGATE"], NetworkMode: "awsvpc", Cpu: "2048", Memory: "8192" });
    expect(flat(container.Image)).toMatch(/cdk-hnb659fds-container-assets-.*:[0-9a-f]{64}$/);
    expect(container.LogConfiguration).toMatchObject({ LogDriver: "awslogs" });
  });

  test("the container gets prod.yaml rendered from the deployed resources, names and ARNs only", () => {
    const env = JSON.parse(environment.LAKEHOUSE_PROD_ENVIRONMENT) as { warehouse: Record<string, unknown>; storage: Record<string, unknown>; silver: Record<string, unknown> };
    expect(env.warehouse.host).toMatch(/^\$\{import:DeftunesWarehouse:ExportsOutputFnGetAttWorkgroupWorkgroupEndpointAddress/);
    expect(env.warehouse.iam_role).toMatch(/^\$\{import:DeftunesWarehouse:ExportsOutputFnGetAttSpectrumRole/);
    expect(env.warehouse.secret_name).toMatch(/^\$\{import:DeftunesWarehouse:ExportsOutputRefAdminSecret/);
    expect(env.warehouse.workgroup).toBe("deftunes-wh");
    expect(env.storage).toMatchObject({ type: "s3", bucket: "deftunes-lakehouse", region: "eu-west-1" });
    expect(env.silver).toMatchObject({ catalog: "glue", glue_database: "deftunes_silver" });
    expect(JSON.stringify(env)).not.toMatch(/password"\s*:|resolve:secretsmanager/);
  });

  test("the catalog password reaches the container as an ECS secret, never as a plain variable", () => {
    expect(container.Secrets).toEqual([{ Name: "CATALOG_PASSWORD", ValueFrom: expect.anything() }]);
    expect(flat((container.Secrets as Array<{ ValueFrom: unknown }>)[0].ValueFrom)).toMatch(/^\$\{CatalogSecret\w+\}:password::$/);
    expect(Object.keys(environment).sort()).toEqual(["LAKEHOUSE_ENV", "LAKEHOUSE_PROD_ENVIRONMENT"]);
  });

  test("the rendered environment, with the values of a deployment, is a prod.yaml the CLI loads", () => {
    const rendered = deployedEnvironment(built.settings.environment, {
      bucket: "deftunes-lakehouse",
      region: "eu-west-1",
      glueDatabase: "deftunes_silver",
      workgroup: "deftunes-wh",
      host: "deftunes-wh.123456789012.eu-west-1.redshift-serverless.amazonaws.com",
      port: 5439,
      database: "deftunes",
      user: "dataform",
      spectrumRoleArn: "arn:aws:iam::123456789012:role/deftunes-spectrum",
      secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:deftunes/redshift/dataform-AbCdEf",
    });
    const loaded = parseEnvironmentFile("rendered prod.yaml", JSON.stringify(rendered));
    expect(loaded.warehouse).toMatchObject({ host: "deftunes-wh.123456789012.eu-west-1.redshift-serverless.amazonaws.com", secret_name: expect.stringMatching(/^arn:aws:secretsmanager:/), workgroup: "deftunes-wh" });
    expect(loaded.warehouse.cluster_identifier).toBeUndefined();
  });
});

describe("task role: least privilege", () => {
  const statements = iamStatements(template).filter((s) => s.policy.startsWith("TaskPolicy"));

  test("S3: the lake's three prefixes read/write, the sources read-only, listing limited by prefix", () => {
    const lake = statements.find((s) => s.Sid === "LakeObjects")!;
    expect(resourcesOfStatement(lake).sort()).toEqual(["landing", "quarantine", "silver"].map((z) => `arn:\${AWS::Partition}:s3:::deftunes-lakehouse/${z}/*`));
    for (const s of statements.filter((x) => actionsOf(x).some((a) => a.startsWith("s3:")))) {
      for (const r of resourcesOfStatement(s)) expect(r).toMatch(/^arn:\$\{AWS::Partition\}:s3:::(deftunes-lakehouse|deftunes-raw)(\/.+\/\*)?$/);
      if (actionsOf(s).includes("s3:ListBucket")) expect(s.Condition).toHaveProperty("StringLike.s3:prefix");
      if (resourcesOfStatement(s).some((r) => r.includes("deftunes-raw"))) expect(actionsOf(s).every((a) => a === "s3:GetObject" || a === "s3:ListBucket")).toBe(true);
    }
  });

  test("Data API: statements on the one workgroup; the resource-less actions only on the role's own statements", () => {
    const execute = statements.find((s) => s.Sid === "DataApiOnWorkgroup")!;
    expect(resourcesOfStatement(execute)).toEqual([expect.stringMatching(/^\$\{import:DeftunesWarehouse:ExportsOutputFnGetAttWorkgroupWorkgroupWorkgroupArn/)]);
    for (const s of statements.filter((x) => resourcesOfStatement(x).includes("*"))) {
      expect(s.Condition).toEqual({ StringEquals: { "redshift-data:statement-owner-iam-userid": "${aws:userid}" } });
    }
  });

  test("the warehouse secret is the only secret the task reads itself", () => {
    const secret = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("secretsmanager:")));
    expect(secret).toHaveLength(1);
    expect(resourcesOfStatement(secret[0])).toEqual([expect.stringMatching(/^\$\{import:DeftunesWarehouse:ExportsOutputRefAdminSecret/)]);
  });
});
