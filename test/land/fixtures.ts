import * as fs from "node:fs";
import * as path from "node:path";

export const SPARKIFY = "/work/shared/data/sparkify";

export function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** A small Sparkify tree copied from the real data: `songs` song files and the log files of `days`. */
export function copySparkify(target: string, songs: number, days: string[]): { songFiles: string[]; logFiles: string[] } {
  const songFiles = walk(path.join(SPARKIFY, "song_data")).sort().slice(0, songs);
  for (const file of songFiles) {
    const to = path.join(target, path.relative(SPARKIFY, file));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(file, to);
  }
  const logFiles = days.map((d) => path.join(SPARKIFY, "log_data", d.slice(0, 4), d.slice(5, 7), `${d}-events.json`));
  for (const file of logFiles) {
    const to = path.join(target, path.relative(SPARKIFY, file));
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(file, to);
  }
  return { songFiles, logFiles };
}

/** Non-blank lines, counted independently of the landing code. */
export function countLines(text: string): number {
  return text.split("\n").filter((l) => l.trim() !== "").length;
}
