import * as fs from "node:fs";
import * as path from "node:path";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { dataform, projectDir } from "./runner.ts";

/** The parts of `dataform compile --json` this project reads. */
export interface CompiledAction {
  type?: string;
  target: { schema: string; name: string; database?: string };
  fileName?: string;
  tags?: string[];
  query?: string;
  queries?: string[];
  dependencyTargets?: { schema: string; name: string }[];
  actionDescriptor?: { description?: string; columns?: { path: string[]; description?: string }[] };
  disabled?: boolean;
}

export interface CompiledGraph {
  projectConfig: { warehouse: string; defaultSchema: string; assertionSchema?: string; vars?: Record<string, string> };
  tables?: CompiledAction[];
  operations?: CompiledAction[];
  assertions?: CompiledAction[];
  declarations?: CompiledAction[];
  tests?: { name: string; fileName?: string }[];
  graphErrors?: { compilationErrors?: { fileName?: string; message: string; stack?: string }[] };
  dataformCoreVersion?: string;
}

export interface CompilationError {
  file: string;
  line?: number;
  message: string;
}

/**
 * Where a compilation error is in the source: Dataform reports the line in the JS it generated from a
 * SQLX file, followed by the offending source line; find that source line in the real file.
 */
export function locateError(root: string, error: { fileName?: string; message: string; stack?: string }): CompilationError {
  const file = error.fileName ?? "(unknown file)";
  const stack = error.stack ?? "";
  const header = stack.split("\n")[0] ?? "";
  const reported = /:(\d+)$/.exec(header)?.[1];
  let line = reported ? Number(reported) : undefined;
  // A reference to an action that does not exist: the line of its ref() in the file.
  const missing = missingReference(error.message);
  if (missing && error.fileName) {
    try {
      const lines = fs.readFileSync(path.join(root, error.fileName), "utf8").split("\n");
      const index = lines.findIndex((l) => new RegExp(`ref\\(\\s*["'\`]${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["'\`]`).test(l));
      if (index >= 0) return { file, line: index + 1, message: `ref("${missing}") names no action of the project (${error.message.split("\n")[0]})` };
    } catch {
      /* fall through to the generic location */
    }
  }
  if (file.endsWith(".sqlx") && error.fileName) {
    const snippet = (stack.split("\n")[1] ?? "").trim();
    try {
      const lines = fs.readFileSync(path.join(root, error.fileName), "utf8").split("\n");
      const index = snippet ? lines.findIndex((l) => l.trim() === snippet) : -1;
      line = index >= 0 ? index + 1 : line;
    } catch {
      /* keep the reported line */
    }
  }
  return { file, line, message: error.message.split("\n")[0] };
}

/** The name of a missing ref() target in Dataform's wording (missing dependency, unit test input not provided). */
export function missingReference(message: string): string | undefined {
  return /depends on "\{"name":"([^"]+)"/.exec(message)?.[1] ?? /Input for dataset "\{"name":"([^"]+)"/.exec(message)?.[1];
}

/** Errors of the project's own actions before those of unit tests (a bad ref() shows in both; the action's is the cause). */
export function causeFirst<T extends { stack?: string }>(errors: T[]): T[] {
  const isTest = (e: T) => /\bTest\.compile\b/.test(e.stack ?? "");
  return [...errors.filter((e) => !isTest(e)), ...errors.filter(isTest)];
}

/** Compiles the project for an environment; throws a LakehouseError naming file and line on the first error. */
export async function compileProject(env: Environment, options: { projectDir?: string; args?: string[] } = {}): Promise<CompiledGraph> {
  const dir = options.projectDir ?? projectDir(env);
  const result = await dataform(env, ["compile", "--json", ...(options.args ?? [])], { projectDir: dir });
  let graph: CompiledGraph;
  try {
    graph = JSON.parse(result.stdout) as CompiledGraph;
  } catch {
    throw new LakehouseError("compile", `Dataform did not print a compiled graph (exit ${result.code}): ${(result.stderr || result.stdout).trim().split("\n").slice(-5).join(" | ")}`);
  }
  const errors = causeFirst(graph.graphErrors?.compilationErrors ?? []).map((e) => locateError(dir, e));
  if (errors.length > 0) {
    const [first, ...rest] = errors;
    const more = rest.map((e) => `${e.file}${e.line ? `:${e.line}` : ""}: ${e.message}`).join("; ");
    throw new LakehouseError("compile", `${first.message}${rest.length ? ` (and ${rest.length} more: ${more})` : ""}`, { file: first.file, record: first.line });
  }
  return graph;
}

/** Every action of a compiled graph with its kind, in one list. */
export function allActions(graph: CompiledGraph): (CompiledAction & { kind: string })[] {
  return [
    ...(graph.declarations ?? []).map((a) => ({ ...a, kind: "declaration" })),
    ...(graph.tables ?? []).map((a) => ({ ...a, kind: a.type ?? "table" })),
    ...(graph.operations ?? []).map((a) => ({ ...a, kind: "operation" })),
    ...(graph.assertions ?? []).map((a) => ({ ...a, kind: "assertion" })),
  ];
}
