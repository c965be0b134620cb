import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { checkKey, StorageError, type Body, type ObjectInfo, type Storage } from "./types.ts";

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix inside the bucket ("" or e.g. "lakehouse/"); a trailing "/" is added when missing. */
  prefix?: string;
  region?: string;
  /** A custom endpoint (S3-compatible servers, e.g. s3rver on loopback); implies path-style addressing. */
  endpoint?: string;
  /** Extra client settings (tests pass dummy credentials here; production uses the default chain). */
  client?: S3ClientConfig;
}

/** Parts of a multipart upload: S3 needs at least 5 MiB per part except the last. */
const PART_BYTES = 8 * 1024 * 1024;

function toBuffer(body: Exclude<Body, Readable>): Buffer {
  return typeof body === "string" ? Buffer.from(body) : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === "NoSuchKey" || name === "NotFound" || httpStatus(error) === 404;
}

/** The bucket on S3 (or an S3-compatible server). Streams are uploaded in parts, never held whole. */
export class S3Storage implements Storage {
  readonly location: string;
  readonly client: S3Client;
  readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? "").replace(/^\/+/, "");
    this.prefix = prefix && !prefix.endsWith("/") ? `${prefix}/` : prefix;
    this.location = `s3://${this.bucket}/${this.prefix}`;
    this.client = new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      // Checksums only when the operation requires them: S3-compatible servers reject the newer defaults.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...options.client,
    });
  }

  /** Parses `s3://bucket/prefix` (as used for source paths). */
  static fromUri(uri: string, options: Omit<S3StorageOptions, "bucket" | "prefix"> = {}): S3Storage {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) throw new StorageError("not an s3:// URI", uri, "s3");
    return new S3Storage({ ...options, bucket: match[1], prefix: match[2] });
  }

  private key(key: string): string {
    return `${this.prefix}${checkKey(key, this.location)}`;
  }

  private fail(message: string, key: string, error: unknown): StorageError {
    const cause = error instanceof Error ? error.message || error.name : String(error);
    return new StorageError(`${message}: ${cause}`, key, this.location, { cause: error });
  }

  async put(key: string, body: Body): Promise<void> {
    const full = this.key(key);
    try {
      if (body instanceof Readable) await this.putStream(full, body);
      else await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: full, Body: toBuffer(body) }));
    } catch (error) {
      if (error instanceof StorageError) throw error;
      throw this.fail("write failed", key, error);
    }
  }

  /** One PutObject when the stream is small, else a multipart upload with bounded buffers. */
  private async putStream(full: string, stream: Readable): Promise<void> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let uploadId: string | undefined;
    const parts: { ETag?: string; PartNumber: number }[] = [];
    const flush = async () => {
      const chunk = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      if (!uploadId) {
        const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: full }));
        uploadId = created.UploadId;
      }
      const PartNumber = parts.length + 1;
      const done = await this.client.send(new UploadPartCommand({ Bucket: this.bucket, Key: full, UploadId: uploadId, PartNumber, Body: chunk }));
      parts.push({ ETag: done.ETag, PartNumber });
    };
    try {
      for await (const chunk of stream) {
        const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
        pending.push(buffer);
        pendingBytes += buffer.length;
        if (pendingBytes >= PART_BYTES) await flush();
      }
      if (!uploadId) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: full, Body: Buffer.concat(pending, pendingBytes) }));
        return;
      }
      if (pendingBytes > 0) await flush();
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: full, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      if (uploadId) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: full, UploadId: uploadId })).catch(() => undefined);
      throw error;
    }
  }

  async putIfAbsent(key: string, body: Body): Promise<boolean> {
    // Real S3 honours IfNoneMatch "*" (412 when the key exists). s3rver ignores the header, so a HEAD check
    // runs first: on such servers two racing writers could both win; S3 itself stays atomic.
    if (await this.exists(key)) return false;
    const full = this.key(key);
    const data = body instanceof Readable ? Buffer.concat(await body.toArray()) : toBuffer(body);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: full, Body: data, IfNoneMatch: "*" }));
      return true;
    } catch (error) {
      if (httpStatus(error) === 412 || (error as { name?: string }).name === "PreconditionFailed") return false;
      throw this.fail("create failed", key, error);
    }
  }

  async get(key: string): Promise<Buffer> {
    const found = await this.getIfExists(key);
    if (found === null) throw new StorageError("not found", key, this.location);
    return found;
  }

  async getIfExists(key: string): Promise<Buffer | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.fail("read failed", key, error);
    }
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new StorageError("not found", key, this.location);
      throw this.fail("read failed", key, error);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.fail("head failed", key, error);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}${prefix}`, ContinuationToken: token }));
      } catch (error) {
        throw this.fail("list failed", prefix, error);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key) out.push({ key: object.Key.slice(this.prefix.length), size: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
    } catch (error) {
      if (!isNotFound(error)) throw this.fail("delete failed", key, error);
    }
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        const out = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.key(k) })), Quiet: true } }),
        );
        const failed = out.Errors?.[0];
        if (failed) throw new Error(`${failed.Key}: ${failed.Code} ${failed.Message ?? ""}`.trim());
      } catch (error) {
        throw this.fail("delete failed", batch[0], error);
      }
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = (await this.list(prefix)).map((o) => o.key);
    await this.deleteKeys(keys);
    return keys.length;
  }

  /**
   * S3 has no rename: the old marker is deleted first (the partition disappears for readers), the old files
   * are deleted, the staged files are copied in, and the marker is copied last. A crash part-way leaves a
   * partition without a marker, which readers treat as absent; re-running the publish completes it.
   */
  async publishPartition(stagingPrefix: string, finalPrefix: string, markerName: string): Promise<void> {
    const staging = stagingPrefix.endsWith("/") ? stagingPrefix : `${stagingPrefix}/`;
    const final = finalPrefix.endsWith("/") ? finalPrefix : `${finalPrefix}/`;
    const staged = await this.list(staging);
    if (!staged.some((o) => o.key === `${staging}${markerName}`)) {
      throw new StorageError(`refused to publish: ${markerName} missing in staging`, stagingPrefix, this.location);
    }
    await this.delete(`${final}${markerName}`);
    const old = (await this.list(final)).map((o) => o.key);
    await this.deleteKeys(old);
    const copy = async (relative: string) => {
      const source = `${this.bucket}/${this.key(`${staging}${relative}`)}`;
      try {
        await this.client.send(
          new CopyObjectCommand({ Bucket: this.bucket, Key: this.key(`${final}${relative}`), CopySource: encodeURI(source) }),
        );
      } catch (error) {
        throw this.fail("copy failed", `${final}${relative}`, error);
      }
    };
    const files = staged.map((o) => o.key.slice(staging.length)).filter((k) => k !== markerName);
    for (let i = 0; i < files.length; i += 16) await Promise.all(files.slice(i, i + 16).map(copy));
    await copy(markerName);
    await this.deleteKeys(staged.map((o) => o.key));
  }

  localPath(_key: string): string | null {
    return null;
  }
}
