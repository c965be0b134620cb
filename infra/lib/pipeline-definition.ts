/**
 * The daily pipeline as a Step Functions definition (JSONata): one day or a window, then
 *   Window → Land (Map: one task per source) → Silver (Map: one task per landed entity, in parallel)
 *   → Build (gold on Redshift) → Assertions; any failure → publish to the failure topic → Fail.
 * Every stage is idempotent (re-landing replaces partitions, silver skips unchanged partitions and commits
 * through the Glue catalog's optimistic concurrency with retries, Dataform rebuilds), so each task retries.
 */
import { Duration } from "aws-cdk-lib";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type * as sns from "aws-cdk-lib/aws-sns";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";

export interface PipelineDefinitionProps {
  cluster: ecs.ICluster;
  taskDefinition: ecs.FargateTaskDefinition;
  container: ecs.ContainerDefinition;
  subnets: ec2.SubnetSelection;
  securityGroups: ec2.ISecurityGroup[];
  topic: sns.ITopic;
  sources: readonly string[];
  entities: readonly string[];
  silverMaxConcurrency: number;
}

/** The day before the schedule's time (or the execution's start), `YYYY-MM-DD`. */
const PREVIOUS_DAY =
  "$fromMillis($toMillis($exists($states.input.scheduled_time) ? $states.input.scheduled_time : $states.context.Execution.StartTime) - 86400000, '[Y0001]-[M01]-[D01]')";

/**
 * The window of a run: `{start_date, end_date}` from the input (a backfill), else the previous day.
 * `{"start_date": "2018-11-01", "end_date": "2018-11-30"}` backfills November; `{"start_date": "2018-11-05"}` one day.
 */
export const WINDOW_EXPRESSION = `{% ( $day := ${PREVIOUS_DAY}; $start := $exists($states.input.start_date) ? $states.input.start_date : $day; { "start_date": $start, "end_date": $exists($states.input.end_date) ? $states.input.end_date : $start } ) %}`;

/** Retries of a pipeline task: transient failures (capacity, network, a lost Glue commit race) clear with backoff. */
export const TASK_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.minutes(1),
  backoffRate: 2,
  maxAttempts: 3,
  maxDelay: Duration.minutes(10),
  jitterStrategy: sfn.JitterType.FULL,
};

export function dailyPipeline(scope: Construct, props: PipelineDefinitionProps): sfn.IChainable {
  /** One `lakehouse <args>` run of the container on Fargate, waiting for it to stop (.sync). */
  const lakehouse = (id: string, command: string[], retry: sfn.RetryProps = TASK_RETRY) =>
    tasks.EcsRunTask.jsonata(scope, id, {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      cluster: props.cluster,
      taskDefinition: props.taskDefinition,
      launchTarget: new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }),
      subnets: props.subnets,
      securityGroups: props.securityGroups,
      assignPublicIp: false,
      containerOverrides: [{ containerDefinition: props.container, command }],
      // Keep the state small: the task's ARN and exit code, not the whole DescribeTasks answer.
      outputs: "{% { 'task': $states.result.TaskArn, 'exit_code': $states.result.Containers[0].ExitCode } %}",
      taskTimeout: sfn.Timeout.duration(Duration.hours(3)),
    }).addRetry(retry);

  const window = sfn.Pass.jsonata(scope, "Window", { comment: "the day (or backfill window) this execution covers", outputs: WINDOW_EXPRESSION });

  const land = sfn.Map.jsonata(scope, "Land", {
    comment: "one task per source: catalog, api, sparkify",
    items: sfn.ProvideItems.jsonArray([...props.sources]),
    itemSelector: { source: "{% $states.context.Map.Item.Value %}", start_date: "{% $states.input.start_date %}", end_date: "{% $states.input.end_date %}" },
    maxConcurrency: props.sources.length,
    outputs: "{% $states.input %}",
  });
  land.itemProcessor(
    lakehouse("Land source", ["land", "--env", "prod", "--source", "{% $states.input.source %}", "--start-date", "{% $states.input.start_date %}", "--end-date", "{% $states.input.end_date %}"]),
  );

  const silver = sfn.Map.jsonata(scope, "Silver", {
    comment: "one task per landed entity, in parallel: each commits its own Iceberg table through the Glue catalog",
    items: sfn.ProvideItems.jsonArray([...props.entities]),
    itemSelector: { entity: "{% $states.context.Map.Item.Value %}" },
    maxConcurrency: props.silverMaxConcurrency,
    outputs: "{% $states.input %}",
  });
  silver.itemProcessor(lakehouse("Silver entity", ["silver", "--env", "prod", "--entity", "{% $states.input.entity %}"]));

  const build = lakehouse("Build gold", ["run", "--env", "prod"]);
  // A failed assertion is a finding, not a glitch: retried only for errors of the task's launch.
  const assertions = lakehouse("Assertions", ["test", "--env", "prod", "--skip-unit"], {
    errors: ["ECS.AmazonECSException", "ECS.ServerException", sfn.Errors.TIMEOUT],
    interval: Duration.minutes(1),
    backoffRate: 2,
    maxAttempts: 2,
  });

  const notify = tasks.SnsPublish.jsonata(scope, "Notify failure", {
    topic: props.topic,
    subject: "deftunes pipeline failed",
    message: sfn.TaskInput.fromText("{% 'Execution ' & $states.context.Execution.Id & ' failed: ' & $states.input.Error & ': ' & $states.input.Cause %}"),
  }).addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(10), backoffRate: 2, maxAttempts: 3 });
  const failed = new sfn.Fail(scope, "Failed", { comment: "see the failure topic's message and the task logs" });
  const handler = notify.next(failed);

  const run = new sfn.Parallel(scope, "Day", { comment: "the stages in order; any failure is caught once, below", queryLanguage: sfn.QueryLanguage.JSONATA })
    .branch(window.next(land).next(silver).next(build).next(assertions))
    .addCatch(handler, { errors: [sfn.Errors.ALL] });
  return run.next(new sfn.Succeed(scope, "Done"));
}

