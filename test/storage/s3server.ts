import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import S3rver from "s3rver";
import { S3Storage } from "../../scripts/storage/s3.ts";

/** Dummy credentials for the loopback server only (s3rver accepts any signature). */
export const TEST_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export interface TestS3 {
  endpoint: string;
  bucket: string;
  storage(prefix?: string, bucket?: string): S3Storage;
  stop(): Promise<void>;
}

/** A real S3-compatible server (s3rver) on 127.0.0.1 with its buckets, in its own temp folder. */
export async function startS3(bucket = "lakehouse-test", otherBuckets: string[] = []): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
  const configureBuckets = [bucket, ...otherBuckets].map((name) => ({ name }));
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, configureBuckets });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    storage: (prefix = "", name = bucket) => new S3Storage({ bucket: name, prefix, endpoint, region: "us-east-1", client: { credentials: TEST_S3_CREDENTIALS } }),
    async stop() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
