import type { Command } from "../command.ts";
import type { Environment } from "../../core/config.ts";
import { describeError } from "../../core/errors.ts";
import { withClient } from "../../stack/db.ts";
import { services } from "../../stack/services.ts";
import { landingStatus } from "../../land/status.ts";
import { silverStatus } from "../../silver/status.ts";
import { goldStatus } from "../../gold/status.ts";
import { countOutcomes, readLatest } from "../../dataform/artifacts.ts";

async function section<T>(fn: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await fn();
  } catch (error) {
    return { error: describeError(error) };
  }
}

/** The models of the compiled project (`schema.name`), so that status can say which are missing. */
async function projectModelNames(env: Environment): Promise<string[]> {
  const [{ compileProject }, { projectModels }] = await Promise.all([import("../../dataform/compile.ts"), import("../../dataform/missing.ts")]);
  return projectModels(await compileProject(env)).map((m) => m.name);
}

/** The project models that status found missing from the warehouse. */
export function missingFromStatus(status: Status): string[] {
  return Object.entries(status.gold)
    .filter(([, v]) => typeof v === "object" && v !== null && (v as { missing?: boolean }).missing)
    .map(([k]) => k);
}

export interface Status {
  stack: Record<string, unknown>;
  landing: Record<string, unknown>;
  silver: Record<string, unknown>;
  gold: Record<string, unknown>;
}

/** The `status --json` object: keys stack, landing, silver, gold (each section reports its own error). */
export async function collectStatus(env: Environment): Promise<Status> {
  const stack: Record<string, unknown> = { env: env.name };
  let up = true;
  if (env.name !== "prod") {
    for (const service of await services()) {
      const s = await service.status(env);
      stack[service.name] = s;
      up &&= s.running;
    }
  }
  stack.running = up;
  const landing = await section(() => landingStatus(env));
  const silver = await section(() => silverStatus(env));
  let gold: Record<string, unknown>;
  if (env.name === "prod") {
    const { prodGoldStatus } = await import("../../prod/redshift-data.ts");
    gold = await section(() => prodGoldStatus(env));
  } else {
    gold = up ? await section(() => withClient(env, "warehouse", (client) => goldStatus(client, { missing: () => projectModelNames(env) }))) : { error: "the stack is not running" };
  }
  return { stack, landing, silver, gold };
}

export const command: Command = {
  name: "status",
  summary: "what is up and what each layer holds (stack, landing, silver, gold)",
  details: [
    "--json prints one object with keys stack, landing, silver, gold. Exit code 3 when the stack is not running,",
    "1 when a model of the project is missing from the warehouse (listed in gold as {missing: true}).",
  ].join("\n"),
  async run({ env, json }) {
    const status = await collectStatus(env);
    const { stack, landing, silver, gold } = status;
    const up = Boolean(stack.running);
    if (json) {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    } else {
      const lines = [`environment ${env.name}: stack ${up ? "running" : "NOT running"}`];
      for (const [name, value] of Object.entries(stack)) {
        if (typeof value === "object" && value) lines.push(`  ${name.padEnd(10)} ${JSON.stringify(value)}`);
      }
      for (const [title, data] of Object.entries({ landing, silver, gold })) {
        lines.push(`${title}:`);
        const entries = Object.entries(data as Record<string, unknown>);
        if (entries.length === 0) lines.push("  (empty)");
        for (const [key, value] of entries) {
          const missing = typeof value === "object" && value !== null && (value as { missing?: boolean }).missing;
          lines.push(`  ${key.padEnd(34)} ${missing ? "MISSING (a model of the project; rebuild: npx lakehouse run --select " + key + ")" : typeof value === "object" ? JSON.stringify(value) : String(value)}`);
        }
      }
      // The latest run invocation only (runs/latest.json), never a merge of older ones.
      const latest = readLatest(env);
      if (latest) {
        const c = countOutcomes(latest.actions);
        lines.push(`last invocation: ${latest.command} ${latest.invocation_id} ${latest.status ?? ""} — ${c.succeeded} succeeded, ${c.failed} failed, ${c.skipped} skipped, ${c.disabled} disabled`.replace("  ", " "));
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    const missing = missingFromStatus(status);
    if (missing.length) process.stderr.write(`status: ${missing.length} model${missing.length === 1 ? "" : "s"} of the project missing from the warehouse: ${missing.join(", ")}\n`);
    return up ? (missing.length ? 1 : 0) : 3;
  },
};
