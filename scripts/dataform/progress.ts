// What a run prints: one line per model as its outcome arrives, failures in full, assertions only when they
// fail (every one with --verbose), warn-level rules counted, and a summary that counts all four outcomes.
// Colour only on a terminal (NO_COLOR / FORCE_COLOR honoured).
import { formatDuration } from "../core/log.ts";
import { countOutcomes, type ActionOutcome } from "./artifacts.ts";

/** Whether to colour output written to `stream`: FORCE_COLOR (not "0") forces, NO_COLOR forbids, else a TTY. */
export function useColor(stream: NodeJS.WritableStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false") return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return Boolean((stream as NodeJS.WriteStream).isTTY);
}

const CODES = { green: 32, red: 91, yellow: 33, grey: 90 } as const;

export function painter(enabled: boolean): (colour: keyof typeof CODES, text: string) => string {
  return (colour, text) => (enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text);
}

export interface ProgressOptions {
  out?: NodeJS.WritableStream;
  verbose?: boolean;
  quiet?: boolean;
  /** Extra text after a model's line (e.g. its rule counts in `build`). */
  suffix?: (name: string) => string;
}

/** The line of one outcome, or undefined when it is not shown (passing or disabled assertions without --verbose). */
export function outcomeLine(name: string, o: ActionOutcome, options: { verbose?: boolean; colour?: boolean; suffix?: string } = {}): string | undefined {
  const paint = painter(Boolean(options.colour));
  const isRule = o.type === "assertion";
  const label = `${name}${o.type && !isRule ? ` [${o.type}]` : ""}`;
  const time = o.seconds !== undefined ? ` (${formatDuration(o.seconds * 1000)})` : "";
  switch (o.status) {
    case "succeeded":
      if (isRule && !options.verbose) return undefined;
      return `${paint("green", "✔")} ${label}${options.suffix ?? ""}${time}`;
    case "failed": {
      const lines = [`${paint("red", "✘")} ${label} failed${o.message ? `: ${o.message}` : ""}`];
      if (o.failing_rows !== undefined) lines.push(`    ${o.failing_rows} failing row${o.failing_rows === 1 ? "" : "s"}`);
      return lines.join("\n");
    }
    case "skipped":
      return `${paint("yellow", "–")} ${label} skipped${o.skipped_because ? ` (upstream ${o.skipped_because} failed)` : ""}${o.message && !o.skipped_because ? `: ${o.message}` : ""}`;
    case "disabled":
      return options.verbose ? `${paint("grey", "·")} ${label} is a warn-level rule (checked by lakehouse test)` : undefined;
  }
}

/** Prints outcome lines as they come. */
export function progressPrinter(options: ProgressOptions = {}): (name: string, outcome: ActionOutcome) => void {
  const out = options.out ?? process.stderr;
  const colour = useColor(out);
  return (name, outcome) => {
    if (options.quiet && outcome.status !== "failed") return;
    const line = outcomeLine(name, outcome, { verbose: options.verbose, colour, suffix: options.suffix?.(name) });
    if (line) out.write(`${line}\n`);
  };
}

/** `run: 178 succeeded, 1 failed, 72 skipped, 8 disabled (12.3 s)`, plus the warn-level rules line. */
export function summaryLines(label: string, actions: Record<string, ActionOutcome>, ms: number): string[] {
  const c = countOutcomes(actions);
  const failed = Object.entries(actions).filter(([, a]) => a.status === "failed").map(([n]) => n);
  const lines = [`${label}: ${c.succeeded} succeeded, ${c.failed} failed, ${c.skipped} skipped, ${c.disabled} disabled (${formatDuration(ms)})${failed.length ? `; failed: ${failed.slice(0, 10).join(", ")}${failed.length > 10 ? ", …" : ""}` : ""}`];
  const warn = Object.values(actions).filter((a) => a.status === "disabled" && a.type === "assertion").length;
  if (warn) lines.push(`  ${warn} warn-level rule${warn === 1 ? "" : "s"} checked by lakehouse test`);
  return lines;
}
