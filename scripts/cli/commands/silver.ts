import { notBuiltYet, type Command } from "../command.ts";

export const command: Command = {
  name: "silver",
  summary: "not built yet: issue 5 (silver zone)",
  run: notBuiltYet("silver", "issue 5 (silver zone)"),
};
