/**
 * Where the time goes: runs pipeline commands under `node --cpu-prof` in the benchmark's throwaway
 * environment and prints, per command, the functions with the most self time (Markdown).
 *
 *   node --import tsx bench/profile.ts [--scale 0.03] [--top 15] [silver] [mount]
 *
 * silver = `lakehouse silver --entity api/sessions --full-refresh`; mount = `lakehouse mount --tables
 * sessions,session_items --force` (after silver and the warehouse preparation).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { FULL, runExitHooks, scaled } from "./harness.ts";
import { landHistory, pipeline, prepareWarehouse } from "./lib/pipeline.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

/** Self time per function (name, file:line) as a share of all samples, biggest first. */
export function topSelf(profile: CpuProfile, top: number): { fn: string; where: string; ms: number; share: number }[] {
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const hits = new Map<string, number>();
  let all = 0;
  for (const node of profile.nodes) {
    const n = node.hitCount ?? 0;
    all += n;
    const url = node.callFrame.url.replace(/^file:\/\//, "").replace(`${process.cwd()}/`, "");
    const key = `${node.callFrame.functionName || "(anonymous)"}\t${url ? node.callFrame.lineNumber > 0 ? `${url}:${node.callFrame.lineNumber + 1}` : url : ""}`;
    hits.set(key, (hits.get(key) ?? 0) + n);
  }
  return [...hits.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, n]) => {
      const [fn, where] = key.split("\t");
      return { fn, where, ms: (n / all) * totalMs, share: n / all };
    });
}

const { values, positionals } = parseArgs({ options: { scale: { type: "string" }, top: { type: "string" } }, allowPositionals: true });
const scale = scaled(FULL, Number(values.scale ?? 0.03));
const top = Number(values.top ?? 15);
const wanted = positionals.length ? positionals : ["silver", "mount"];
const log = (line: string) => process.stderr.write(`${line}\n`);
const p = await pipeline(scale);
const out: string[] = [];
try {
  await landHistory(p, scale.days, log);
  const commands: Record<string, string[]> = {
    silver: ["silver", "--entity", "api/sessions", "--full-refresh"],
    mount: ["mount", "--tables", "sessions,session_items", "--force"],
  };
  for (const name of wanted) {
    if (name === "mount") await prepareWarehouse(p, log);
    const dir = fs.mkdtempSync(path.join(p.scratch, `prof-${name}-`));
    const run = await p.cli(commands[name], ["--cpu-prof", "--cpu-prof-dir", dir]);
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error(`no profile written for ${name}`);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
    out.push(
      `#### \`lakehouse ${commands[name].join(" ")}\` (${run.seconds.toFixed(1)} s wall under the profiler)`,
      "",
      "| self time | share | function | where |",
      "| ---: | ---: | --- | --- |",
      ...topSelf(profile, top).map((r) => `| ${(r.ms / 1000).toFixed(2)} s | ${(r.share * 100).toFixed(1)} % | \`${r.fn}\` | ${r.where} |`),
      "",
    );
  }
} finally {
  await runExitHooks(log);
}
process.stdout.write(`${out.join("\n")}\n`);
