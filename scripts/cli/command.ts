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
