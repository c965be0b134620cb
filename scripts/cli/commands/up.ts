import type { Command } from "../command.ts";
import { ensureDataformSettings, writeCredentials } from "../../dataform/credentials.ts";
import { LakehouseError } from "../../core/errors.ts";
import { services } from "../../stack/services.ts";

export const command: Command = {
  name: "up",
  summary: "start the local stack (embedded PostgreSQL, API simulator); idempotent",
  details: "Creates the stack under the environment's stack folder on first start (data directory, self-signed\ncertificate, generated password) and writes Dataform's credentials so plain `npx dataform` works.",
  async run({ env, log }) {
    if (env.name === "prod") throw new LakehouseError("up", "there is no local stack in prod", {}, "use --env local or --env ci");
    for (const service of await services()) {
      await log.step(`${service.name}`, () => service.start(env), (what) => what);
    }
    const file = writeCredentials(env);
    ensureDataformSettings();
    log.info(`Dataform credentials: ${file}`);
  },
};
