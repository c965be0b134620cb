import { RemovalPolicy, Stack, Validations, type StackProps } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as kms from "aws-cdk-lib/aws-kms";
import * as logs from "aws-cdk-lib/aws-logs";
import * as redshift from "aws-cdk-lib/aws-redshiftserverless";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { bucketArn, glueDatabaseArns, lakePrefix, objectsArn } from "./arns.ts";
import { output } from "./outputs.ts";
import type { InfraSettings } from "./settings.ts";

export interface WarehouseStackProps extends StackProps {
  /** The lake's customer key when the bucket uses SSE-KMS (Spectrum then needs kms:Decrypt). */
  lakeKey?: kms.IKey;
}

/**
 * Redshift Serverless in private subnets: the namespace (admin credentials generated into Secrets Manager,
 * never in the template), the workgroup, the Spectrum role (read silver/ and that Glue database only), the
 * VPC the pipeline's tasks share, and a client security group that is the only way in (port 5439).
 */
export class WarehouseStack extends Stack {
  readonly vpc: ec2.Vpc;
  /** Members of this group may connect to the workgroup; nothing else may. */
  readonly clientSecurityGroup: ec2.SecurityGroup;
  readonly secret: secretsmanager.Secret;
  readonly spectrumRole: iam.Role;
  readonly namespace: redshift.CfnNamespace;
  readonly workgroup: redshift.CfnWorkgroup;

  constructor(scope: Construct, id: string, settings: InfraSettings, props: WarehouseStackProps = {}) {
    super(scope, id, props);
    const { warehouse, network, storage } = settings;

    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr("10.40.0.0/16"),
      // Explicit zones: synth needs no account lookup (Redshift Serverless wants subnets in three zones).
      availabilityZones: network.availabilityZones,
      natGateways: network.natGateways,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "private", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      restrictDefaultSecurityGroup: true,
      // S3 traffic (Spectrum with enhanced VPC routing, the pipeline's reads and writes) stays off the NAT gateway.
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    this.vpc.addFlowLog("FlowLog", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, "FlowLogs", { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY })),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    const warehouseSg = new ec2.SecurityGroup(this, "WarehouseSg", { vpc: this.vpc, description: "Redshift Serverless workgroup: ingress only from the client group", allowAllOutbound: true });
    this.clientSecurityGroup = new ec2.SecurityGroup(this, "ClientSg", { vpc: this.vpc, description: "Warehouse clients (the pipeline tasks)", allowAllOutbound: true });
    warehouseSg.addIngressRule(this.clientSecurityGroup, ec2.Port.tcp(warehouse.port), "Redshift from the warehouse clients");

    this.secret = new secretsmanager.Secret(this, "AdminSecret", {
      secretName: warehouse.secretName,
      description: `Redshift Serverless admin credentials of ${warehouse.namespace} (generated at deploy; read by lakehouse --env prod)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: warehouse.adminUser }),
        generateStringKey: "password",
        passwordLength: 32,
        // Redshift refuses these in a password.
        excludeCharacters: "\"'\\/@ ",
      },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason: "No rotation Lambda in this app: the pipeline reads the secret at the start of every task, so rotating it by hand (or adding a hosted rotation) needs no change elsewhere.",
    });

    this.spectrumRole = new iam.Role(this, "SpectrumRole", {
      roleName: warehouse.spectrumRoleName,
      description: "Redshift Spectrum: read the silver Iceberg tables through the Glue database",
      assumedBy: new iam.CompositePrincipal(new iam.ServicePrincipal("redshift.amazonaws.com"), new iam.ServicePrincipal("redshift-serverless.amazonaws.com")),
    });
    const silver = lakePrefix(settings, "silver");
    const spectrum = new iam.Policy(this, "SpectrumRead", {
      statements: [
        new iam.PolicyStatement({ sid: "ReadSilverObjects", actions: ["s3:GetObject"], resources: [objectsArn(storage.bucket, silver)] }),
        new iam.PolicyStatement({ sid: "ListSilverPrefix", actions: ["s3:ListBucket"], resources: [bucketArn(storage.bucket)], conditions: { StringLike: { "s3:prefix": [`${silver}*`] } } }),
        new iam.PolicyStatement({ sid: "LocateBucket", actions: ["s3:GetBucketLocation"], resources: [bucketArn(storage.bucket)] }),
        new iam.PolicyStatement({
          sid: "ReadSilverCatalog",
          actions: ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"],
          resources: glueDatabaseArns(settings),
        }),
      ],
    });
    if (props.lakeKey) spectrum.addStatements(new iam.PolicyStatement({ sid: "DecryptLake", actions: ["kms:Decrypt"], resources: [props.lakeKey.keyArn] }));
    this.spectrumRole.attachInlinePolicy(spectrum);
    Validations.of(spectrum).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${storage.bucket}/${silver}*]`, reason: "Spectrum reads every object of the silver prefix (the Iceberg tables' data and metadata files): the prefix is the least it can be given." },
      { id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${settings.glueDatabase}/*]`, reason: "The tables of the silver Glue database only; their names are created by `lakehouse silver`." },
    );

    this.namespace = new redshift.CfnNamespace(this, "Namespace", {
      namespaceName: warehouse.namespace,
      dbName: warehouse.database,
      adminUsername: warehouse.adminUser,
      // A dynamic reference ({{resolve:secretsmanager:…}}): CloudFormation reads the value at deploy time.
      adminUserPassword: this.secret.secretValueFromJson("password").unsafeUnwrap(),
      iamRoles: [this.spectrumRole.roleArn],
      defaultIamRoleArn: this.spectrumRole.roleArn,
      logExports: ["userlog", "connectionlog", "useractivitylog"],
    });
    this.namespace.node.addDependency(this.spectrumRole, spectrum);

    this.workgroup = new redshift.CfnWorkgroup(this, "Workgroup", {
      workgroupName: warehouse.workgroup,
      namespaceName: warehouse.namespace,
      baseCapacity: warehouse.baseRpu,
      port: warehouse.port,
      publiclyAccessible: false,
      enhancedVpcRouting: true,
      subnetIds: this.vpc.privateSubnets.map((s) => s.subnetId),
      securityGroupIds: [warehouseSg.securityGroupId],
      configParameters: [
        { parameterKey: "require_ssl", parameterValue: "true" },
        { parameterKey: "enable_user_activity_logging", parameterValue: "true" },
      ],
    });
    this.workgroup.addResourceDependency(this.namespace);

    output(this, "WorkgroupName", warehouse.workgroup, "warehouse.workgroup");
    output(this, "WarehouseHost", this.workgroup.attrWorkgroupEndpointAddress, "warehouse.host");
    output(this, "WarehousePort", String(warehouse.port), "warehouse.port");
    output(this, "WarehouseDatabase", warehouse.database, "warehouse.database");
    output(this, "WarehouseUser", warehouse.adminUser, "warehouse.user");
    output(this, "SpectrumRoleArn", this.spectrumRole.roleArn, "warehouse.iam_role");
    // The secret's ARN, never its value: lakehouse reads the value from Secrets Manager at run time.
    output(this, "SecretArn", this.secret.secretArn, "warehouse.secret_name");
    output(this, "WorkgroupArn", this.workgroup.attrWorkgroupWorkgroupArn, "(the Data API target; informational)");
  }
}
