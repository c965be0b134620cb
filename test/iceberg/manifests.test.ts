/**
 * Manifest lists and manifests read back by a second Avro implementation (icebird's Avro reader), and the
 * metadata JSON checked against the Iceberg v2 spec: field ids in the Avro schemas, entries, sequence
 * numbers, summaries, logs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { avroMetadata, avroRead } from "icebird";
import { appendFiles, createTable, DataFileWriter, parseDate, partitionTags, replacePartitions, type LoadedTable, type Row } from "../../scripts/iceberg/index.ts";
import { keyOf } from "../../scripts/iceberg/locations.ts";
import { ITEMS, itemRows, tempBucket } from "./fixtures.ts";

const bucket = tempBucket();
let table: LoadedTable;

async function writeFiles(rows: Row[]) {
  const current = (await bucket.catalog.loadTable(ITEMS.name))!;
  const writer = new DataFileWriter(bucket.storage, current.metadata);
  await writer.writeAll(rows);
  return writer.close();
}

/** Reads an Avro object container file with icebird (not avsc). */
async function readAvro(uri: string): Promise<{ metadata: Record<string, any>; records: Record<string, any>[] }> {
  const bytes = await bucket.storage.get(keyOf(bucket.storage, uri));
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const { metadata, syncMarker } = avroMetadata(reader);
  return { metadata, records: avroRead({ reader, metadata, syncMarker }) };
}

/** Every record field in an Avro schema, with its path. */
function avroFields(schema: any, path = ""): { path: string; field: any }[] {
  const out: { path: string; field: any }[] = [];
  const visit = (type: any, prefix: string) => {
    if (Array.isArray(type)) return type.forEach((t) => visit(t, prefix));
    if (type && typeof type === "object") {
      if (type.type === "record") for (const f of type.fields) {
        out.push({ path: `${prefix}${f.name}`, field: f });
        visit(f.type, `${prefix}${f.name}.`);
      }
      if (type.type === "array") visit(type.items, `${prefix}[].`);
    }
  };
  visit(schema, path);
  return out;
}

beforeAll(async () => {
  await createTable(bucket.storage, bucket.catalog, ITEMS);
  await appendFiles(bucket.storage, bucket.catalog, ITEMS.name, await writeFiles([...itemRows("2026-11-01", 40), ...itemRows("2026-11-02", 30)]), {
    summary: { "deftunes.landed-sha256": "aaaa" },
    partitionTags: { "2026-11-01": { sha256: "aaaa" }, "2026-11-02": { sha256: "bbbb" } },
  });
  await replacePartitions(bucket.storage, bucket.catalog, ITEMS.name, ["2026-11-02"], await writeFiles(itemRows("2026-11-02", 25, "v2")), {
    summary: { "deftunes.landed-sha256": "cccc", "deftunes.quarantined": "5" },
    partitionTags: { "2026-11-02": { sha256: "cccc" } },
  });
  table = (await bucket.catalog.loadTable(ITEMS.name))!;
});

afterAll(() => bucket.cleanup());

describe("manifests and metadata", () => {
  it("metadata JSON follows the v2 layout", () => {
    const m = table.metadata;
    expect(m["format-version"]).toBe(2);
    expect(m["table-uuid"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.location).toBe(`${bucket.storage.location}/warehouse/silver/session_items`);
    expect(m["last-sequence-number"]).toBe(2);
    expect(m["last-column-id"]).toBe(16);
    expect(m.schemas[0].fields.map((f) => f.id)).toEqual(ITEMS.columns.map((c) => c.id));
    const ingestOn = ITEMS.columns.find((c) => c.name === "ingest_on")!;
    expect(m["partition-specs"]).toEqual([{ "spec-id": 0, fields: [{ name: "ingest_on", transform: "identity", "source-id": ingestOn.id, "field-id": 1000 }] }]);
    expect(m["last-partition-id"]).toBe(1000);
    expect(m["sort-orders"]).toEqual([{ "order-id": 0, fields: [] }]);
    expect(m.snapshots).toHaveLength(2);
    const [first, second] = m.snapshots;
    expect(second["parent-snapshot-id"]).toBe(first["snapshot-id"]);
    expect(second["sequence-number"]).toBe(2);
    expect(m["current-snapshot-id"]).toBe(second["snapshot-id"]);
    expect(m.refs).toEqual({ main: { "snapshot-id": second["snapshot-id"], type: "branch" } });
    expect(m["snapshot-log"].map((s) => s["snapshot-id"])).toEqual([first["snapshot-id"], second["snapshot-id"]]);
    // spec "Metastore Tables": <NNNNN>-<uuid>.metadata.json, N one more than the base's
    const names = [...m["metadata-log"].map((e) => e["metadata-file"]), table.metadataLocation].map((f) => f.split("/").pop());
    expect(names).toEqual([expect.stringMatching(/^00001-[0-9a-f-]{36}\.metadata\.json$/), expect.stringMatching(/^00002-[0-9a-f-]{36}\.metadata\.json$/), expect.stringMatching(/^00003-[0-9a-f-]{36}\.metadata\.json$/)]);
    expect(table.metadataLocation.startsWith(`${m.location}/metadata/`)).toBe(true);
    expect(second.summary).toMatchObject({
      operation: "overwrite",
      "added-data-files": "1",
      "deleted-data-files": "1",
      "added-records": "25",
      "deleted-records": "30",
      "total-records": "65",
      "total-data-files": "2",
      "deftunes.landed-sha256": "cccc",
      "deftunes.quarantined": "5",
    });
    expect(first.summary.operation).toBe("append");
    expect(partitionTags(m, "2026-11-02")).toEqual({ sha256: "cccc" });
    expect(partitionTags(m, "2026-11-01")).toEqual({ sha256: "aaaa" });
    expect(partitionTags(m, "2026-11-03")).toEqual({});
  });

  it("the manifest list is a v2 manifest_file Avro file with field ids", async () => {
    const snapshot = table.metadata.snapshots[1];
    const { metadata, records } = await readAvro(snapshot["manifest-list"]);
    expect(metadata["format-version"]).toBe("2");
    expect(metadata["snapshot-id"]).toBe(String(snapshot["snapshot-id"]));
    expect(metadata["sequence-number"]).toBe("2");
    const ids = Object.fromEntries(avroFields(metadata["avro.schema"]).map(({ path, field }) => [path, field["field-id"]]));
    expect(ids).toMatchObject({
      manifest_path: 500, manifest_length: 501, partition_spec_id: 502, content: 517, sequence_number: 515, min_sequence_number: 516,
      added_snapshot_id: 503, added_files_count: 504, existing_files_count: 505, deleted_files_count: 506,
      added_rows_count: 512, existing_rows_count: 513, deleted_rows_count: 514, partitions: 507,
      "partitions.[].contains_null": 509, "partitions.[].lower_bound": 510, "partitions.[].upper_bound": 511,
    });
    expect(Object.values(ids).every((id) => typeof id === "number")).toBe(true);
    // new files first, then the rewritten manifest of the replaced partition
    expect(records.map((r) => [r.added_files_count, r.existing_files_count, r.deleted_files_count])).toEqual([
      [1, 0, 0],
      [0, 1, 1],
    ]);
    expect(records.map((r) => Number(r.sequence_number))).toEqual([2, 2]);
    expect(records[1].min_sequence_number).toEqual(1n);
    const day = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(0, true);
    expect(day(records[0].partitions[0].lower_bound)).toBe(parseDate("2026-11-02"));
  });

  it("manifests carry field ids (partition field 1000) and the entries of each file", async () => {
    const snapshot = table.metadata.snapshots[1];
    const list = (await readAvro(snapshot["manifest-list"])).records;
    const rewritten = await readAvro(list[1].manifest_path);
    expect(rewritten.metadata["format-version"]).toBe("2");
    expect(rewritten.metadata.content).toBe("data");
    expect(JSON.parse(rewritten.metadata["partition-spec"])).toEqual([{ name: "ingest_on", transform: "identity", "source-id": 14, "field-id": 1000 }]);
    expect(rewritten.metadata.schema.fields.length).toBe(ITEMS.columns.length);
    const fields = avroFields(rewritten.metadata["avro.schema"]);
    const ids = Object.fromEntries(fields.map(({ path, field }) => [path, field["field-id"]]));
    expect(ids).toMatchObject({
      status: 0, snapshot_id: 1, sequence_number: 3, file_sequence_number: 4, data_file: 2,
      "data_file.content": 134, "data_file.file_path": 100, "data_file.file_format": 101, "data_file.partition": 102,
      "data_file.partition.ingest_on": 1000, "data_file.record_count": 103, "data_file.file_size_in_bytes": 104,
      "data_file.value_counts": 109, "data_file.null_value_counts": 110, "data_file.lower_bounds": 125, "data_file.upper_bounds": 128,
      "data_file.null_value_counts.[].key": 121, "data_file.null_value_counts.[].value": 122,
    });
    for (const { path, field } of fields) expect(field["field-id"], path).toEqual(expect.any(Number));

    const byStatus = Object.fromEntries(rewritten.records.map((r) => [r.status, r]));
    // icebird honours the Avro `date` logical type of the partition field
    expect(byStatus[2].data_file.partition.ingest_on).toEqual(new Date("2026-11-02T00:00:00Z"));
    expect(byStatus[2].snapshot_id).toBe(BigInt(snapshot["snapshot-id"]));
    expect(byStatus[2].sequence_number).toBe(1n);
    expect(byStatus[0].data_file.partition.ingest_on).toEqual(new Date("2026-11-01T00:00:00Z"));
    expect(byStatus[0].data_file.record_count).toBe(40n);
    expect(byStatus[0].sequence_number).toBe(1n);

    const added = await readAvro(list[0].manifest_path);
    expect(added.records).toHaveLength(1);
    expect(added.records[0]).toMatchObject({ status: 1, sequence_number: 2n });
    expect(added.records[0].data_file).toMatchObject({ content: 0, file_format: "PARQUET", record_count: 25n });
    expect(await bucket.storage.exists(keyOf(bucket.storage, added.records[0].data_file.file_path))).toBe(true);
  });
});
