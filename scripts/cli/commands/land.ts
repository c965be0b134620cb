import { notBuiltYet, type Command } from "../command.ts";

export const command: Command = {
  name: "land",
  summary: "not built yet: issue 4 (sources and landing)",
  run: notBuiltYet("land", "issue 4 (sources and landing)"),
};
