import { spawn } from "node:child_process";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { fromRoot, PROJECT_ROOT } from "../core/paths.ts";
import { onInterrupt } from "../cli/command.ts";
import { credentialsFile } from "./credentials.ts";

/** Lines Dataform 2.6.7 prints that are noise, not information (see README "Dataform quirks"). */
const NOISE = [
  /Release called on client which has already been released/,
  /MaxListenersExceededWarning/,
  /\(Use `node --trace-warnings/,
  /Configuring logger with level/,
  /EBADENGINE|npm warn/,
];

export function isNoise(line: string): boolean {
  return NOISE.some((re) => re.test(line));
}

/** A filter that drops noise lines and the stack trace lines ("    at …") that follow them. */
export function noiseFilter(): (line: string) => boolean {
  let inTrace = false;
  return (line) => {
    if (isNoise(line)) {
      inTrace = true;
      return false;
    }
    if (inTrace && /^\s+at /.test(line)) return false;
    inTrace = false;
    return true;
  };
}

export interface DataformResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr lines in the order they arrived. */
  lines: string[];
}

/** The project folder Dataform runs in: the root for local/ci, the rendered .build/prod for prod. */
export function projectDir(env: Environment): string {
  return env.name === "prod" ? fromRoot(".build", "prod") : PROJECT_ROOT;
}

/**
 * Runs the pinned Dataform CLI. Output is filtered of known noise; with `echo`, stdout/stderr are streamed
 * line by line as they come (progress of long runs).
 */
export function dataform(
  env: Environment,
  args: string[],
  options: {
    echo?: boolean;
    withCredentials?: boolean;
    projectDir?: string;
    /** Called with every kept line as it arrives (stdout and stderr in order). */
    onLine?: (line: string) => void;
    /** Called with every raw line, noise included (the full detail for a log file). */
    onRawLine?: (line: string) => void;
  } = {},
): Promise<DataformResult> {
  const bin = fromRoot("node_modules", "@dataform", "cli", "bundle.js");
  const full = [bin, ...args.slice(0, 1), options.projectDir ?? projectDir(env), ...args.slice(1)];
  if (options.withCredentials) full.push("--credentials", credentialsFile(env));
  // Dataform's compile timeout defaults to 5 s, too short for a few hundred actions on a busy machine.
  if (["compile", "run", "test"].includes(args[0]) && !args.includes("--timeout")) full.push("--timeout", "10m");
  full.push("--track=false");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--no-warnings", ...full], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const out: string[] = [];
    const err: string[] = [];
    const all: string[] = [];
    const pump = (stream: NodeJS.ReadableStream, sink: string[], echoTo: NodeJS.WritableStream) => {
      let buffer = "";
      const keep = noiseFilter();
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buffer += chunk;
        let nl;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          options.onRawLine?.(line);
          if (!keep(line)) continue;
          sink.push(line);
          all.push(line);
          options.onLine?.(line);
          if (options.echo) echoTo.write(`${line}\n`);
        }
      });
      stream.on("end", () => {
        if (buffer) options.onRawLine?.(buffer);
        if (buffer && keep(buffer)) {
          sink.push(buffer);
          all.push(buffer);
          options.onLine?.(buffer);
          if (options.echo) echoTo.write(`${buffer}\n`);
        }
      });
    };
    pump(child.stdout, out, process.stderr);
    pump(child.stderr, err, process.stderr);
    child.on("error", (error) => reject(new LakehouseError("dataform", `could not start the Dataform CLI: ${error.message}`)));
    // Interrupted: Dataform is stopped too (it cancels what it runs on SIGINT), whatever sent the signal.
    const stop = onInterrupt(() => {
      child.kill("SIGINT");
      return `Dataform (pid ${child.pid}) stopped`;
    });
    child.on("close", (code) => {
      stop();
      resolve({ code: code ?? 1, stdout: out.join("\n"), stderr: err.join("\n"), lines: all });
    });
  });
}
