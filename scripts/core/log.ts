/**
 * Step logging on stderr, so stdout stays for data. Text: one line per step with counts and durations.
 * JSON (`--log-format json`): one JSON object per line, an event: { ts, stage, action?, status, counts?,
 * seconds?, message? }.
 */
export interface LogEvent {
  /** The step or stage: `compile`, `land api`, `run`, … */
  stage: string;
  /** The action within the stage (a Dataform action `schema.name`, a table, a file), when there is one. */
  action?: string;
  /** ok, error, info, warn, progress, or an action's own outcome (success, failed, skipped, …). */
  status: string;
  counts?: Record<string, number>;
  seconds?: number;
  message?: string;
}

/** What a step's `summarise` returns: a text, or a text with its counts spelled out for the JSON log. */
export type StepSummary = string | { summary: string; counts?: Record<string, number> };

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Runs `fn`, then logs `label` with its duration and the summary that `fn` returns. */
  step<T>(label: string, fn: () => Promise<T>, summarise?: (result: T) => StepSummary): Promise<T>;
  progress(label: string, done: number, total?: number): void;
  /** One event, e.g. an action's outcome; a line of text in text mode. Optional for hand-made loggers. */
  event?(event: LogEvent): void;
}

export type LogFormat = "text" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

export interface LoggerOptions {
  quiet?: boolean;
  stream?: NodeJS.WritableStream;
  format?: LogFormat;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * The counts a summary text states: "12 models, 300 rules (updated)" → { models: 12, rules: 300 }. The word
 * after each number names it; a number with no word after it is left out.
 */
export function countsOf(summary: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of summary.matchAll(/(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s+([A-Za-z][\w/-]*)/g)) {
    const key = m[2].toLowerCase();
    if (!(key in counts)) counts[key] = Number(m[1].replace(/,/g, ""));
  }
  return counts;
}

/** An event as one JSON line. */
export function eventLine(event: LogEvent, now: Date = new Date()): string {
  return JSON.stringify({ ts: now.toISOString(), ...event });
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.stream ?? process.stderr;
  const quiet = options.quiet ?? false;
  const json = options.format === "json";
  const isTty = !json && Boolean((out as NodeJS.WriteStream).isTTY);
  let lastProgress = 0;
  const write = (line: string) => {
    if (!quiet) out.write(`${line}\n`);
  };
  const emit = (event: LogEvent, always = false) => {
    if (always || !quiet) out.write(`${eventLine(event)}\n`);
  };
  return {
    info: (message) => (json ? emit({ stage: "log", status: "info", message }) : write(message)),
    warn: (message) => (json ? emit({ stage: "log", status: "warn", message }, true) : out.write(`warning: ${message}\n`)),
    async step(label, fn, summarise) {
      const started = performance.now();
      let result;
      try {
        result = await fn();
      } catch (error) {
        if (json) emit({ stage: label, status: "error", seconds: seconds(performance.now() - started), message: (error as Error).message?.split("\n")[0] ?? String(error) }, true);
        throw error;
      }
      const given = summarise ? summarise(result) : "";
      const summary = typeof given === "string" ? given : given.summary;
      const ms = performance.now() - started;
      if (json) {
        const counts = typeof given === "string" ? countsOf(given) : (given.counts ?? countsOf(given.summary));
        emit({ stage: label, status: "ok", ...(Object.keys(counts).length ? { counts } : {}), seconds: seconds(ms), ...(summary ? { message: summary } : {}) });
      } else write(`✔ ${label}${summary ? `: ${summary}` : ""} (${formatDuration(ms)})`);
      return result;
    },
    progress(label, done, total) {
      if (quiet) return;
      const now = Date.now();
      if (now - lastProgress < (isTty ? 200 : 5000) && done !== total) return;
      lastProgress = now;
      if (json) return emit({ stage: label, status: "progress", counts: total === undefined ? { done } : { done, total } });
      const text = total ? `${label}: ${done}/${total} (${Math.floor((done / total) * 100)}%)` : `${label}: ${done}`;
      if (isTty) out.write(`\r${text}\x1b[K${done === total ? "\n" : ""}`);
      else out.write(`${text}\n`);
    },
    event(event) {
      if (json) return emit(event, event.status === "error" || event.status === "failed");
      const counts = event.counts ? ` ${Object.entries(event.counts).map(([k, v]) => `${v} ${k}`).join(", ")}` : "";
      write(`${event.stage}${event.action ? ` ${event.action}` : ""}: ${event.status}${counts}${event.seconds !== undefined ? ` (${formatDuration(event.seconds * 1000)})` : ""}${event.message ? ` — ${event.message}` : ""}`);
    },
  };
}
