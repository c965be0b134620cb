import type { Command } from "../command.ts";
import type { Environment } from "../../core/config.ts";
import { describeError } from "../../core/errors.ts";
import { withClient } from "../../stack/db.ts";
import { services } from "../../stack/services.ts";
import { landingStatus } from "../../land/status.ts";
import { silverStatus } from "../../silver/status.ts";
import { goldStatus } from "../../gold/status.ts";

async function section<T>(fn: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await fn();
  } catch (error) {
    return { error: describeError(error) };
  }
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
    gold = up ? await section(() => withClient(env, "warehouse", goldStatus)) : { error: "the stack is not running" };
  }
  return { stack, landing, silver, gold };
}

export const command: Command = {
  name: "status",
  summary: "what is up and what each layer holds (stack, landing, silver, gold)",
  details: "--json prints one object with keys stack, landing, silver, gold. Exit code 3 when the stack is not running.",
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
        for (const [key, value] of entries) lines.push(`  ${key.padEnd(34)} ${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return up ? 0 : 3;
  },
};
