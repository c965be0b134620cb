import { App } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, describe, expect, test } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { loadSettings } from "../../infra/lib/settings.ts";
import { removeOutdir, resourcesOf, synthApp, templateOf } from "./synth.ts";

/** The storage stack's template (cdk synth offline, dummy account): what makes the lake bucket private and durable. */

const prod = loadEnvironment("prod");
const built = synthApp();
const template = templateOf(built.storage);
afterAll(() => removeOutdir(built.outdir));

describe("storage stack", () => {
  test("one lake bucket named as storage.bucket in prod.yaml, all public access blocked, versioned, retained", () => {
    const buckets = resourcesOf(template, "AWS::S3::Bucket");
    expect(buckets).toHaveLength(1);
    template.hasResource("AWS::S3::Bucket", {
      DeletionPolicy: "Retain",
      Properties: Match.objectLike({
        BucketName: prod.storage.type === "s3" ? prod.storage.bucket : "not-s3",
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        VersioningConfiguration: { Status: "Enabled" },
      }),
    });
  });

  test("encrypted with SSE-S3 by default", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
    });
    template.resourceCountIs("AWS::KMS::Key", 0);
  });

  test("the bucket policy denies every request that is not over TLS", () => {
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Action: "s3:*", Principal: { AWS: "*" }, Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  test("lifecycle: quarantine expires and old landing versions expire after the configured days", () => {
    const rules = (resourcesOf(template, "AWS::S3::Bucket")[0][1].Properties!.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    const quarantine = rules.find((r) => r.Prefix === "quarantine/");
    const landing = rules.find((r) => r.Prefix === "landing/");
    expect(quarantine?.ExpirationInDays).toBe(30);
    expect(landing?.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 90 });
    expect(landing?.ExpirationInDays).toBeUndefined(); // current landed files are kept: silver rebuilds from them
  });

  test("outputs name the environment keys they fill", () => {
    template.hasOutput("BucketName", { Description: "environments/prod.yaml storage.bucket" });
  });
});

describe("storage stack options (context)", () => {
  const options = synthApp({ "deftunes:kms": "true", "deftunes:accessLogs": true, "deftunes:quarantineExpireDays": "7" });
  const t = templateOf(options.storage);
  afterAll(() => removeOutdir(options.outdir));

  test("deftunes:kms=true: SSE-KMS with a rotating customer key and bucket keys", () => {
    t.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    t.hasResourceProperties("AWS::S3::Bucket", {
      BucketName: Match.stringLikeRegexp("^[a-z]"),
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: Match.anyValue() } }] },
    });
  });

  test("deftunes:accessLogs=true: a second private bucket receives the lake's access logs", () => {
    const buckets = resourcesOf(t, "AWS::S3::Bucket");
    expect(buckets).toHaveLength(2);
    const logged = buckets.find(([, b]) => b.Properties?.LoggingConfiguration);
    expect(logged).toBeDefined();
    for (const [, b] of buckets) expect(b.Properties?.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
  });

  test("a context value given on the command line (a string) sets the quarantine expiry", () => {
    const lake = resourcesOf(t, "AWS::S3::Bucket").find(([, b]) => b.Properties?.LoggingConfiguration)!;
    const rules = (lake[1].Properties!.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
    expect(rules.find((r) => r.Prefix === "quarantine/")?.ExpirationInDays).toBe(7);
  });

  test("a context value that is not a number fails with the key and a hint", () => {
    expect(() => loadSettings(new App({ context: { "deftunes:baseRpu": "lots" } }).node)).toThrow(/deftunes:baseRpu is "lots"; expected a number/);
  });
});
