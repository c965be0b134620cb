import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { formatDuration } from "../../core/log.ts";
import { withClient } from "../../stack/db.ts";
import { icebergSource } from "../../mount/iceberg-source.ts";
import { mountSilver, type TableMountResult } from "../../mount/mount.ts";

function summaryLine(r: TableMountResult): string {
  const what = r.action === "missing" ? "not in the silver catalog" : `${r.rows.toLocaleString("en-US")} rows, snapshot ${r.snapshotId ?? "(none)"}`;
  const how = r.method ? ` [${r.method}${r.recreatedViews ? `: recreated ${r.recreatedViews.join(", ")}` : ""}]` : "";
  return `  silver.${r.table.padEnd(16)} ${r.action.padEnd(8)} ${what}${how} (${formatDuration(r.ms)})`;
}

export const command: Command = {
  name: "mount",
  summary: "load each silver table's current Iceberg snapshot into the warehouse schema silver (local, ci)",
  usage: "[--tables songs,users,…] [--force] [--json]",
  details: [
    "Reads the current snapshot of every silver table with the project's Iceberg reader and loads it into",
    "PostgreSQL schema silver with COPY (same names and columns). A table whose snapshot is already mounted",
    "is skipped (silver._mounts records it); each load is one transaction, so a failed mount leaves the",
    "previous version. sessions and session_items are loaded together in one transaction and refused unless",
    "sum(item_count) equals the item rows per ingest_on (a half-committed silver pair: run lakehouse silver).",
    "Production reads silver through Redshift Spectrum instead (dataform run --tags setup).",
    "Exit code 1 when a table is missing from the silver catalog (run lakehouse silver first).",
  ].join("\n"),
  options: {
    tables: { type: "string", description: "comma-separated silver tables (default: all)" },
    force: { type: "boolean", description: "reload even when the snapshot is already mounted" },
  },
  async run({ env, values, log, json }) {
    if (env.warehouse.type !== "postgres") {
      throw new LakehouseError("mount", `environment ${env.name} reads silver through Redshift Spectrum, not a mount`, {}, `run: npx lakehouse run --env ${env.name} --tags setup`);
    }
    const tables = typeof values.tables === "string" ? values.tables.split(",").map((t) => t.trim()).filter(Boolean) : undefined;
    const source = icebergSource(env);
    const results = await log.step(
      `mount silver from the ${source.describe()}`,
      () => withClient(env, "warehouse", (client) => mountSilver(client, source, { tables, force: Boolean(values.force), log })),
      (rs) => {
        const mounted = rs.filter((r) => r.action === "mounted");
        return `${mounted.length} mounted (${mounted.reduce((n, r) => n + r.rows, 0).toLocaleString("en-US")} rows), ${rs.filter((r) => r.action === "skipped").length} unchanged, ${rs.filter((r) => r.action === "missing").length} missing`;
      },
    );
    if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else process.stdout.write(`${results.map(summaryLine).join("\n")}\n`);
    const missing = results.filter((r) => r.action === "missing");
    if (missing.length > 0) {
      process.stderr.write(`error: not in the silver catalog: ${missing.map((r) => `silver.${r.table}`).join(", ")}\nhint: run npx lakehouse silver --env ${env.name}\n`);
      return 1;
    }
    return 0;
  },
};
