/**
 * Tables "written by another engine", built from the reference files of test/iceberg/reference/ (spec
 * metadata vectors and Java-written manifest lists): the vector's placeholders are filled with locations in
 * a temp bucket, the manifest lists copied there, and the metadata registered in a DirectoryCatalog as a
 * foreign writer's commit would be (its own file, then the catalog's swap).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import type { DirectoryCatalog } from "../../scripts/iceberg/catalog.ts";
import { uriOf } from "../../scripts/iceberg/locations.ts";
import type { Storage } from "../../scripts/storage/types.ts";

export const REFERENCE = path.resolve("test/iceberg/reference");

export function referenceText(file: string): string {
  return fs.readFileSync(path.join(REFERENCE, file), "utf8");
}

export function referenceBytes(file: string): Buffer {
  return fs.readFileSync(path.join(REFERENCE, file));
}

/** The manifest list copied for each `{{ manifest_list_N_location }}` placeholder. */
const LISTS = ["manifest-list-v2-1.avro", "manifest-list-v2-2.avro", "simple_manifest_list_v2.avro"];

/**
 * Registers `name` from the metadata vector `file` (placeholders filled) as version 1 of a table in the
 * catalog; returns the metadata text as written and its location.
 */
export async function foreignTable(storage: Storage, catalog: DirectoryCatalog, name: string, file: string): Promise<{ text: string; location: string }> {
  const tableKey = catalog.tableKey(name);
  const tableUri = uriOf(storage, tableKey);
  let text = referenceText(file).replaceAll("{{ table_location }}", tableUri).replaceAll("s3://bucket/test/location", tableUri);
  for (const [i, list] of LISTS.entries()) {
    const key = `${tableKey}/metadata/snap-foreign-${i + 1}.avro`;
    await storage.put(key, referenceBytes(list));
    text = text.replaceAll(`{{ manifest_list_${i + 1}_location }}`, uriOf(storage, key));
  }
  text = text.replaceAll("{{ table_metadata_1_location }}", uriOf(storage, `${tableKey}/metadata/00000-${randomUUID()}.metadata.json`));
  text = text.replaceAll("s3://a/b/1.avro", uriOf(storage, `${tableKey}/metadata/snap-foreign-1.avro`)).replaceAll("s3://a/b/2.avro", uriOf(storage, `${tableKey}/metadata/snap-foreign-2.avro`));
  const key = `${tableKey}/metadata/00001-${randomUUID()}.metadata.json`;
  await storage.put(key, text);
  await catalog.commitTable(name, null, uriOf(storage, key));
  return { text, location: uriOf(storage, key) };
}
