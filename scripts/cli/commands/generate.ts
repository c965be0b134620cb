import { notBuiltYet, type Command } from "../command.ts";

export const command: Command = {
  name: "generate",
  summary: "not built yet: issue 7 (assertions from YAML)",
  run: notBuiltYet("generate", "issue 7 (assertions from YAML)"),
};
