import { PROJECT_ROOT } from "../../scripts/core/paths.ts";
import { testEnvironment } from "../../test/helpers/stack.ts";
import type { Benchmark } from "../harness.ts";
import { runNode } from "../lib/pipeline.ts";

/**
 * End to end: what `npm start` runs (`lakehouse all`: up, seed, land, silver, mount, run, test, graph) on the
 * default data, each run in a fresh throwaway environment (its own ports, stack and bucket), then `down`.
 */
export const e2eBench: Benchmark = {
  stage: "e2e",
  async run() {
    const stack = await testEnvironment();
    try {
      const all = await runNode(["bin/lakehouse.js", "all", "--env", "ci", "--quiet"], { env: stack.cliEnv, cwd: PROJECT_ROOT });
      await runNode(["bin/lakehouse.js", "down", "--env", "ci", "--quiet"], { env: stack.cliEnv, cwd: PROJECT_ROOT }).catch(() => undefined);
      return [
        { metric: "npm start (lakehouse all) on the default data, fresh environment", value: all.seconds, unit: "s" },
        { metric: "npm start peak RSS (CLI process)", value: all.peakRssMb, unit: "MB" },
      ];
    } finally {
      await stack.stop();
    }
  },
};
