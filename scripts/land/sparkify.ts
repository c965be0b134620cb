import { addManifest, emptyResult, type EntityResult, type LandContext } from "./context.ts";
import { isIsoDate } from "./layout.ts";
import { checkInterrupted } from "./run-guard.ts";
import { PartitionStager } from "./stager.ts";
import { listSourceFiles, type SourceFile } from "./sourceFiles.ts";

const EVENTS_FILE = /(?:^|\/)(\d{4}-\d{2}-\d{2})-events\.json$/;

/** The day of a Sparkify log file (`…/2018-11-05-events.json`), or null. */
export function eventsDayOf(relative: string): string | null {
  const day = EVENTS_FILE.exec(relative)?.[1];
  return day && isIsoDate(day) ? day : null;
}

const join = (root: string, sub: string) => `${root.replace(/\/+$/, "")}/${sub}`;

/** Each file as one part; its rows are the records the entity's format counts (records.ts). */
async function landFiles(stager: PartitionStager, files: SourceFile[], progress: () => void, signal?: AbortSignal): Promise<void> {
  for (const file of files) {
    checkInterrupted(signal);
    await stager.addFile(await file.open(), { original: file.relative });
    progress();
  }
}

/** Sparkify song files, byte for byte, into one partition (ingest_on = the window's end), one part per file. */
export async function landSparkifySongs(ctx: LandContext): Promise<EntityResult> {
  const result = emptyResult("sparkify/songs");
  const startedAt = new Date();
  const root = ctx.songsPath;
  const files = await listSourceFiles(ctx.env, root, (relative) => relative.endsWith(".json"));
  const stager = new PartitionStager(ctx.storage, "sparkify/songs", ctx.window.end_date, "json");
  try {
    let done = 0;
    await landFiles(stager, files, () => ctx.log.progress("land sparkify/songs", ++done, files.length), ctx.signal);
    checkInterrupted(ctx.signal);
    addManifest(result, await stager.publish({ source: "sparkify", format: "json", origin: { kind: "files", root }, window: ctx.window, startedAt }));
  } catch (error) {
    await stager.abort();
    throw error;
  }
  return result;
}

/** Sparkify log files, byte for byte, one partition per log day inside the window. */
export async function landSparkifyEvents(ctx: LandContext): Promise<EntityResult> {
  const result = emptyResult("sparkify/events");
  const root = join(ctx.sparkifyPath, "log_data");
  const { start_date, end_date } = ctx.window;
  const files = await listSourceFiles(ctx.env, root, (relative) => {
    const day = eventsDayOf(relative);
    return day !== null && day >= start_date && day <= end_date;
  });
  const byDay = new Map<string, SourceFile[]>();
  for (const file of files) {
    const day = eventsDayOf(file.relative)!;
    byDay.set(day, [...(byDay.get(day) ?? []), file]);
  }
  let done = 0;
  for (const day of [...byDay.keys()].sort()) {
    const startedAt = new Date();
    const stager = new PartitionStager(ctx.storage, "sparkify/events", day, "json");
    try {
      await landFiles(stager, byDay.get(day)!, () => ctx.log.progress("land sparkify/events (files)", ++done, files.length), ctx.signal);
      checkInterrupted(ctx.signal);
      addManifest(result, await stager.publish({ source: "sparkify", format: "jsonl", origin: { kind: "files", root }, window: { start_date: day, end_date: day }, startedAt }));
    } catch (error) {
      await stager.abort();
      throw error;
    }
  }
  return result;
}

export { join as joinSourcePath };
