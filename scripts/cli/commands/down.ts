import type { Command } from "../command.ts";
import { LakehouseError } from "../../core/errors.ts";
import { services } from "../../stack/services.ts";

export const command: Command = {
  name: "down",
  summary: "stop the local stack cleanly (data is kept)",
  async run({ env, log }) {
    if (env.name === "prod") throw new LakehouseError("down", "there is no local stack in prod", {}, "use --env local or --env ci");
    for (const service of (await services()).reverse()) {
      await log.step(`${service.name}`, () => service.stop(env), (what) => what);
    }
  },
};
