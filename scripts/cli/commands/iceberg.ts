import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "../command.ts";
import type { Environment } from "../../core/config.ts";
import { LakehouseError } from "../../core/errors.ts";
import { describeTable, fileList, openTableAt, scanRows, snapshotList } from "../../iceberg/inspect.ts";
import { stringifyExactJson } from "../../iceberg/metadata-json.ts";
import { LocalStorage, S3Storage, type Storage } from "../../storage/index.ts";
import { formatTable, parseLimit } from "./sql.ts";

const SUBCOMMANDS = ["describe", "snapshots", "files", "scan"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/**
 * The storage and key of a table location or metadata file: `s3://bucket/key` (the environment's endpoint
 * and region when it is the environment's bucket), `file:///path` or a local path.
 */
export function locate(location: string, env: Environment): { storage: Storage; key: string } {
  const s3 = /^s3a?:\/\/([^/]+)\/(.+)$/.exec(location);
  if (s3) {
    const config = env.storage.type === "s3" && env.storage.bucket === s3[1] ? env.storage : undefined;
    return { storage: new S3Storage({ bucket: s3[1], region: config?.region ?? env.warehouse.region, endpoint: config?.endpoint }), key: s3[2] };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith("file://")) {
    throw new LakehouseError("iceberg", `unsupported location ${location}`, { file: location }, "give an s3://, file:// or local path");
  }
  const absolute = location.startsWith("file://") ? fileURLToPath(location) : path.resolve(location);
  return { storage: new LocalStorage(path.parse(absolute).root), key: absolute.slice(path.parse(absolute).root.length).split(path.sep).join("/") };
}

function parseSnapshot(value: unknown): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) throw new LakehouseError("iceberg", `--snapshot "${String(value)}" is not a snapshot id`, { field: "--snapshot" }, "see lakehouse iceberg snapshots <table>");
  return BigInt(value);
}

function text(value: unknown): string {
  return typeof value === "object" && value !== null ? stringifyExactJson(value) : String(value);
}

function describeText(d: Record<string, unknown>): string {
  const schema = d.schema as { schema_id: number; fields: { id: number; name: string; type: unknown; required: boolean }[] };
  const lines = Object.entries(d)
    .filter(([k]) => k !== "schema")
    .map(([k, v]) => `${k.padEnd(22)} ${text(v)}`);
  lines.push(`schema (id ${schema.schema_id}):`);
  for (const f of schema.fields) lines.push(`  ${String(f.id).padStart(4)}  ${f.name.padEnd(24)} ${text(f.type)}${f.required ? " required" : ""}`);
  return lines.join("\n");
}

export const command: Command = {
  name: "iceberg",
  summary: "inspect any Iceberg v2 table (this project's or another engine's): describe, snapshots, files, scan",
  usage: "describe|snapshots|files|scan <table location or metadata file> [--limit N] [--snapshot ID] [--json]",
  details: [
    "The table is a directory (local path, file:// or s3://) with metadata/ in it, or a metadata file",
    "(….metadata.json). For a directory the current metadata is found from this project's commit markers,",
    "else metadata/version-hint.text, else the highest metadata version. Reads only; no catalog needed.",
    "",
    "  describe <table>    uuid, location, current snapshot, current schema, default spec, sort order, refs, properties",
    "  snapshots <table>   every snapshot: id, parent, sequence number, time, operation, refs, record counts",
    "  files <table>       the live data and delete files of the snapshot: content, path, partition, records, size",
    "  scan <table>        the snapshot's rows (Parquet files through the manifests, position and equality deletes",
    "                      applied); dates YYYY-MM-DD, timestamps ISO-8601; the table shows 50 rows unless --limit",
    "",
    "--json prints one JSON value: describe an object, the others an array of row objects (64-bit ids and",
    "long values as exact JSON integers: parse them with a 64-bit-safe parser).",
  ].join("\n"),
  options: {
    limit: { type: "string", description: "rows printed (scan's table: 50; --json and the other lists: all)" },
    snapshot: { type: "string", description: "a snapshot id other than the current one (files, scan)" },
  },
  async run({ env, positionals, values, json }) {
    const [sub, location, ...extra] = positionals;
    if (!SUBCOMMANDS.includes(sub as Subcommand)) {
      throw new LakehouseError("iceberg", sub ? `unknown subcommand "${sub}"` : "no subcommand given", {}, `lakehouse iceberg ${SUBCOMMANDS.join("|")} <table location or metadata file>`);
    }
    if (!location || extra.length > 0) throw new LakehouseError("iceberg", location ? `unexpected arguments: ${extra.join(" ")}` : "no table location given", {}, `lakehouse iceberg ${sub} <table location or metadata file>`);
    const limit = parseLimit(values.limit);
    const snapshotId = parseSnapshot(values.snapshot);
    const { storage, key } = locate(location, env);
    const loaded = await openTableAt(storage, key);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    if (sub === "describe") {
      const d = describeTable(loaded);
      out(json ? stringifyExactJson(d, 2) : describeText(d));
      return 0;
    }
    let rows: Record<string, unknown>[];
    if (sub === "snapshots") rows = snapshotList(loaded.metadata);
    else if (sub === "files") rows = await fileList(storage, loaded.metadata, snapshotId);
    else {
      rows = [];
      const wanted = json ? limit : (limit ?? 50) + 1; // one more to tell the table there are more
      for await (const row of scanRows(storage, loaded.metadata, { limit: wanted, snapshotId })) rows.push(row);
    }
    if (json) {
      out(stringifyExactJson(limit === undefined ? rows : rows.slice(0, limit)));
      return 0;
    }
    const shown = limit ?? (sub === "scan" ? 50 : rows.length);
    const fields = rows.length > 0 ? Object.keys(rows[0]) : [];
    out(formatTable(fields, rows, shown, sub === "scan" && rows.length > shown));
    return 0;
  },
};
