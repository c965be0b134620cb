import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { fromRoot } from "../../scripts/core/paths.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";

const isRoot = os.userInfo().uid === 0;
const hasRunuser = spawnSync("runuser", ["--help"]).status === 0;
let stack: TestStack;
let user = "";

function asUser(args: string[]) {
  return spawnSync("runuser", ["-u", user, "--", process.execPath, fromRoot("bin", "lakehouse.js"), ...args, "--env", "ci"], {
    encoding: "utf8",
    env: { ...stack.cliEnv, HOME: stack.dir },
  });
}

// As root, the main stack test covers the root path (server under an unprivileged account); this one runs
// the same CLI as a normal user, the way a developer does on a laptop.
describe.skipIf(!isRoot || !hasRunuser)("local stack started by a normal (non-root) user", () => {
  beforeAll(async () => {
    stack = await testEnvironment();
    user = ["postgres", "lakehouse", "nobody"].find((u) => spawnSync("id", ["-u", u]).status === 0) ?? "nobody";
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }));
    for (const entry of [stack.dir, ...fs.readdirSync(stack.dir, { recursive: true }).map((p) => `${stack.dir}/${p}`)]) fs.chownSync(entry, uid, gid);
  });
  afterAll(async () => {
    asUser(["down"]);
    await stack.stop();
  });

  it("up, sql and down work without root", () => {
    const up = asUser(["up"]);
    expect(up.status, up.stderr).toBe(0);
    const sql = asUser(["sql", "--json", "select current_user as who, current_setting('ssl') as ssl"]);
    expect(sql.status, sql.stderr).toBe(0);
    expect(JSON.parse(sql.stdout)).toEqual([{ who: stack.env.warehouse.user, ssl: "on" }]);
    const owner = fs.statSync(`${stack.env.stackDir}/pg/data`).uid;
    expect(owner).toBe(Number(execFileSync("id", ["-u", user], { encoding: "utf8" })));
    expect(asUser(["down"]).status).toBe(0);
  });
});
