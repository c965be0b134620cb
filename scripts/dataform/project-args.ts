// Options every command that compiles the project shares (`--vars`, `--schema-suffix`), turned into
// Dataform CLI arguments. Interface owned by issue 18's work; this first version passes them through.
import type { OptionSpec } from "../cli/command.ts";

export const PROJECT_OPTIONS: Record<string, OptionSpec> = {
  vars: { type: "string", multiple: true, description: "compilation variables: '{\"k\":\"v\"}' or k=v (repeatable)" },
  "schema-suffix": { type: "string", description: "suffix appended to every schema (per-developer schemas)" },
};

/** `--vars` given as JSON or k=v pairs, merged in order. */
export function parseVars(values: unknown): Record<string, string> {
  const list = (Array.isArray(values) ? values : values ? [values] : []).map(String);
  const vars: Record<string, string> = {};
  for (const item of list) {
    if (item.trim().startsWith("{")) for (const [k, v] of Object.entries(JSON.parse(item) as Record<string, unknown>)) vars[k] = String(v);
    else for (const pair of item.split(",").filter(Boolean)) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new Error(`--vars: "${pair}" is not k=v`);
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return vars;
}

/** Dataform arguments for the shared project options. */
export function projectArgs(values: Record<string, unknown>): string[] {
  const args: string[] = [];
  const vars = parseVars(values.vars);
  if (Object.keys(vars).length) args.push("--vars", Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(","));
  if (typeof values["schema-suffix"] === "string" && values["schema-suffix"]) args.push("--schema-suffix", values["schema-suffix"]);
  return args;
}
