// Preloaded into benchmark child processes (`node --import`): on exit, writes the process's peak resident set
// size (getrusage ru_maxrss, in KiB) to the file named by BENCH_RSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // The figure is then missing; the benchmark reports that rather than failing the child.
    }
  });
}
