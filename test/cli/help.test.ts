import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { fromRoot } from "../../scripts/core/paths.ts";
import { COMMANDS } from "../../scripts/cli/registry.ts";

const BIN = fromRoot("bin", "lakehouse.js");

describe("lakehouse CLI", () => {
  it("lists every command in its general help", () => {
    const out = execFileSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
    for (const name of Object.keys(COMMANDS)) expect(out).toMatch(new RegExp(`^  ${name} `, "m"));
  });

  it.each(Object.keys(COMMANDS))("`lakehouse %s --help` prints usage and options, exit 0", (name) => {
    const result = spawnSync(process.execPath, [BIN, name, "--help"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Usage: lakehouse ${name}`);
    expect(result.stdout).toContain("--env <value>");
  });

  it("fails with exit 2 and the help on an unknown option or command", () => {
    const badOption = spawnSync(process.execPath, [BIN, "sql", "--nope"], { encoding: "utf8" });
    expect(badOption.status).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--nope'");
    const badCommand = spawnSync(process.execPath, [BIN, "frobnicate"], { encoding: "utf8" });
    expect(badCommand.status).toBe(2);
    expect(badCommand.stderr).toContain('unknown command "frobnicate"');
  });

  it("refuses an unknown environment before running anything", () => {
    const result = spawnSync(process.execPath, [BIN, "status", "--env", "staging"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown environment "staging"');
  });
});
