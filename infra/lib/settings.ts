/**
 * What the CDK app builds, in one place: the names come from environments/prod.yaml (validated by the
 * project's own loader, so the app and `lakehouse --env prod` can never disagree on a name), the sizes and
 * switches from the CDK context (infra/cdk.json, or `-c deftunes:<key>=<value>` on the command line).
 */
import type { Node } from "constructs";
import { loadEnvironment, type Environment } from "../../scripts/core/config.ts";
import { ENTITIES, SOURCES } from "../../scripts/land/layout.ts";

/** An `s3://bucket/key/prefix` URI split into its bucket and key prefix (no leading or trailing "/"). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

export interface InfraSettings {
  /** Deploy target; the account may be absent (then the stacks are account-agnostic). */
  account?: string;
  region: string;
  /** Prefix of every stack name, e.g. "Deftunes" → DeftunesStorage, DeftunesCatalog, … */
  stackPrefix: string;
  storage: {
    bucket: string;
    /** Key prefix inside the bucket ("" or "lakehouse/"), as storage.prefix in prod.yaml. */
    prefix: string;
    /** SSE-KMS with a customer managed key instead of SSE-S3. */
    kms: boolean;
    /** Server access logs into a second bucket. */
    accessLogs: boolean;
    quarantineExpireDays: number;
    landingVersionsExpireDays: number;
  };
  glueDatabase: string;
  warehouse: {
    namespace: string;
    workgroup: string;
    database: string;
    adminUser: string;
    /** Secrets Manager name of the generated admin credentials (warehouse.secret_name). */
    secretName: string;
    spectrumRoleName: string;
    baseRpu: number;
    port: number;
  };
  network: {
    availabilityZones: string[];
    natGateways: number;
  };
  pipeline: {
    /** EventBridge Scheduler expression, e.g. "cron(0 3 * * ? *)". */
    schedule: string;
    timeZone: string;
    silverMaxConcurrency: number;
    cpu: number;
    memoryMiB: number;
    /** Secrets Manager name of the source catalog database's password (catalog_db.password_env). */
    catalogSecretName: string;
    /** Optional e-mail subscribed to the failure topic. */
    alarmEmail?: string;
    sources: readonly string[];
    entities: readonly string[];
    /** Read-only source locations (sources.songs_path, sources.sparkify_path). */
    sourceLocations: S3Location[];
  };
  /** The environment file the names came from (the pipeline renders the deployed variant of it). */
  environment: Environment;
}

export function parseS3Uri(uri: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) return undefined;
  return { bucket: match[1], prefix: match[2].replace(/\/+$/, "") };
}

/**
 * The name of a Secrets Manager secret given by name or by ARN (after infra/scripts/prod-env.ts, prod.yaml
 * holds the ARN: `arn:…:secret:<name>-<6 random characters>`).
 */
export function secretNameOf(value: string): string {
  const match = /^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:(.+)-[A-Za-z0-9]{6}$/.exec(value);
  return match ? match[1] : value;
}

/** A key prefix with exactly one trailing "/" (or "" for the bucket root). */
export function keyPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `${trimmed}/`;
}

function contextValue(node: Node, key: string): unknown {
  return node.tryGetContext(`deftunes:${key}`);
}

/** A context value as a number (values given with -c arrive as strings); the default when absent. */
function numberOf(node: Node, key: string, fallback: number, min: number): number {
  const raw = contextValue(node, key);
  if (raw === undefined || raw === null || raw === "") return fallback;
  const value = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`infra/cdk.json: context deftunes:${key} is ${JSON.stringify(raw)}; expected a number ≥ ${min} (hint: -c deftunes:${key}=${fallback})`);
  }
  return value;
}

function booleanOf(node: Node, key: string, fallback: boolean): boolean {
  const raw = contextValue(node, key);
  if (raw === undefined || raw === null || raw === "") return fallback;
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw new Error(`infra/cdk.json: context deftunes:${key} is ${JSON.stringify(raw)}; expected true or false`);
}

function stringOf(node: Node, key: string, fallback: string): string {
  const raw = contextValue(node, key);
  return raw === undefined || raw === null || raw === "" ? fallback : String(raw);
}

function required(value: string | undefined, file: string, field: string): string {
  if (!value) throw new Error(`${file}: ${field} is required to deploy (hint: see environments/schema.json)`);
  return value;
}

/** The settings of the app: prod.yaml (LAKEHOUSE_CONFIG_ROOT is honoured, as by the CLI) + the CDK context. */
export function loadSettings(node: Node, environment: Environment = loadEnvironment("prod")): InfraSettings {
  const file = environment.file;
  const { warehouse, storage, silver } = environment;
  if (storage.type !== "s3") throw new Error(`${file}: storage.type must be s3 to deploy (hint: the bucket is created by the storage stack)`);
  if (warehouse.type !== "redshift") throw new Error(`${file}: warehouse.type must be redshift to deploy`);
  const region = stringOf(node, "region", warehouse.region ?? storage.region ?? "");
  if (!region) throw new Error(`${file}: warehouse.region is required to deploy (or -c deftunes:region=…)`);
  const roleArn = required(warehouse.iam_role, file, "warehouse.iam_role");
  const zones = contextValue(node, "availabilityZones");
  const availabilityZones = Array.isArray(zones) && zones.length > 0 ? zones.map(String) : typeof zones === "string" && zones ? zones.split(",") : ["a", "b", "c"].map((z) => `${region}${z}`);
  const sourceLocations = [environment.sources.songs_path, environment.sources.sparkify_path]
    .map(parseS3Uri)
    .filter((l): l is S3Location => l !== undefined);
  const alarmEmail = stringOf(node, "alarmEmail", "");
  return {
    account: stringOf(node, "account", process.env.CDK_DEFAULT_ACCOUNT ?? "") || undefined,
    region,
    stackPrefix: stringOf(node, "stackPrefix", "Deftunes"),
    storage: {
      bucket: storage.bucket,
      prefix: keyPrefix(storage.prefix ?? ""),
      kms: booleanOf(node, "kms", false),
      accessLogs: booleanOf(node, "accessLogs", false),
      quarantineExpireDays: numberOf(node, "quarantineExpireDays", 30, 1),
      landingVersionsExpireDays: numberOf(node, "landingVersionsExpireDays", 90, 1),
    },
    glueDatabase: required(silver.glue_database, file, "silver.glue_database"),
    warehouse: {
      namespace: stringOf(node, "namespace", `${required(warehouse.workgroup, file, "warehouse.workgroup")}-ns`),
      workgroup: required(warehouse.workgroup, file, "warehouse.workgroup"),
      database: warehouse.database,
      adminUser: warehouse.user,
      secretName: secretNameOf(required(warehouse.secret_name, file, "warehouse.secret_name")),
      spectrumRoleName: roleArn.slice(roleArn.lastIndexOf("/") + 1),
      baseRpu: numberOf(node, "baseRpu", 8, 4),
      port: warehouse.port,
    },
    network: { availabilityZones, natGateways: numberOf(node, "natGateways", 1, 1) },
    pipeline: {
      schedule: stringOf(node, "schedule", "cron(0 3 * * ? *)"),
      timeZone: stringOf(node, "timeZone", "UTC"),
      silverMaxConcurrency: numberOf(node, "silverMaxConcurrency", ENTITIES.length, 1),
      cpu: numberOf(node, "taskCpu", 2048, 256),
      memoryMiB: numberOf(node, "taskMemoryMiB", 8192, 512),
      catalogSecretName: stringOf(node, "catalogSecretName", `${environment.catalog_db.database}/catalog/${environment.catalog_db.user ?? "loader"}`),
      alarmEmail: alarmEmail || undefined,
      sources: SOURCES,
      entities: ENTITIES,
      sourceLocations,
    },
    environment,
  };
}
