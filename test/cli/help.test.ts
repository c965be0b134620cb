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

describe("did you mean", () => {
  it("suggests the closest option and command, and nothing for a word far from all", async () => {
    const { didYouMean } = await import("../../scripts/cli/command.ts");
    expect(didYouMean("--tag", ["tags", "actions", "full-refresh"])).toBe("tags");
    expect(didYouMean("--full-refersh", ["tags", "full-refresh"])).toBe("full-refresh");
    expect(didYouMean("biuld", ["build", "run", "retry"])).toBe("build");
    expect(didYouMean("frobnicate", ["build", "run", "retry"])).toBeUndefined();
    const option = spawnSync(process.execPath, [BIN, "run", "--tag", "gold"], { encoding: "utf8" });
    expect(option.status).toBe(2);
    expect(option.stderr.split("\n")[0]).toBe("lakehouse run: Unknown option '--tag' (did you mean --tags?)");
    const command = spawnSync(process.execPath, [BIN, "biuld"], { encoding: "utf8" });
    expect(command.status).toBe(2);
    expect(command.stderr.split("\n")[0]).toBe('lakehouse: unknown command "biuld" (did you mean "build"?)');
  });
});

describe("all --day", () => {
  it("is --start-date D --end-date D, and refuses a bad date or a mix with the window options", async () => {
    const { dayValues } = await import("../../scripts/cli/commands/all.ts");
    expect(dayValues({ day: "2018-11-30", select: ["tag:gold"] })).toEqual({ day: "2018-11-30", select: ["tag:gold"], "start-date": "2018-11-30", "end-date": "2018-11-30" });
    expect(dayValues({ "start-date": "2018-11-01" })).toEqual({ "start-date": "2018-11-01" });
    expect(() => dayValues({ day: "30/11/2018" })).toThrow(/not a date/);
    expect(() => dayValues({ day: "2018-11-30", "end-date": "2018-12-01" })).toThrow(/cannot be combined/);
  });

  it("passes the day to land and build's options to build (each stage gets the options it declares)", async () => {
    const { loadCommand } = await import("../../scripts/cli/registry.ts");
    const [all, land, build] = await Promise.all(["all", "land", "build"].map((n) => loadCommand(n)));
    for (const option of ["day", "select", "exclude", "full-refresh"]) expect(Object.keys(all.options ?? {})).toContain(option);
    expect(Object.keys(land.options ?? {})).toEqual(expect.arrayContaining(["start-date", "end-date"]));
    expect(Object.keys(build.options ?? {})).toEqual(expect.arrayContaining(["select", "exclude", "full-refresh"]));
  });
});
