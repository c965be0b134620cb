// Preloaded into benchmark child processes (`node --import`): on exit, writes the process's peak resident set
// size (getrusage ru_maxrss, in KiB) and its CPU time (user + system, all threads, µs) to the file named by
// BENCH_RSS_FILE, as "<maxRSS> <cpu µs>".
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    try {
      const usage = process.resourceUsage();
      writeFileSync(file, `${usage.maxRSS} ${usage.userCPUTime + usage.systemCPUTime}`);
    } catch {
      // The figure is then missing; the benchmark reports that rather than failing the child.
    }
  });
}
