import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";

// `lakehouse check --env prod` on the real project: the prod and local compiles with the real Dataform CLI,
// no AWS (a canary password in the variable the checks scan for).
function check(password: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, REDSHIFT_PASSWORD: password };
  delete env.AWS_SECRET_ACCESS_KEY;
  delete env.AWS_SESSION_TOKEN;
  delete env.CATALOG_PASSWORD;
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "check", ...args], { env, encoding: "utf8", timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Summary {
  counts: Record<string, number>;
  statements: number;
  secrets: { where: string; what: string }[];
  failures: string[];
}

describe("lakehouse check --env prod", () => {
  it("checks every statement and finds no secret; the exit code is 1 exactly when there are failures", () => {
    const out = check("canary-Zq7-not-a-real-password", "--env", "prod", "--json", "-q");
    const summary = JSON.parse(out.stdout) as Summary;
    expect(summary.statements).toBeGreaterThan(100);
    expect(summary.counts.parsed + summary.counts["parsed-query"]).toBeGreaterThan(summary.statements / 2);
    expect(Object.values(summary.counts).reduce((a, b) => a + b, 0)).toBe(summary.statements);
    expect(summary.secrets).toEqual([]);
    expect(out.stdout).not.toContain("canary-Zq7");
    // Whether the project passes is test/prod/checks.test.ts's business; the command must say so by its exit code.
    expect(out.code, out.stderr).toBe(summary.failures.length > 0 ? 1 : 0);
  }, 300_000);

  it("exits 1 when the secret it knows is in the compiled output (the Glue database name as the password)", () => {
    const out = check("deftunes_silver", "--env", "prod");
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/✗ secret in compiled graph \(prod\): secret value #1/);
    expect(out.stdout).toMatch(/\d+ failure\(s\):/);
  }, 300_000);

  it("refuses another environment", () => {
    const out = check("x", "--env", "local");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/check: field --env: the checks are of the production compile, not local/);
  });
});
