import { notBuiltYet, type Command } from "../command.ts";

export const command: Command = {
  name: "plan",
  summary: "not built yet: issue 8 (production path)",
  run: notBuiltYet("plan", "issue 8 (production path)"),
};
