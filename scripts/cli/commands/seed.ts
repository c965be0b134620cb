import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { seedSongs } from "../../seed/songs.ts";

export const command: Command = {
  name: "seed",
  summary: "load the catalog database (deftunes.songs) from the Sparkify song files; idempotent",
  usage: "[--songs-path <folder|s3://…>] [--scale N]",
  details: "Replaces the table's content in one transaction. --scale N adds N deterministic synthetic songs\n(benchmarks up to 1,000,000 rows).",
  options: {
    "songs-path": { type: "string", description: "folder or s3:// URI of Sparkify song files (default: sources.songs_path)" },
    scale: { type: "string", description: "extra synthetic songs", default: "0" },
  },
  async run({ env, values, log, json }) {
    if (env.name === "prod") {
      throw new LakehouseError("seed", "refused: in prod the catalog is DeFtunes' operational database, not a stand-in to overwrite", {}, "seed the local or ci stack (--env local|ci)");
    }
    const scaleText = (values.scale as string | undefined) ?? "0";
    if (!/^\d+$/.test(scaleText)) throw new LakehouseError("seed", `--scale must be a whole number, got "${scaleText}"`, { field: "scale" });
    const result = await log.step(
      `seed ${env.catalog_db.database}.${env.catalog_db.schema}.songs`,
      () => seedSongs(env, { songsPath: values["songs-path"] as string | undefined, scale: Number(scaleText), log }),
      (r) => `${r.rows} rows (${r.files} song files, ${r.synthetic} synthetic)`,
    );
    if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  },
};
