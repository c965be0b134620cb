/**
 * One Parquet data file, streamed into storage as its row groups fill. parquet-wasm (arrow-rs) with
 * WriterVersion V1 (DATA_PAGE v1 pages), SNAPPY compression and the Iceberg field ids carried from the
 * Arrow field metadata `PARQUET:field_id`. Memory is bounded by one row group being filled in JS plus the
 * one being encoded in WebAssembly.
 */
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { tableToIPC, Table as ArrowTable, type RecordBatch } from "apache-arrow";
import * as pq from "parquet-wasm";
import type { Storage } from "../storage/types.ts";
import { BatchBuilder, type ColumnStats } from "./arrow.ts";
import type { IcebergField, Row } from "./types.ts";

export interface ParquetWriteOptions {
  /** Rows per row group (one Arrow batch each). */
  rowGroupRows: number;
}

export interface WrittenParquet {
  key: string;
  recordCount: number;
  sizeBytes: number;
  stats: ColumnStats[];
}

function writerProperties(rowGroupRows: number): pq.WriterProperties {
  return new pq.WriterPropertiesBuilder()
    .setWriterVersion(pq.WriterVersion.V1)
    .setCompression(pq.Compression.SNAPPY)
    .setMaxRowGroupSize(rowGroupRows)
    .setCreatedBy("deftunes-lakehouse iceberg writer (parquet-wasm 0.8.0)")
    .build();
}

function toWasmBatch(batch: RecordBatch): pq.RecordBatch {
  const table = pq.Table.fromIPCStream(tableToIPC(new ArrowTable([batch]), "stream"));
  const wasmBatch = table.recordBatch(0);
  table.free();
  if (!wasmBatch) throw new Error("parquet-wasm: empty IPC table");
  return wasmBatch;
}

export class ParquetFileWriter {
  private readonly builder: BatchBuilder;
  private controller: ReadableStreamDefaultController<pq.RecordBatch> | null = null;
  private wakeWriter: (() => void) | null = null;
  private upload: Promise<void> | null = null;
  private uploadError: unknown = null;
  private bytes = 0;
  private closed = false;

  constructor(
    private readonly storage: Storage,
    readonly key: string,
    fields: IcebergField[],
    private readonly options: ParquetWriteOptions,
  ) {
    this.builder = new BatchBuilder(fields);
  }

  get recordCount(): number {
    return this.builder.total;
  }

  async write(row: Row): Promise<void> {
    if (this.append(row)) await this.flush();
  }

  /**
   * Adds a row to the row group being filled, synchronously; true when the row group is full, and then
   * `flush()` must be awaited before the next row.
   */
  append(row: Row): boolean {
    this.builder.append(row);
    return this.builder.length >= this.options.rowGroupRows;
  }

  /** Hands the rows appended so far to the encoder as one row group (waits while the encoder is busy). */
  async flush(): Promise<void> {
    if (this.builder.length === 0) return;
    const batch = toWasmBatch(this.builder.take());
    if (!this.controller) {
      await this.start(batch);
      return;
    }
    this.controller.enqueue(batch);
    // Backpressure: wait until the encoder has taken the batch, so at most one waits in the queue.
    while ((this.controller.desiredSize ?? 1) <= 0 && this.uploadError === null) {
      await new Promise<void>((resolve) => (this.wakeWriter = resolve));
    }
    if (this.uploadError !== null) throw this.uploadError;
  }

  private async start(first: pq.RecordBatch): Promise<void> {
    const input = new ReadableStream<pq.RecordBatch>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          const wake = this.wakeWriter;
          this.wakeWriter = null;
          wake?.();
        },
      },
      { highWaterMark: 1 },
    );
    this.controller!.enqueue(first);
    // transformParquetStream reads the first batch (for the schema) before it resolves.
    const output = await pq.transformParquetStream(input, writerProperties(this.options.rowGroupRows));
    const counted = Readable.from(
      (async function* (self: ParquetFileWriter) {
        for await (const chunk of Readable.fromWeb(output as WebReadableStream<Uint8Array>)) {
          self.bytes += (chunk as Uint8Array).byteLength;
          yield chunk as Uint8Array;
        }
      })(this),
    );
    this.upload = this.storage.put(this.key, counted).catch((error: unknown) => {
      this.uploadError = error;
      const wake = this.wakeWriter;
      this.wakeWriter = null;
      wake?.();
      throw error;
    });
  }

  /** Flushes the last row group and waits for the file to be in storage; null when no row was written. */
  async close(): Promise<WrittenParquet | null> {
    if (this.closed) throw new Error(`parquet writer for ${this.key} already closed`);
    this.closed = true;
    await this.flush();
    if (!this.controller) return null;
    this.controller.close();
    await this.upload;
    return { key: this.key, recordCount: this.builder.total, sizeBytes: this.bytes, stats: this.builder.stats };
  }

  /** Stops writing; the partial object (if any reached storage) is left for vacuum or removed here. */
  async abort(): Promise<void> {
    this.closed = true;
    if (this.controller) {
      try {
        this.controller.error(new Error("aborted"));
      } catch {
        /* already closed */
      }
      await this.upload?.catch(() => undefined);
      await this.storage.delete(this.key).catch(() => undefined);
    }
  }
}
