import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { landSources } from "../../land/index.ts";
import { SOURCES, type SourceName } from "../../land/layout.ts";
import { Interrupted, withInterrupts } from "../../land/run-guard.ts";

export const command: Command = {
  name: "land",
  summary: "copy the sources (catalog, api, sparkify) unchanged into the bucket's landing zone",
  usage: "[--source catalog|api|sparkify] [--start-date YYYY-MM-DD [--end-date YYYY-MM-DD]] [--songs-path P] [--sparkify-path P] [--follow-redirects]",
  details: [
    "Layout: landing/<source>/<entity>/ingest_on=YYYY-MM-DD/part-NNNNN.<ext> + _manifest.json (written last).",
    "Snapshots (catalog/songs, sparkify/songs) land into ingest_on = the end date; api/* one partition per day;",
    "sparkify/events one partition per log day. Re-landing a window replaces its partitions.",
  ].join("\n"),
  options: {
    source: { type: "string", multiple: true, description: `only this source (${SOURCES.join("|")}); repeatable` },
    "start-date": { type: "string", description: "first day of the window (default: sources.start_date)" },
    "end-date": { type: "string", description: "last day of the window (default: the start date when one is given, else sources.end_date)" },
    "songs-path": { type: "string", description: "Sparkify song files, folder or s3:// URI (default: <sparkify path>/song_data)" },
    "sparkify-path": { type: "string", description: "Sparkify root (song_data/, log_data/), folder or s3:// URI (default: sources.sparkify_path)" },
    "follow-redirects": { type: "boolean", description: "follow HTTP redirects of the API within its origin (another origin is always refused)" },
  },
  async run({ env, values, log, json }) {
    const sources = ((values.source as string[] | undefined) ?? []).flatMap((s) => s.split(",")).filter(Boolean);
    for (const source of sources) {
      if (!(SOURCES as readonly string[]).includes(source)) throw new LakehouseError("land", `unknown source "${source}"`, { field: "--source" }, `one of ${SOURCES.join(", ")}`);
    }
    let summary;
    try {
      summary = await withInterrupts(
        (signal) =>
          landSources(env, {
            sources: sources.length ? (sources as SourceName[]) : undefined,
            startDate: values["start-date"] as string | undefined,
            endDate: values["end-date"] as string | undefined,
            songsPath: values["songs-path"] as string | undefined,
            sparkifyPath: values["sparkify-path"] as string | undefined,
            followRedirects: Boolean(values["follow-redirects"]),
            log,
            signal,
          }),
        (name) => log.warn(`land: ${name} received: stopping after the current step (a second ${name} exits at once)`),
      );
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      process.stderr.write(
        `error: land: stopped by ${error.signalName}: the partitions in progress were discarded and their staging files removed; partitions published before (the ✔ lines above) are kept\nhint: rerun the same land to complete the window\n`,
      );
      return error.signalName === "SIGINT" ? 130 : 143;
    }
    const rows = summary.entities.map((e) => ({ entity: e.entity, partitions: e.partitions, rows: e.rows, bytes: e.bytes }));
    if (json) {
      process.stdout.write(`${JSON.stringify({ window: summary.window, location: summary.location, entities: rows }, null, 2)}\n`);
    } else {
      const lines = [`landed ${summary.window.start_date} .. ${summary.window.end_date} into ${summary.location}`];
      lines.push(`  ${"entity".padEnd(18)} ${"partitions".padStart(10)} ${"rows".padStart(10)} ${"bytes".padStart(12)}`);
      for (const r of rows) lines.push(`  ${r.entity.padEnd(18)} ${String(r.partitions).padStart(10)} ${String(r.rows).padStart(10)} ${String(r.bytes).padStart(12)}`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  },
};
