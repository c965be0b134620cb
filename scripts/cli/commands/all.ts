import type { Command, CommandContext } from "../command.ts";
import { describeError, LakehouseError } from "../../core/errors.ts";
import { MODEL_OPTIONS } from "./run.ts";
import { PROJECT_OPTIONS } from "../../dataform/project-args.ts";
import { formatDuration } from "../../core/log.ts";
import { loadCommand } from "../registry.ts";
import { collectStatus, missingFromStatus } from "./status.ts";

/** The stages of `lakehouse all`, in order; each is a lakehouse command run with the same options. */
export const STAGES: { name: string; args?: (ctx: CommandContext) => Record<string, unknown> }[] = [
  { name: "up" },
  { name: "seed" },
  { name: "land" },
  { name: "silver" },
  { name: "mount" },
  // build = run + test with dbt semantics: each rule evaluated once, a failing error-level rule skips dependents.
  { name: "build" },
  { name: "graph" },
];

/** `--day D` is `--start-date D --end-date D`; it refuses to be combined with either. */
export function dayValues(values: CommandContext["values"]): CommandContext["values"] {
  const day = values.day;
  if (typeof day !== "string" || !day) return values;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new LakehouseError("all", `--day ${day} is not a date (YYYY-MM-DD)`, { field: "--day" }, "e.g. npx lakehouse all --day 2018-11-30");
  if (values["start-date"] || values["end-date"]) throw new LakehouseError("all", "--day cannot be combined with --start-date/--end-date", { field: "--day" }, "use --day D alone (start = end = D)");
  return { ...values, "start-date": day, "end-date": day };
}

export const command: Command = {
  name: "all",
  summary: "the whole pipeline: up, seed, land, silver, mount, build, graph; then a summary",
  usage: "[--day D | --start-date D --end-date D] [--select …] [--exclude …] [--full-refresh] [--keep-going]",
  options: {
    ...MODEL_OPTIONS,
    ...PROJECT_OPTIONS,
    day: { type: "string", description: "one day: --start-date D --end-date D (land, silver and build then do that day's work)" },
    "songs-path": { type: "string", description: "Sparkify song files for the catalog seed (default: sources.songs_path)" },
    "sparkify-path": { type: "string", description: "Sparkify data (directory or s3:// URI) (default: sources.sparkify_path)" },
    "start-date": { type: "string", description: "first day of the landing window (default: sources.start_date)" },
    "end-date": { type: "string", description: "last day of the landing window (default: sources.end_date)" },
    "keep-going": { type: "boolean", description: "run later stages even after a failure" },
  },
  async run(input) {
    const ctx = { ...input, values: dayValues(input.values) };
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
      `  gold     ${Object.keys(status.gold).length - missingFromStatus(status).length} tables/views, ${total(status.gold, "rows")} rows${missingFromStatus(status).length ? `, MISSING: ${missingFromStatus(status).join(", ")}` : ""}`,
    );
    const { graphPath } = await import("../../dataform/paths.ts");
    out.push(`  graph    ${graphPath(ctx.env)}`);
    process.stdout.write(`${out.join("\n")}\n`);
    return failed ? 1 : 0;
  },
};
