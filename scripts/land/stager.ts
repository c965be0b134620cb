import { createHash, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { LakehouseError } from "../core/errors.ts";
import type { Storage } from "../storage/types.ts";
import { partitionPrefix, MANIFEST_NAME, partName, type EntityName } from "./layout.ts";
import { RECORD_FORMAT, RecordCounter, type RecordFormat } from "./records.ts";
import { contentSha256, serialiseManifest, type Manifest, type ManifestFile, type ManifestOrigin } from "./manifest.ts";

/** Counts bytes, sha256 and records (landing's shared record boundaries, records.ts) of what flows through, unchanged. */
export class Measure extends Transform {
  bytes = 0;
  /** Records, known once the stream has ended. */
  records = 0;
  private readonly hash = createHash("sha256");
  private readonly counter: RecordCounter;

  constructor(format: RecordFormat) {
    super();
    this.counter = new RecordCounter(format);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    try {
      this.counter.push(chunk);
    } catch (error) {
      return done(error as Error);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.records = this.counter.end();
    } catch (error) {
      return done(error as Error);
    }
    done();
  }

  sha256(): string {
    return this.hash.digest("hex");
  }
}

export interface AddFileOptions {
  /**
   * The rows the caller knows the file holds (a number, or a getter read after the body is written): checked
   * against the records counted with the shared boundaries, which are what the manifest records.
   */
  rows?: number | (() => number);
  /** Where the bytes came from (source file relative to its root, or a URL). */
  original?: string;
}

export interface PublishOptions {
  source: string;
  format: Manifest["format"];
  origin: ManifestOrigin;
  window: Manifest["window"];
  startedAt: Date;
}

/**
 * Builds one landing partition under `_staging/<uuid>/`, then publishes it in one move with its manifest
 * written last. Until `publish` returns, readers see the previous version of the partition (or none).
 */
export class PartitionStager {
  readonly stagingPrefix: string;
  readonly finalPrefix: string;
  private readonly files: ManifestFile[] = [];
  /** How the entity's files split into records (what `rows` counts). */
  readonly format: RecordFormat;

  constructor(
    private readonly storage: Storage,
    readonly entity: EntityName,
    readonly ingestOn: string,
    private readonly ext: string,
  ) {
    this.finalPrefix = partitionPrefix(entity, ingestOn);
    this.stagingPrefix = `_staging/${randomUUID()}/${this.finalPrefix}`;
    this.format = RECORD_FORMAT[entity];
  }

  get fileCount(): number {
    return this.files.length;
  }

  /** Streams one part file into staging, measuring it on the way. */
  async addFile(body: Buffer | string | Readable | AsyncIterable<Buffer>, options: AddFileOptions = {}): Promise<ManifestFile> {
    const name = partName(this.files.length, this.ext);
    const measure = new Measure(this.format);
    const input = typeof body === "string" || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body instanceof Readable ? body : Readable.from(body, { objectMode: false });
    input.on("error", (error) => measure.destroy(error));
    input.pipe(measure);
    await this.storage.put(`${this.stagingPrefix}${name}`, measure);
    const rows = measure.records;
    const expected = typeof options.rows === "function" ? options.rows() : options.rows;
    if (expected !== undefined && expected !== rows) {
      throw new LakehouseError("land", `staged file holds ${rows} records by the record boundaries of ${this.format} but the source gave ${expected}`, { file: options.original ?? name });
    }
    const file: ManifestFile = {
      name,
      key: `${this.finalPrefix}${name}`,
      rows,
      bytes: measure.bytes,
      sha256: measure.sha256(),
      ...(options.original !== undefined ? { original: options.original } : {}),
    };
    this.files.push(file);
    return file;
  }

  /** Writes the manifest into staging and publishes the partition; returns the manifest. */
  async publish(options: PublishOptions): Promise<Manifest> {
    const manifest: Manifest = {
      manifest_version: 1,
      entity: this.entity,
      source: options.source,
      ingest_on: this.ingestOn,
      format: options.format,
      origin: options.origin,
      window: options.window,
      files: this.files,
      rows: this.files.reduce((n, f) => n + f.rows, 0),
      bytes: this.files.reduce((n, f) => n + f.bytes, 0),
      content_sha256: contentSha256(this.files),
      started_at: options.startedAt.toISOString(),
      finished_at: new Date().toISOString(),
    };
    await this.storage.put(`${this.stagingPrefix}${MANIFEST_NAME}`, serialiseManifest(manifest));
    await this.storage.publishPartition(this.stagingPrefix, this.finalPrefix, MANIFEST_NAME);
    await this.cleanup();
    return manifest;
  }

  /** Removes everything staged (after a failure): nothing of it was ever visible. */
  async abort(): Promise<void> {
    await this.storage.deletePrefix(this.stagingPrefix).catch(() => undefined);
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    // LocalStorage leaves the empty `_staging/<uuid>/` directories behind; they hold no objects.
    const root = this.storage.localPath("_staging");
    if (root) await rm(`${root}/${this.stagingPrefix.split("/")[1]}`, { recursive: true, force: true });
  }
}
