import type { Environment } from "../core/config.ts";
import type { Logger } from "../core/log.ts";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in --help; the command applies defaults itself. */
  default?: string | boolean;
}

export interface CommandContext {
  env: Environment;
  /** Parsed options (names as declared, e.g. `values["songs-path"]`). */
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  log: Logger;
  /** True with --json: print only machine-readable output on stdout. */
  json: boolean;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line after `lakehouse <name>`, e.g. `[--json] "<query>"`. */
  usage?: string;
  /** Extra lines for --help. */
  details?: string;
  options?: Record<string, OptionSpec>;
  /** Commands that run before a stack exists (up) or need no environment validation beyond loading it. */
  run(ctx: CommandContext): Promise<number | void>;
}

/** For commands that a later issue fills in: a clear error, exit 2. */
export function notBuiltYet(name: string, issue: string): Command["run"] {
  return async () => {
    process.stderr.write(`lakehouse ${name}: not built yet (${issue}).\n`);
    return 2;
  };
}

/** Edit distance of two short words (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate to a mistyped word (`--tag` → `tags`), or undefined when none is close. */
export function didYouMean(input: string, candidates: string[]): string | undefined {
  const word = input.replace(/^-+/, "").split("=")[0].toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = name.startsWith(word) || word.startsWith(name) ? Math.min(1, Math.abs(name.length - word.length)) : distance(word, name.toLowerCase());
    if (d <= Math.max(1, Math.floor(word.length / 3)) && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** What a long command does when SIGINT/SIGTERM stops it: stop its work, keep what is consistent, say so. */
export type InterruptHandler = (signal: NodeJS.Signals) => string | void;
const interruptHandlers = new Set<InterruptHandler>();

/** Registers a handler (it returns what it stopped or kept, in words); returns its removal. */
export function onInterrupt(handler: InterruptHandler): () => void {
  interruptHandlers.add(handler);
  return () => interruptHandlers.delete(handler);
}

/** Runs every handler (newest first) and returns their messages. */
export function runInterruptHandlers(signal: NodeJS.Signals): string[] {
  const messages: string[] = [];
  for (const handler of [...interruptHandlers].reverse()) {
    try {
      const said = handler(signal);
      if (said) messages.push(said);
    } catch (error) {
      messages.push(`(a cleanup failed: ${(error as Error).message})`);
    }
  }
  interruptHandlers.clear();
  return messages;
}
