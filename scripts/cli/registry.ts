import type { Command } from "./command.ts";
import { LakehouseError } from "../core/errors.ts";

/** Every command, loaded on demand so that `lakehouse sql` does not pay for the Iceberg writer. */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  up: async () => (await import("./commands/up.ts")).command,
  down: async () => (await import("./commands/down.ts")).command,
  status: async () => (await import("./commands/status.ts")).command,
  seed: async () => (await import("./commands/seed.ts")).command,
  land: async () => (await import("./commands/land.ts")).command,
  silver: async () => (await import("./commands/silver.ts")).command,
  iceberg: async () => (await import("./commands/iceberg.ts")).command,
  mount: async () => (await import("./commands/mount.ts")).command,
  generate: async () => (await import("./commands/generate.ts")).command,
  compile: async () => (await import("./commands/compile.ts")).command,
  ls: async () => (await import("./commands/ls.ts")).command,
  show: async () => (await import("./commands/show.ts")).command,
  check: async () => (await import("./commands/check.ts")).command,
  run: async () => (await import("./commands/run.ts")).command,
  build: async () => (await import("./commands/build.ts")).command,
  retry: async () => (await import("./commands/retry.ts")).command,
  test: async () => (await import("./commands/test.ts")).command,
  sql: async () => (await import("./commands/sql.ts")).command,
  graph: async () => (await import("./commands/graph.ts")).command,
  lineage: async () => (await import("./commands/lineage.ts")).command,
  plan: async () => (await import("./commands/plan.ts")).command,
  all: async () => (await import("./commands/all.ts")).command,
};

export async function loadCommand(name: string): Promise<Command> {
  const load = COMMANDS[name];
  if (!load) throw new LakehouseError("cli", `unknown command "${name}"`);
  return load();
}
