// Options every command that compiles the project shares (`--vars`, `--schema-suffix`), turned into
// Dataform CLI arguments.
//
// Dataform takes vars as `--vars k=v,k=v` (split at every "," and "="), merged over dataform.json's vars, and
// a schema suffix of letters, digits and underscores appended to every schema it creates (`gold_alice`;
// declared silver tables keep their schema, so per-developer gold reads the shared silver).
import type { OptionSpec } from "../cli/command.ts";
import { LakehouseError } from "../core/errors.ts";

export const PROJECT_OPTIONS: Record<string, OptionSpec> = {
  vars: { type: "string", multiple: true, description: "compilation variables: '{\"k\":\"v\"}' or k=v[,k=v] (repeatable, later wins)" },
  "schema-suffix": { type: "string", description: 'suffix appended to every schema (per-developer schemas); default $LAKEHOUSE_SCHEMA_SUFFIX outside prod, "" for none' },
};

/** The per-user default of `--schema-suffix` (local and ci only), e.g. `export LAKEHOUSE_SCHEMA_SUFFIX=dev_$USER`. */
export const SCHEMA_SUFFIX_VARIABLE = "LAKEHOUSE_SCHEMA_SUFFIX";

function varsError(message: string, hint = `--vars '{"assertions_now": "2018-11-30"}' or --vars assertions_now=2018-11-30`): never {
  throw new LakehouseError("vars", message, { field: "--vars" }, hint);
}

/** One var, checked for what Dataform's `k=v,k=v` cannot carry. */
function checkedVar(key: string, value: string, vars: Record<string, string>): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) varsError(`"${key}" is not a variable name (letters, digits, _)`);
  if (/[,=]/.test(value)) varsError(`the value of ${key} ("${value}") contains "," or "=", which Dataform's --vars k=v,k=v cannot carry`);
  vars[key] = value;
}

/** `--vars` given as JSON objects or k=v pairs (comma-separated), merged in order: a later value wins. */
export function parseVars(values: unknown): Record<string, string> {
  const list = (Array.isArray(values) ? values : values ? [values] : []).map(String);
  const vars: Record<string, string> = {};
  for (const item of list) {
    if (item.trim().startsWith("{")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(item);
      } catch (error) {
        varsError(`not valid JSON: ${(error as Error).message}`);
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) varsError("the JSON form must be an object of names to values");
      for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
        if (v === null || typeof v === "object") varsError(`${k}: a value must be a string, number or boolean (got ${JSON.stringify(v)})`);
        checkedVar(k, String(v), vars);
      }
    } else {
      for (const pair of item.split(",").filter((p) => p.trim() !== "")) {
        const eq = pair.indexOf("=");
        if (eq <= 0) varsError(`"${pair}" is not k=v`);
        checkedVar(pair.slice(0, eq).trim(), pair.slice(eq + 1), vars);
      }
    }
  }
  return vars;
}

export interface ProjectArgsOptions {
  /** The environment's name (default: values.env, then $LAKEHOUSE_ENV, then local): the per-user default suffix applies only outside prod. */
  envName?: string;
  /** Where the per-user default is read (process.env). */
  environ?: NodeJS.ProcessEnv;
}

/**
 * The schema suffix: `--schema-suffix` when given ("" for none), else $LAKEHOUSE_SCHEMA_SUFFIX outside prod;
 * undefined for none.
 */
export function schemaSuffix(values: Record<string, unknown>, options: ProjectArgsOptions = {}): string | undefined {
  const given = values["schema-suffix"];
  const environ = options.environ ?? process.env;
  // The environment: as given, else the command's --env (in values), else what the CLI defaults to.
  const envName = options.envName ?? (typeof values.env === "string" ? values.env : (environ.LAKEHOUSE_ENV ?? "local"));
  const fromEnv = envName === "prod" ? undefined : environ[SCHEMA_SUFFIX_VARIABLE];
  const suffix = typeof given === "string" ? given : fromEnv;
  if (!suffix) return undefined;
  if (!/^[A-Za-z0-9_]+$/.test(suffix)) {
    throw new LakehouseError("vars", `schema suffix "${suffix}" may hold only letters, digits and _`, { field: typeof given === "string" ? "--schema-suffix" : SCHEMA_SUFFIX_VARIABLE }, "e.g. --schema-suffix dev_alice");
  }
  return suffix;
}

/** Dataform arguments for the shared project options. */
export function projectArgs(values: Record<string, unknown>, options: ProjectArgsOptions = {}): string[] {
  const args: string[] = [];
  const vars = parseVars(values.vars);
  if (Object.keys(vars).length) args.push("--vars", Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(","));
  const suffix = schemaSuffix(values, options);
  if (suffix) args.push("--schema-suffix", suffix);
  return args;
}
