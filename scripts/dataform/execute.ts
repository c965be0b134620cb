// One `dataform run` of planned actions, read back as outcomes, with the checks that make its exit code
// trustworthy: a connection check first, a lost connection / server crash / Dataform error / missing
// outcome is a failure (`fatal`), PostgreSQL deadlock victims run once more. Dataform's full output goes
// to the invocation's log file; the console gets what the caller prints from the outcomes.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { connect } from "../stack/db.ts";
import { dataform } from "./runner.ts";
import { OutcomeParser, plain, type ParsedOutcome } from "./results.ts";

/** The raw output of an invocation, line by line, in `.lakehouse/<env>/logs/<invocation>.log`. */
export class RunLog {
  readonly file: string;
  private readonly fd: number;

  constructor(env: Environment, invocationId: string) {
    this.file = path.join(env.stackDir, "logs", `${invocationId}.log`);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.fd = fs.openSync(this.file, "a");
  }

  line(text: string): void {
    fs.writeSync(this.fd, `${text}\n`);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** The hint of every failure that may come from the warehouse being down. */
export function upHint(env: Environment, log?: RunLog): string {
  const shown = log ? path.relative(process.cwd(), log.file) : "";
  return `npx lakehouse up${env.name === "local" ? "" : ` --env ${env.name}`}${log ? ` (full output: ${shown && !shown.startsWith("..") ? shown : log.file})` : ""}`;
}

/** Fails with one line and the `lakehouse up` hint when the warehouse does not answer. */
export async function checkConnection(env: Environment, log?: RunLog): Promise<void> {
  if (env.name === "prod") return; // Redshift: Dataform's adapter reports its own connection errors.
  let client;
  try {
    client = await connect(env, "warehouse");
    await client.query("select 1");
  } catch (error) {
    const message = error instanceof LakehouseError ? error.message : (error as Error).message;
    log?.line(`connection check: ${(error as Error).stack ?? message}`);
    throw new LakehouseError("run", `the warehouse does not answer: ${message.split("\n")[0]}`, {}, upHint(env, log));
  } finally {
    await client?.end().catch(() => undefined);
  }
}

export interface ExecuteOptions {
  /** The planned action names (`schema.name`): each must get an outcome. */
  planned: string[];
  /** Hand Dataform the plan as `--actions` (false when the plan is the whole project). */
  passActions: boolean;
  fullRefresh?: boolean;
  /** More Dataform arguments (vars, schema suffix). */
  extraArgs?: string[];
  projectDir?: string;
  /** The dependencies of each action (`schema.name`), to tell Dataform's unprinted skips from lost outcomes. */
  dependencies: (name: string) => string[];
  log: RunLog;
  onOutcome?: (name: string, outcome: ParsedOutcome) => void;
}

export interface ExecuteResult {
  outcomes: Record<string, ParsedOutcome>;
  /** Why the run cannot be trusted, in one line (then the command fails whatever the outcomes say). */
  fatal?: string;
}

/** Actions that failed only because PostgreSQL chose them as a deadlock victim (safe to run again). */
export function deadlockVictims(actions: Record<string, { status: string; message?: string; error?: string }>): string[] {
  return Object.entries(actions)
    .filter(([, a]) => a.status === "failed" && /deadlock detected/i.test(a.message ?? a.error ?? ""))
    .map(([name]) => name);
}

async function dataformRun(env: Environment, args: string[], options: ExecuteOptions): Promise<{ code: number; parser: OutcomeParser; lastLines: string[] }> {
  const parser = new OutcomeParser(options.onOutcome);
  const lastLines: string[] = [];
  options.log.line(`$ dataform run ${args.join(" ")}`);
  const result = await dataform(env, ["run", ...args], {
    withCredentials: true,
    ...(options.projectDir ? { projectDir: options.projectDir } : {}),
    onRawLine: (line) => options.log.line(line),
    onLine: (line) => {
      parser.feed(line);
      const text = plain(line);
      if (text && !/^\s*at /.test(line)) (lastLines.push(text), lastLines.length > 5 && lastLines.shift());
    },
  });
  parser.flush();
  options.log.line(`exit ${result.code}`);
  return { code: result.code, parser, lastLines };
}

/** `--actions a --actions b …` (Dataform's parser refuses some names given after one `--actions`). */
export function actionArgs(names: string[]): string[] {
  return names.flatMap((n) => ["--actions", n]);
}

/** Runs the planned actions once (and deadlock victims once more); see the file comment. */
export async function executeActions(env: Environment, options: ExecuteOptions): Promise<ExecuteResult> {
  const base = [...(options.fullRefresh ? ["--full-refresh"] : []), ...(options.extraArgs ?? [])];
  const first = await dataformRun(env, [...(options.passActions ? actionArgs(options.planned) : []), ...base], options);
  const outcomes = first.parser.outcomes;
  let { code, lastLines } = first;
  let lost = first.parser.connectionLost;
  const victims = lost ? [] : deadlockVictims(outcomes);
  if (victims.length > 0) {
    // Dataform runs independent actions concurrently; PostgreSQL may pick one of two `drop … cascade`
    // statements as a deadlock victim. Nothing of the victim was changed: run it and its planned dependents again.
    const again = new Set(victims);
    for (const [name, o] of Object.entries(outcomes)) if (o.status === "skipped") again.add(name);
    const retry = await dataformRun(env, [...actionArgs(options.planned.filter((n) => again.has(n))), ...base], options);
    Object.assign(outcomes, retry.parser.outcomes);
    ({ code, lastLines } = retry);
    lost = retry.parser.connectionLost;
  }
  const failed = Object.values(outcomes).filter((o) => o.status === "failed").length;
  // Dataform 2.6.7 prints nothing for the dependents of a skipped action (it never marks a skip as executed):
  // an action without an outcome below a failed or skipped one was skipped.
  const blocked = (name: string, seen = new Set<string>()): boolean =>
    options.dependencies(name).some((d) => {
      if (seen.has(d)) return false;
      seen.add(d);
      const s = outcomes[d]?.status;
      return s === "failed" || s === "skipped" || (!outcomes[d] && options.planned.includes(d) && blocked(d, seen));
    });
  for (const name of options.planned) {
    if (outcomes[name] || !blocked(name)) continue;
    outcomes[name] = { status: "skipped", kind: "dataset" };
    options.onOutcome?.(name, outcomes[name]);
  }
  const missing = options.planned.filter((n) => !outcomes[n]);
  const done = options.planned.length - missing.length;
  let fatal: string | undefined;
  if (lost) fatal = `the warehouse connection was lost during the run (${lost}); ${done} of ${options.planned.length} planned actions finished`;
  else if (code !== 0 && failed === 0) fatal = `Dataform exited with ${code} without a failed action: ${lastLines.slice(-2).join(" | ") || "no output"}`;
  else if (missing.length > 0) fatal = `${missing.length} of ${options.planned.length} planned actions got no outcome (${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ", …" : ""})`;
  for (const name of missing) outcomes[name] = { status: "failed", kind: "dataset", message: `no outcome: ${fatal ?? "the run stopped before it"}` };
  return { outcomes, ...(fatal ? { fatal } : {}) };
}
