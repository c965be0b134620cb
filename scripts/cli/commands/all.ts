import type { Command, CommandContext } from "../command.ts";
import { describeError } from "../../core/errors.ts";
import { formatDuration } from "../../core/log.ts";
import { loadCommand } from "../registry.ts";
import { collectStatus } from "./status.ts";

/** The stages of `lakehouse all`, in order; each is a lakehouse command run with the same options. */
export const STAGES: { name: string; args?: (ctx: CommandContext) => Record<string, unknown> }[] = [
  { name: "up" },
  { name: "seed" },
  { name: "land" },
  { name: "silver" },
  { name: "mount" },
  { name: "run" },
  { name: "test" },
  { name: "graph" },
];

export const command: Command = {
  name: "all",
  summary: "the whole pipeline: up, seed, land, silver, mount, run, test, graph; then a summary",
  options: {
    "songs-path": { type: "string", description: "Sparkify song files for the catalog seed (default: sources.songs_path)" },
    "sparkify-path": { type: "string", description: "Sparkify data (directory or s3:// URI) (default: sources.sparkify_path)" },
    "start-date": { type: "string", description: "first day of the landing window (default: sources.start_date)" },
    "end-date": { type: "string", description: "last day of the landing window (default: sources.end_date)" },
    "keep-going": { type: "boolean", description: "run later stages even after a failure" },
  },
  async run(ctx) {
    const rows: { stage: string; status: string; seconds: string }[] = [];
    let failed = false;
    for (const stage of STAGES) {
      if (failed && !ctx.values["keep-going"]) {
        rows.push({ stage: stage.name, status: "skipped", seconds: "" });
        continue;
      }
      const started = performance.now();
      ctx.log.info(`── ${stage.name} ──`);
      let status: string;
      try {
        const command = await loadCommand(stage.name);
        const known = Object.keys(command.options ?? {});
        const values = Object.fromEntries(Object.entries(ctx.values).filter(([k]) => known.includes(k) || ["env", "quiet"].includes(k)));
        const code = (await command.run({ ...ctx, values, json: false })) ?? 0;
        status = code === 0 ? "ok" : `failed (exit ${code})`;
        if (code !== 0) failed = true;
      } catch (error) {
        status = `failed: ${describeError(error)}`;
        failed = true;
      }
      rows.push({ stage: stage.name, status, seconds: formatDuration(performance.now() - started) });
    }
    const out = ["", "Summary", ...rows.map((r) => `  ${r.stage.padEnd(8)} ${r.status.padEnd(12)} ${r.seconds}`)];
    const status = await collectStatus(ctx.env);
    const total = (section: unknown, key: string) =>
      Object.values((section ?? {}) as Record<string, Record<string, number>>).reduce((sum, v) => sum + (typeof v?.[key] === "number" ? v[key] : 0), 0);
    out.push(
      `  landing  ${Object.keys(status.landing).length} entities, ${total(status.landing, "rows")} rows`,
      `  silver   ${Object.keys(status.silver).length} tables, ${total(status.silver, "rows")} rows, ${total(status.silver, "quarantined")} quarantined`,
      `  gold     ${Object.keys(status.gold).length} tables/views, ${total(status.gold, "rows")} rows`,
    );
    const { graphPath } = await import("../../dataform/paths.ts");
    out.push(`  graph    ${graphPath(ctx.env)}`);
    process.stdout.write(`${out.join("\n")}\n`);
    return failed ? 1 : 0;
  },
};
