import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { ENV_NAMES, loadEnvironment } from "../core/config.ts";
import { describeError, LakehouseError } from "../core/errors.ts";
import { createLogger, eventLine, LOG_FORMATS, type LogFormat } from "../core/log.ts";
import { fromRoot } from "../core/paths.ts";
import { didYouMean, runInterruptHandlers, type Command, type CommandContext, type OptionSpec } from "./command.ts";
import { COMMANDS } from "./registry.ts";


const COMMON: Record<string, OptionSpec> = {
  env: { type: "string", short: "e", description: `environment: ${ENV_NAMES.join("|")}`, default: "local" },
  json: { type: "boolean", description: "machine-readable output on stdout" },
  quiet: { type: "boolean", short: "q", description: "no progress lines" },
  "log-format": { type: "string", description: "text, or json: one JSON event per line on stderr", default: "text" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.type === "string" ? " <value>" : ""}`;
    const def = spec.default !== undefined ? ` (default: ${spec.default})` : "";
    return `  ${flag.padEnd(30)} ${spec.description}${def}`;
  });
}

function commandHelp(command: Command): string {
  return [
    `Usage: lakehouse ${command.name} ${command.usage ?? ""}`.trimEnd(),
    "",
    command.summary,
    ...(command.details ? ["", command.details] : []),
    "",
    "Options:",
    ...optionLines({ ...(command.options ?? {}), ...COMMON }),
    "",
  ].join("\n");
}

async function generalHelp(): Promise<string> {
  const lines = ["Usage: lakehouse <command> [options] [--env local|ci|prod]", "", "Commands:"];
  for (const [name, load] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${(await load()).summary}`);
  lines.push("", "Run `lakehouse <command> --help` for a command's options.", "");
  return lines.join("\n");
}

/** `lakehouse --version`: this project's version and the Dataform and Node it runs on. */
function versionText(): string {
  const version = (file: string) => (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
  return `lakehouse ${version(fromRoot("package.json"))} (dataform ${version(fromRoot("node_modules", "@dataform", "core", "package.json"))}, node ${process.versions.node})\n`;
}

/**
 * SIGINT/SIGTERM during a command: the command's interrupt handlers stop its work (child processes, open
 * runs) and say what was kept; one line on stderr, exit 128 + the signal number (130, 143).
 */
function installSignalHandlers(name: string): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      // A command that stops itself gracefully (land: withInterrupts discards its staging asynchronously)
      // listens for the signal too: leave it to that listener instead of exiting under it.
      if (process.listenerCount(signal) > 0) return;
      const said = runInterruptHandlers(signal);
      process.stderr.write(`lakehouse ${name}: interrupted by ${signal}${said.length ? `; ${said.join("; ")}` : ""}\n`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V") {
    process.stdout.write(versionText());
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(await generalHelp());
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    const close = didYouMean(name, Object.keys(COMMANDS));
    process.stderr.write(`lakehouse: unknown command "${name}"${close ? ` (did you mean "${close}"?)` : ""}\n${await generalHelp()}`);
    return 2;
  }
  const command = await load();
  const options = { ...(command.options ?? {}), ...COMMON };
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: Object.fromEntries(
        Object.entries(options).map(([k, v]) => [k, { type: v.type, ...(v.short ? { short: v.short } : {}), ...(v.multiple ? { multiple: true } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    const close = unknown ? didYouMean(unknown, Object.keys(options)) : undefined;
    const message = unknown ? `Unknown option '${unknown}'${close ? ` (did you mean --${close}?)` : ""}` : (error as Error).message;
    process.stderr.write(`lakehouse ${name}: ${message}\n\n${commandHelp(command)}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  const json = Boolean(parsed.values.json);
  const format = (parsed.values["log-format"] as string | undefined) ?? "text";
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    process.stderr.write(`lakehouse ${name}: --log-format "${format}": use ${LOG_FORMATS.join(" or ")}\n`);
    return 2;
  }
  const log = createLogger({ quiet: Boolean(parsed.values.quiet), format: format as LogFormat });
  try {
    const env = loadEnvironment((parsed.values.env as string | undefined) ?? process.env.LAKEHOUSE_ENV ?? "local");
    if (env.name === "prod") {
      // The production implementations (Glue silver catalog) load only when prod is asked for.
      const { loadProdExtensions } = await import("../prod/index.ts");
      await loadProdExtensions(env);
    }
    installSignalHandlers(name);
    const code = await command.run({ env, values: parsed.values as CommandContext["values"], positionals: parsed.positionals, log, json });
    return code ?? 0;
  } catch (error) {
    if (format === "json") {
      const hint = error instanceof LakehouseError && error.hint ? ` (hint: ${error.hint})` : "";
      process.stderr.write(`${eventLine({ stage: error instanceof LakehouseError ? error.stage : name, status: "error", message: `${describeError(error)}${hint}` })}\n`);
      return 1;
    }
    process.stderr.write(`error: ${describeError(error)}\n`);
    if (error instanceof LakehouseError && error.hint) process.stderr.write(`hint: ${error.hint}\n`);
    if (!(error instanceof LakehouseError) && process.env.LAKEHOUSE_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}
