import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { InfraSettings } from "./settings.ts";
import { output } from "./outputs.ts";

/** The lake's bucket: landing/, silver/ and quarantine/ (under storage.prefix), private, encrypted, TLS only. */
export class StorageStack extends Stack {
  readonly bucket: s3.Bucket;
  /** The customer managed key when deftunes:kms is on (readers need kms:Decrypt on it). */
  readonly key?: kms.Key;

  constructor(scope: Construct, id: string, settings: InfraSettings, props: StackProps = {}) {
    super(scope, id, props);
    const { storage } = settings;
    this.key = storage.kms ? new kms.Key(this, "LakeKey", { description: `${storage.bucket}: landing, silver, quarantine`, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN }) : undefined;

    let logs: s3.Bucket | undefined;
    if (storage.accessLogs) {
      logs = new s3.Bucket(this, "AccessLogs", {
        bucketName: `${storage.bucket}-access-logs`,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED, // the log delivery service cannot write with a customer key
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ expiration: Duration.days(365) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(logs).acknowledge({ id: "AwsSolutions-S1", reason: "This is the access-log bucket itself; logging it into itself would loop." });
    }

    const landing = `${storage.prefix}landing/`;
    this.bucket = new s3.Bucket(this, "Lake", {
      bucketName: storage.bucket,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: this.key ? s3.BucketEncryption.KMS : s3.BucketEncryption.S3_MANAGED,
      encryptionKey: this.key,
      bucketKeyEnabled: this.key ? true : undefined,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: logs ? `${storage.bucket}/` : undefined,
      lifecycleRules: [
        { id: "quarantine-expires", prefix: `${storage.prefix}quarantine/`, expiration: Duration.days(storage.quarantineExpireDays), noncurrentVersionExpiration: Duration.days(1) },
        // Re-landing a window replaces its partitions: the replaced files stay as noncurrent versions for a while.
        { id: "old-landing-versions-expire", prefix: landing, noncurrentVersionExpiration: Duration.days(storage.landingVersionsExpireDays) },
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(7), expiredObjectDeleteMarker: true },
      ],
      // The lake outlives the stack: `cdk destroy` leaves the bucket and its data (see infra/README.md, tear down).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (!logs) {
      Validations.of(this.bucket).acknowledge({ id: "AwsSolutions-S1", reason: "Server access logs are optional (context deftunes:accessLogs=true); CloudTrail data events are the usual audit trail." });
    }

    output(this, "BucketName", this.bucket.bucketName, "storage.bucket");
    output(this, "StoragePrefix", storage.prefix, "storage.prefix");
    output(this, "Region", this.region, "storage.region / warehouse.region");
  }
}
