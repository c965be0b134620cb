/**
 * Child process for the crash tests: runs `lakehouse silver` on the environment named by
 * LAKEHOUSE_CONFIG_ROOT (env "ci") and SIGKILLs itself at the point named by CRASH_AT:
 *   partition:<entity>:<n>   after the n-th partition of the entity has been transformed (files written, nothing committed)
 *   commit:<table>           right after the table's commit (before the entity's next table is committed)
 */
import { createLogger } from "../../scripts/core/log.ts";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { runSilver } from "../../scripts/silver/run.ts";

const at = process.env.CRASH_AT ?? "";
const env = loadEnvironment("ci");
let partitions = 0;
const die = () => process.kill(process.pid, "SIGKILL");
await runSilver(env, {
  log: createLogger({ quiet: true }),
  afterPartition(entity) {
    const [kind, name, n] = at.split(":");
    if (kind === "partition" && name === entity && ++partitions === Number(n)) die();
  },
  afterCommit(table) {
    if (at === `commit:${table}`) die();
  },
});
process.stdout.write("finished\n");
