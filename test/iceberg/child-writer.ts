/**
 * A writer process for the concurrency and crash tests:
 *   node --import tsx test/iceberg/child-writer.ts '<json options>'
 * Commits `commits` times (append or replace of `day`, `rows` rows each) to session_items in the bucket at
 * `root`. With `pauseAt`, it prints `PAUSED <point>` at that point of its first commit and waits to be killed.
 */
import { LocalStorage } from "../../scripts/storage/local.ts";
import { appendFiles, createTable, DataFileWriter, DirectoryCatalog, replacePartitions, type CommitHooks } from "../../scripts/iceberg/index.ts";
import { ITEMS, itemRows } from "./fixtures.ts";

interface Options {
  root: string;
  day: string;
  rows: number;
  commits: number;
  mode: "append" | "replace";
  pauseAt?: "afterData" | "afterManifests" | "afterMetadataFile";
}

const options = JSON.parse(process.argv[2]) as Options;
const storage = new LocalStorage(options.root);
const catalog = new DirectoryCatalog(storage);

const pause = async (point: string): Promise<never> => {
  process.stdout.write(`PAUSED ${point}\n`);
  for (;;) await new Promise((resolve) => setTimeout(resolve, 60_000));
};

const hooks: CommitHooks = {};
if (options.pauseAt === "afterManifests") hooks.afterManifests = () => pause("afterManifests");
if (options.pauseAt === "afterMetadataFile") hooks.afterMetadataFile = () => pause("afterMetadataFile");

await createTable(storage, catalog, ITEMS);
let attempts = 0;
for (let i = 0; i < options.commits; i++) {
  const { metadata } = (await catalog.loadTable(ITEMS.name))!;
  const writer = new DataFileWriter(storage, metadata);
  await writer.writeAll(itemRows(options.day, options.rows, `${process.pid}-${i}`));
  const files = await writer.close();
  if (options.pauseAt === "afterData") await pause("afterData");
  const result =
    options.mode === "append"
      ? await appendFiles(storage, catalog, ITEMS.name, files, { hooks, maxAttempts: 50 })
      : await replacePartitions(storage, catalog, ITEMS.name, [options.day], files, { hooks, maxAttempts: 50 });
  attempts += result.attempts;
  process.stdout.write(`COMMITTED ${result.snapshotId}\n`);
}
process.stdout.write(`DONE attempts=${attempts}\n`);
