/** Step logging: one line per step with counts and durations, on stderr so stdout stays for data. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Runs `fn`, then logs `label` with its duration and the summary that `fn` returns. */
  step<T>(label: string, fn: () => Promise<T>, summarise?: (result: T) => string): Promise<T>;
  progress(label: string, done: number, total?: number): void;
}

export interface LoggerOptions {
  quiet?: boolean;
  stream?: NodeJS.WritableStream;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.stream ?? process.stderr;
  const quiet = options.quiet ?? false;
  const isTty = Boolean((out as NodeJS.WriteStream).isTTY);
  let lastProgress = 0;
  const write = (line: string) => {
    if (!quiet) out.write(`${line}\n`);
  };
  return {
    info: write,
    warn: (message) => out.write(`warning: ${message}\n`),
    async step(label, fn, summarise) {
      const started = performance.now();
      const result = await fn();
      const summary = summarise ? summarise(result) : "";
      write(`✔ ${label}${summary ? `: ${summary}` : ""} (${formatDuration(performance.now() - started)})`);
      return result;
    },
    progress(label, done, total) {
      if (quiet) return;
      const now = Date.now();
      if (now - lastProgress < (isTty ? 200 : 5000) && done !== total) return;
      lastProgress = now;
      const text = total ? `${label}: ${done}/${total} (${Math.floor((done / total) * 100)}%)` : `${label}: ${done}`;
      if (isTty) out.write(`\r${text}\x1b[K${done === total ? "\n" : ""}`);
      else out.write(`${text}\n`);
    },
  };
}
