import { notBuiltYet, type Command } from "../command.ts";

export const command: Command = {
  name: "graph",
  summary: "not built yet: issue 9 (dependency graph page)",
  run: notBuiltYet("graph", "issue 9 (dependency graph page)"),
};
