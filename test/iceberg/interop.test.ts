/**
 * Interoperability with files written by other Iceberg implementations (test/iceberg/reference/: Java-written
 * manifest lists and a manifest, spec metadata vectors): every 64-bit id decodes exactly (compared as
 * bigint), and a commit on top of a table built from them keeps every foreign snapshot, id, ref and
 * manifest as it was.
 */
import { afterAll, describe, expect, it } from "vitest";
import { decodeManifest, decodeManifestList } from "../../scripts/iceberg/avro.ts";
import { appendFiles, DataFileWriter, readManifestList, type DataFile } from "../../scripts/iceberg/index.ts";
import { parseMetadata, stringifyMetadata } from "../../scripts/iceberg/metadata-json.ts";
import { currentSnapshot } from "../../scripts/iceberg/metadata.ts";
import { metadataVersion } from "../../scripts/iceberg/catalog.ts";
import { decodeValue } from "../../scripts/iceberg/values.ts";
import { foreignTable, referenceBytes, referenceText } from "./foreign.ts";
import { tempBucket } from "./fixtures.ts";

const buckets: ReturnType<typeof tempBucket>[] = [];
afterAll(() => buckets.forEach((b) => b.cleanup()));
function bucket() {
  const b = tempBucket();
  buckets.push(b);
  return b;
}

describe("reading files written by Java Iceberg", () => {
  it("manifest lists: 64-bit snapshot ids exact, fields matched by field id (older and newer field names)", async () => {
    const [one] = await decodeManifestList(referenceBytes("manifest-list-v2-1.avro"));
    expect(one).toMatchObject({
      manifest_path: "iceberg-warehouse/people/metadata/794bd2ee-052c-449c-9a6f-3a88857c747f-m0.avro",
      manifest_length: 6658,
      content: 0,
      sequence_number: 1,
      min_sequence_number: 1,
      added_snapshot_id: 6653143792592159268n,
      // written as added_data_files_count (field 504) by this Java version
      added_files_count: 1,
      existing_files_count: 0,
      added_rows_count: 1,
    });
    expect(BigInt(Number(one.added_snapshot_id))).not.toBe(one.added_snapshot_id); // a JS number would round it
    const [two] = await decodeManifestList(referenceBytes("manifest-list-v2-2.avro"));
    expect(two).toMatchObject({ added_snapshot_id: 3083072880052097243n, manifest_length: 6660, added_files_count: 1 });
    const [simple] = await decodeManifestList(referenceBytes("simple_manifest_list_v2.avro"));
    expect(simple.added_snapshot_id).toBe(377075049360453639n);
    expect(simple.added_rows_count).toBe(3);
    expect(simple.partitions).toHaveLength(1);
    expect(decodeValue("long", simple.partitions![0].lower_bound!)).toBe(1n);
    expect(simple.partitions![0]).toMatchObject({ contains_null: false, contains_nan: false });
  });

  it("a partitioned manifest (its Avro schema without field ids: matched by name): partition tuple by spec field, long values as bigint, counts as numbers", async () => {
    const [entry] = await decodeManifest(referenceBytes("partition_manifest_v2.avro"));
    expect(entry.status).toBe(1);
    expect(entry.snapshot_id).toBe(0n);
    expect(entry.sequence_number).toBe(1);
    expect(entry.data_file).toMatchObject({
      content: 0,
      file_path: "s3a://icebergdata/demo/s1/t1/data/00000-0-378b56f5-5c52-4102-a2c2-f05f8a7cbe4a-00000.parquet",
      file_format: "parquet",
      partition: { v_int: 1, v_long: 1000n },
      record_count: 1,
      file_size_in_bytes: 5442,
      split_offsets: [4],
    });
    expect(entry.data_file.value_counts).toHaveLength(11);
  });
});

describe("metadata JSON with 64-bit ids", () => {
  const vectors = ["TableMetadataV2Valid.json", "TableMetadataV2ValidMinimal.json", "example_empty_table_metadata_v2.json", "example_table_metadata_v2.json", "example_table_metadata_v2_partition_evolution.json"];

  it("every spec vector parses with ids as exact bigints; writing it back keeps every digit", () => {
    for (const file of vectors) {
      const text = referenceText(file);
      const m = parseMetadata(text, file);
      const again = parseMetadata(stringifyMetadata(m), file);
      expect(again, file).toEqual(m);
      // every integer literal of the input is in the output with the same digits
      const ints = (t: string) => [...t.matchAll(/"(?:snapshot-id|parent-snapshot-id|current-snapshot-id)"\s*:\s*(-?\d+)/g)].map((x) => x[1]);
      expect(ints(stringifyMetadata(m)).slice(0, ints(text).length).sort(), file).toEqual(ints(text).sort());
    }
    const valid = parseMetadata(referenceText("TableMetadataV2Valid.json"), "TableMetadataV2Valid.json");
    expect(valid["current-snapshot-id"]).toBe(3055729675574597004n);
    expect(valid.snapshots.map((s) => s["snapshot-id"])).toEqual([3051729675574597004n, 3055729675574597004n]);
    expect(valid.snapshots[1]["parent-snapshot-id"]).toBe(3051729675574597004n);
    expect(JSON.parse(referenceText("TableMetadataV2Valid.json"))["current-snapshot-id"]).toBe(3055729675574597000); // JSON.parse rounds
    const minimal = parseMetadata(referenceText("TableMetadataV2ValidMinimal.json"), "minimal");
    expect(minimal["current-snapshot-id"]).toBe(-1n);
    expect(minimal.snapshots).toEqual([]);
    expect(currentSnapshot(minimal)).toBeNull();
  });

  it("refuses metadata that is not v2, with the file and field named", () => {
    const v1 = referenceText("TableMetadataV2ValidMinimal.json").replace('"format-version": 2', '"format-version": 1');
    expect(() => parseMetadata(v1, "s3://b/t/metadata/v1.metadata.json")).toThrow(/format-version 1 is not supported/);
    expect(() => parseMetadata("{", "x.json")).toThrow(/not valid JSON/);
  });

  it("reads both metadata file name forms", () => {
    expect(metadataVersion("s3://b/t/metadata/v12.metadata.json")).toBe(12);
    expect(metadataVersion("s3://b/t/metadata/00012-9c12d441-03fe-4693-9a96-a0705ddf69c1.metadata.json")).toBe(12);
    expect(metadataVersion("s3://b/t/metadata/00003-9c12d441-03fe-4693-9a96-a0705ddf69c1.gz.metadata.json")).toBe(3);
    expect(metadataVersion("s3://b/t/metadata/custom.json")).toBeNull();
  });
});

/** A data file record as another engine would have committed it (not read back: only the commit is tested). */
function foreignDataFile(path: string, partition: DataFile["partition"]): DataFile {
  return {
    content: 0, file_path: path, file_format: "PARQUET", partition, record_count: 10, file_size_in_bytes: 1234,
    column_sizes: null, value_counts: null, null_value_counts: null, nan_value_counts: null, lower_bounds: null, upper_bounds: null,
    key_metadata: null, split_offsets: null, equality_ids: null, sort_order_id: null,
  };
}

describe("committing on top of another engine's table", () => {
  it("keeps every foreign snapshot, id, ref and manifest; the new snapshot's parent is the foreign one", async () => {
    const b = bucket();
    const { location } = await foreignTable(b.storage, b.catalog, "people", "example_table_metadata_v2.json");
    const before = (await b.catalog.loadTable("people"))!;
    const foreignManifests = await readManifestList(b.storage, currentSnapshot(before.metadata)!);
    const file = foreignDataFile(`${before.metadata.location}/data/x=7/f.parquet`, { x: 7n });
    const result = await appendFiles(b.storage, b.catalog, "people", [file]);

    const after = (await b.catalog.loadTable("people"))!;
    expect(after.metadataLocation).toBe(result.metadataLocation);
    expect(after.metadataLocation).toMatch(/\/00002-[0-9a-f-]{36}\.metadata\.json$/);
    const m = after.metadata;
    expect(m.snapshots.slice(0, 2)).toEqual(before.metadata.snapshots);
    expect(m.snapshots.map((s) => s["snapshot-id"]).slice(0, 2)).toEqual([3051729675574597004n, 3055729675574597004n]);
    expect(m.snapshots[2]["parent-snapshot-id"]).toBe(3055729675574597004n);
    expect(m["current-snapshot-id"]).toBe(result.snapshotId);
    expect(typeof result.snapshotId).toBe("bigint");
    expect(m.refs.test).toEqual({ "snapshot-id": 3051729675574597004n, type: "tag", "max-ref-age-ms": 10000000 });
    expect(m.refs.main).toEqual({ "snapshot-id": result.snapshotId, type: "branch" });
    expect(m["snapshot-log"].slice(0, 2)).toEqual(before.metadata["snapshot-log"]);
    expect(m["metadata-log"].map((e) => e["metadata-file"])).toEqual([...before.metadata["metadata-log"].map((e) => e["metadata-file"]), location]);
    expect(m.schemas).toEqual(before.metadata.schemas);
    expect(m["sort-orders"]).toEqual(before.metadata["sort-orders"]);
    expect(m["last-sequence-number"]).toBe(35);
    expect(m.snapshots[2]["sequence-number"]).toBe(35);
    // the text written keeps the foreign ids digit for digit
    const text = (await b.storage.get(after.metadataLocation.slice(b.storage.location.length + 1))).toString("utf8");
    expect(text).toContain('"snapshot-id": 3051729675574597004');
    expect(text).toContain('"parent-snapshot-id": 3051729675574597004');

    const manifests = await readManifestList(b.storage, currentSnapshot(m)!);
    expect(manifests.slice(1)).toEqual(foreignManifests);
    expect(manifests[1].added_snapshot_id).toBe(3083072880052097243n);
    expect(manifests[0]).toMatchObject({ added_snapshot_id: result.snapshotId, sequence_number: 35, added_files_count: 1, partition_spec_id: 0 });
    // identity(long) partition summary: Appendix D little-endian 8 bytes
    expect(decodeValue("long", manifests[0].partitions![0].lower_bound!)).toBe(7n);
  });

  it("commits on a table without snapshots, and on one whose default spec has several fields (bucket, truncate)", async () => {
    const b = bucket();
    await foreignTable(b.storage, b.catalog, "minimal", "TableMetadataV2ValidMinimal.json");
    const first = await appendFiles(b.storage, b.catalog, "minimal", [foreignDataFile("x", { x: 1n })].map((f) => ({ ...f, file_path: `${b.storage.location}/warehouse/silver/minimal/data/a.parquet` })));
    const minimal = (await b.catalog.loadTable("minimal"))!.metadata;
    expect(minimal.snapshots.map((s) => s["snapshot-id"])).toEqual([first.snapshotId]);
    expect(minimal.snapshots[0]["parent-snapshot-id"]).toBeUndefined();
    expect(minimal["sort-orders"][0]["order-id"]).toBe(3);

    await foreignTable(b.storage, b.catalog, "evolved", "example_table_metadata_v2_partition_evolution.json");
    const loaded = (await b.catalog.loadTable("evolved"))!;
    expect(() => new DataFileWriter(b.storage, loaded.metadata)).toThrow(/silver writer writes only unpartitioned tables or tables partitioned by identity on one date column; default spec 2/);
    const file = foreignDataFile(`${loaded.metadata.location}/data/f.parquet`, { x: 1n, a_trunc_3: "abc", z_bucket_32: 5 });
    const result = await appendFiles(b.storage, b.catalog, "evolved", [file]);
    const m = (await b.catalog.loadTable("evolved"))!.metadata;
    expect(m["partition-specs"]).toEqual(loaded.metadata["partition-specs"]);
    expect(m.snapshots).toHaveLength(4);
    const [added, ...carried] = await readManifestList(b.storage, currentSnapshot(m)!);
    expect(added).toMatchObject({ partition_spec_id: 2, added_snapshot_id: result.snapshotId });
    expect(added.partitions!.map((p) => p.lower_bound && [...p.lower_bound])).toEqual([[1, 0, 0, 0, 0, 0, 0, 0], [...Buffer.from("abc")], [5, 0, 0, 0]]);
    expect(carried.map((c) => c.added_snapshot_id)).toEqual([377075049360453639n]);
    // a file whose tuple does not match the spec is refused, naming it
    await expect(appendFiles(b.storage, b.catalog, "evolved", [foreignDataFile("p", { x: 1n })])).rejects.toThrow(/data file p has partition fields \(x\), the table's spec 2 has/);
  });
});
