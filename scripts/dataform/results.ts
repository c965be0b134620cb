// What `dataform run` printed, read back as one outcome per action (succeeded, failed, skipped, disabled),
// plus the signs that the warehouse went away while it ran. Recorded as run artifacts (artifacts.ts).
import type { Environment } from "../core/config.ts";
import { latestFile, type ActionOutcome, type OutcomeStatus } from "./artifacts.ts";

/** An action's outcome as read from Dataform's output; `kind` is how Dataform printed it. */
export interface ParsedOutcome extends ActionOutcome {
  kind: "dataset" | "assertion" | "operation";
  /** The statement Dataform printed with the failure (its first task's, often the cleanup `drop`). */
  statement?: string;
}

// eslint-disable-next-line no-control-regex -- ANSI colour codes are control characters
const ANSI = /\u001b\[[0-9;]*m/g;

/** A Dataform output line without its colour codes and surrounding blanks. */
export function plain(line: string): string {
  return line.replace(ANSI, "").trim();
}

const PATTERNS: [RegExp, OutcomeStatus, ParsedOutcome["kind"]][] = [
  [/^Dataset created:\s+(\S+)(?:\s+\[(\w+)\])?/, "succeeded", "dataset"],
  [/^Dataset creation failed:\s+(\S+)(?:\s+\[(\w+)\])?/, "failed", "dataset"],
  [/^Skipping dataset creation:\s+(\S+)(?:\s+\[(\w+)\])?/, "skipped", "dataset"],
  [/^Dataset creation disabled:\s+(\S+)(?:\s+\[(\w+)\])?/, "disabled", "dataset"],
  [/^Assertion passed:\s+(\S+)/, "succeeded", "assertion"],
  [/^Assertion failed:\s+(\S+)/, "failed", "assertion"],
  [/^Skipping assertion execution:\s+(\S+)/, "skipped", "assertion"],
  [/^Assertion execution disabled:\s+(\S+)/, "disabled", "assertion"],
  [/^Operation completed successfully:\s+(\S+)/, "succeeded", "operation"],
  [/^Operation failed:\s+(\S+)/, "failed", "operation"],
  [/^Skipping operation execution:\s+(\S+)/, "skipped", "operation"],
  [/^Operation execution disabled:\s+(\S+)/, "disabled", "operation"],
];

/** Lines that mean the warehouse connection was lost or the server went down (pg and PostgreSQL wording). */
const CONNECTION_LOST = [
  /terminating connection/i,
  /Connection terminated/i,
  /server closed the connection unexpectedly/i,
  /the database system is (shutting down|starting up|in recovery mode)/i,
  /\bECONNREFUSED\b|\bECONNRESET\b|\bEPIPE\b|\bETIMEDOUT\b/,
  /Client has encountered a connection error/i,
];

export function isConnectionLoss(line: string): boolean {
  return CONNECTION_LOST.some((re) => re.test(line));
}

/** One line of a connection-loss message: the pg wording without its `Error:` prefixes and stack. */
export function connectionLossText(line: string): string {
  const text = plain(line);
  const hit = /(terminating connection[^.]*|Connection terminated[^.]*|server closed the connection unexpectedly|the database system is [a-z ]+|connect (ECONNREFUSED|ECONNRESET|ETIMEDOUT) \S+|\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT)\b)/i.exec(text);
  return hit ? hit[0] : text.slice(0, 160);
}

/**
 * Reads `dataform run` output line by line (stdout and stderr merged in order of arrival): one outcome per
 * action, the first error line of a failed one, and the first sign of a lost connection.
 */
export class OutcomeParser {
  readonly outcomes: Record<string, ParsedOutcome> = {};
  /** The first line that said the connection was lost, if any. */
  connectionLost?: string;
  private last?: ParsedOutcome;
  /** A failure is reported once its error lines have been read (at the next outcome or at the end). */
  private pending?: [string, ParsedOutcome];

  constructor(private readonly onOutcome?: (name: string, outcome: ParsedOutcome) => void) {}

  /** Reports a failure still waiting for its error lines (call at the end of the output). */
  flush(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) this.onOutcome?.(...pending);
  }

  feed(raw: string): void {
    const line = plain(raw);
    if (!this.connectionLost && isConnectionLoss(line)) this.connectionLost = connectionLossText(line);
    const hit = PATTERNS.find(([re]) => re.test(line));
    if (hit) {
      const match = hit[0].exec(line)!;
      const outcome: ParsedOutcome = { status: hit[1], kind: hit[2], ...(match[2] ? { type: match[2] } : hit[2] === "assertion" ? { type: "assertion" } : hit[2] === "operation" ? { type: "operation" } : {}) };
      this.flush();
      this.outcomes[match[1]] = outcome;
      this.last = outcome;
      if (outcome.status === "failed") this.pending = [match[1], outcome];
      else this.onOutcome?.(match[1], outcome);
      return;
    }
    const last = this.last;
    if (last?.status !== "failed" || last.message) return;
    if (line.startsWith("> ")) last.statement = last.statement ? `${last.statement}\n${line.slice(2)}` : line.slice(2);
    else if (/error:/.test(line)) last.message = line.replace(/^.*?error:\s*/, "").replace(/^Error executing postgres query:\s*/, "");
  }
}

/** Reads the per-action outcome lines of a whole `dataform run` output. */
export function parseRunOutput(lines: string[]): Record<string, ParsedOutcome> {
  const parser = new OutcomeParser();
  for (const line of lines) parser.feed(line);
  parser.flush();
  return parser.outcomes;
}

/** The results file the graph page colours by: the latest invocation (runs/latest.json), never a merge. */
export function lastRunFile(env: Environment): string {
  return latestFile(env);
}
