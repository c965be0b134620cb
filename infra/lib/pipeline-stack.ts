import { Duration, RemovalPolicy, Stack, TimeZone, Validations, type StackProps } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwActions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import * as targets from "aws-cdk-lib/aws-scheduler-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { deployedEnvironment } from "./deployed-environment.ts";
import { output } from "./outputs.ts";
import { dailyPipeline } from "./pipeline-definition.ts";
import { taskPolicy } from "./pipeline-policy.ts";
import type { InfraSettings } from "./settings.ts";
import type { WarehouseStack } from "./warehouse-stack.ts";

export interface PipelineStackProps extends StackProps {
  warehouse: WarehouseStack;
  lakeKey?: kms.IKey;
}

/**
 * The daily pipeline: this repository's image (Dockerfile at the root) as an ECS Fargate task, a Step Functions
 * state machine for one day or a window (land → silver, one task per landed entity in parallel → build gold →
 * assertions), an EventBridge Scheduler schedule, and a failure topic with an alarm on failed executions.
 */
export class PipelineStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly topic: sns.Topic;
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, settings: InfraSettings, props: PipelineStackProps) {
    super(scope, id, props);
    const { warehouse } = props;
    const vpc: ec2.IVpc = warehouse.vpc;

    const cluster = new ecs.Cluster(this, "Cluster", { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    // The source catalog database's password (catalog_db.password_env): generated here as a placeholder,
    // replaced by the operator with the real one (README, "Deploying to AWS"), injected by ECS, never in the template.
    const catalogSecret = new secretsmanager.Secret(this, "CatalogSecret", {
      secretName: settings.pipeline.catalogSecretName,
      description: "Password of the source catalog database (catalog_db in environments/prod.yaml); set it after the first deploy",
      generateSecretString: { secretStringTemplate: JSON.stringify({ username: settings.environment.catalog_db.user ?? "loader" }), generateStringKey: "password", excludePunctuation: true },
    });
    Validations.of(catalogSecret).acknowledge({ id: "AwsSolutions-SMG4", reason: "The source catalog database is not managed by this app: its password rotates with that database, and the operator writes it here." });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
      cpu: settings.pipeline.cpu,
      memoryLimitMiB: settings.pipeline.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const logGroup = new logs.LogGroup(this, "TaskLogs", { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    const rendered = deployedEnvironment(settings.environment, {
      bucket: settings.storage.bucket,
      region: this.region,
      glueDatabase: settings.glueDatabase,
      workgroup: settings.warehouse.workgroup,
      host: warehouse.workgroup.attrWorkgroupEndpointAddress,
      port: settings.warehouse.port,
      database: settings.warehouse.database,
      user: settings.warehouse.adminUser,
      spectrumRoleArn: warehouse.spectrumRole.roleArn,
      secretArn: warehouse.secret.secretArn,
    });
    const container = this.taskDefinition.addContainer("lakehouse", {
      image: ecs.ContainerImage.fromAsset(PROJECT_ROOT, { file: "Dockerfile" }),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: "pipeline" }),
      environment: {
        // JSON is YAML: the entry point writes this as environments/prod.yaml (no secret in it: the Redshift
        // password is read from warehouse.secret_name, the catalog password comes from the secret below).
        LAKEHOUSE_PROD_ENVIRONMENT: JSON.stringify(rendered),
        LAKEHOUSE_ENV: "prod",
      },
      secrets: { [settings.environment.catalog_db.password_env ?? "CATALOG_PASSWORD"]: ecs.Secret.fromSecretsManager(catalogSecret, "password") },
      readonlyRootFilesystem: false,
    });
    Validations.of(this.taskDefinition).acknowledge({
      id: "AwsSolutions-ECS2",
      reason: "The environment variables are names and ARNs (the rendered prod.yaml, LAKEHOUSE_ENV); the passwords come from Secrets Manager (ECS secrets and warehouse.secret_name).",
    });
    taskPolicy(this, settings, { role: this.taskDefinition.taskRole, workgroupArn: warehouse.workgroup.attrWorkgroupWorkgroupArn, secret: warehouse.secret, lakeKey: props.lakeKey });

    // Failures: a customer key so that CloudWatch alarms and Step Functions may publish to an encrypted topic.
    const topicKey = new kms.Key(this, "AlertsKey", { description: "deftunes pipeline failure topic", enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
    topicKey.grant(new iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey");
    this.topic = new sns.Topic(this, "Failures", { displayName: "deftunes pipeline failures", masterKey: topicKey, enforceSSL: true });
    if (settings.pipeline.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(settings.pipeline.alarmEmail));

    const definition = dailyPipeline(this, {
      cluster,
      taskDefinition: this.taskDefinition,
      container,
      subnets: { subnets: vpc.privateSubnets },
      securityGroups: [warehouse.clientSecurityGroup],
      topic: this.topic,
      sources: settings.pipeline.sources,
      entities: settings.pipeline.entities,
      silverMaxConcurrency: settings.pipeline.silverMaxConcurrency,
    });
    const machineLogs = new logs.LogGroup(this, "StateMachineLogs", { logGroupName: `/aws/vendedlogs/states/${settings.stackPrefix.toLowerCase()}-daily`, retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, "Daily", {
      stateMachineName: `${settings.stackPrefix.toLowerCase()}-daily`,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: machineLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // Publishing to an encrypted topic: a data key and its decryption, nothing else.
    topicKey.grant(this.stateMachine, "kms:Decrypt", "kms:GenerateDataKey");
    acknowledgeServiceWildcards(this, this.stateMachine, this.taskDefinition);

    new cloudwatch.Alarm(this, "FailedExecutions", {
      alarmDescription: "A deftunes daily pipeline execution failed, timed out or was aborted",
      metric: new cloudwatch.MathExpression({
        expression: "failed + timedOut + aborted",
        usingMetrics: { failed: this.stateMachine.metricFailed(), timedOut: this.stateMachine.metricTimedOut(), aborted: this.stateMachine.metricAborted() },
        period: Duration.minutes(5),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cwActions.SnsAction(this.topic));

    // Daily, for the previous day: the schedule passes its own time; the state machine's first state turns it into the window.
    this.schedule = new scheduler.Schedule(this, "DailySchedule", {
      description: "deftunes-lakehouse: the previous day's pipeline",
      schedule: scheduler.ScheduleExpression.expression(settings.pipeline.schedule, TimeZone.of(settings.pipeline.timeZone)),
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ scheduled_time: scheduler.ContextAttribute.scheduledTime }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
      }),
    });

    output(this, "StateMachineArn", this.stateMachine.stateMachineArn, "(start a run or a backfill: infra/README.md)");
    output(this, "FailureTopicArn", this.topic.topicArn, "(subscribe to pipeline failures)");
    output(this, "CatalogSecretArn", catalogSecret.secretArn, "catalog_db.password_env (the pipeline injects it)");
  }
}

/**
 * The wildcards CDK's own grants need (the actions that name no resource, and RunTask on any revision of the
 * task definition's family), acknowledged one finding at a time with the reason.
 */
function acknowledgeServiceWildcards(stack: Stack, machine: sfn.StateMachine, task: ecs.FargateTaskDefinition): void {
  const taskId = stack.getLogicalId(task.node.defaultChild as ecs.CfnTaskDefinition);
  const part = (i: number) => `{"Fn::Select":[${i},{"Fn::Split":[":",{"Ref":"${taskId}"}]}]}`;
  const family = (i: number) => `{"Fn::Select":[${i},{"Fn::Split":["/",${part(5)}]}]}`;
  Validations.of(machine.role).acknowledge(
    {
      id: "AwsSolutions-IAM5[Resource::*]",
      reason: "ecs:DescribeTasks/StopTask (the .sync integration), the log delivery and X-Ray actions support no resource-level permission.",
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:${part(1)}:${part(2)}:${part(3)}:${part(4)}:${family(0)}/${family(1)}:*]`,
      reason: "ecs:RunTask on the revisions of this task definition's family only (CDK's grant, so that a new image revision needs no policy change).",
    },
  );
  const execution = task.executionRole;
  if (execution) {
    Validations.of(execution).acknowledge({ id: "AwsSolutions-IAM5[Resource::*]", reason: "ecr:GetAuthorizationToken supports no resource; the image pull itself is limited to the CDK asset repository." });
  }
}
