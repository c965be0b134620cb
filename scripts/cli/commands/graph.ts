import { spawn } from "node:child_process";
import type { Command } from "../command.ts";
import { formatDuration, type Logger } from "../../core/log.ts";
import { LakehouseError } from "../../core/errors.ts";
import { STDOUT, writeGraph } from "../../graph/index.ts";

/** Opens a file in the desktop's browser; a warning (not a failure) where there is none. */
function openInBrowser(file: string, log: Logger): void {
  const [cmd, args] =
    process.platform === "darwin" ? ["open", [file]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", file]] : ["xdg-open", [file]];
  try {
    const child = spawn(cmd, args as string[], { detached: true, stdio: "ignore" });
    child.on("error", (error) => log.warn(`could not open a browser (${cmd}: ${error.message}); open ${file} yourself`));
    child.unref();
  } catch (error) {
    log.warn(`could not open a browser (${(error as Error).message}); open ${file} yourself`);
  }
}

export const command: Command = {
  name: "graph",
  summary: "write the dependency graph page (sources → landing → silver → gold, with assertions)",
  usage: "[--open] [--out <file>] [--from-json <file>] [--last-run <file>] [--offline]",
  details: [
    "Writes one self-contained HTML file (no server, no network) from `dataform compile --json` plus the lake",
    "layers, and prints its path. Statuses come from the latest run invocation (.lakehouse/<env>/runs/latest.json)",
    "when there are any. Column types of models come from the warehouse when the stack is running.",
    "--json prints {path, nodes, edges, assertions, bytes}. --out - prints the page itself on stdout.",
    "--out must name a regular file (a symbolic link is followed, the file it points to replaced); a directory,",
    "a device or the empty path is refused.",
  ].join("\n"),
  options: {
    open: { type: "boolean", description: "open the page in the default browser" },
    out: { type: "string", short: "o", description: "output file, or - for stdout", default: ".lakehouse/<env>/graph/index.html" },
    "from-json": { type: "string", description: "read a compiled graph (output of `lakehouse compile --json`) instead of compiling" },
    "last-run": { type: "string", description: "run results to colour by", default: ".lakehouse/<env>/runs/latest.json" },
    offline: { type: "boolean", description: "do not read the bucket or the warehouse (compiled graph and silver schemas only)" },
  },
  async run({ env, values, log, json }) {
    const started = performance.now();
    if (values.out === STDOUT && (json || values.open)) {
      throw new LakehouseError("graph", `--out - writes the page to stdout: it cannot be combined with ${json ? "--json" : "--open"}`, { field: "--out" });
    }
    const result = await writeGraph(env, {
      out: values.out as string | undefined,
      fromJson: values["from-json"] as string | undefined,
      lastRunFile: values["last-run"] as string | undefined,
      offline: Boolean(values.offline),
      log,
    });
    if (json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      log.info(
        `✔ graph: ${result.nodes} nodes, ${result.edges} edges, ${result.assertions} assertions, ${(result.bytes / 1024).toFixed(0)} KiB (${formatDuration(performance.now() - started)})`,
      );
      if (result.path !== STDOUT) process.stdout.write(`${result.path}\n`);
    }
    if (values.open) openInBrowser(result.path, log);
    return 0;
  },
};
