import { notBuiltYet, type Command } from "../command.ts";

export const command: Command = {
  name: "seed",
  summary: "not built yet: issue 4 (sources and landing)",
  run: notBuiltYet("seed", "issue 4 (sources and landing)"),
};
