import { notBuiltYet, type Command } from "../command.ts";

export const command: Command = {
  name: "mount",
  summary: "not built yet: issue 6 (mount and gold)",
  run: notBuiltYet("mount", "issue 6 (mount and gold)"),
};
