import * as fs from "node:fs";
import { describe, expect, test } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";

/**
 * The pipeline image's recipe (the root Dockerfile, built by the pipeline stack's image asset at `cdk deploy`).
 * Building it needs Docker, which CI does not have: these checks read the files the build would read.
 */

const dockerfile = fs.readFileSync(fromRoot("Dockerfile"), "utf8");
const ignore = fs.readFileSync(fromRoot(".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
const entrypoint = fs.readFileSync(fromRoot("infra", "container", "entrypoint.sh"), "utf8");
const pkg = JSON.parse(fs.readFileSync(fromRoot("package.json"), "utf8")) as { bin: Record<string, string>; engines: { node: string } };
/** The last instruction of a kind (Docker uses the last ENTRYPOINT). */
const instruction = (name: string) => [...dockerfile.matchAll(new RegExp(`^${name}\\s+(.+)$`, "gm"))].at(-1)?.[1];

describe("Dockerfile", () => {
  test("the entry point runs `lakehouse`: the script execs the package's bin with the task's arguments", () => {
    const [script] = JSON.parse(instruction("ENTRYPOINT")!) as string[];
    expect(script).toBe("/app/infra/container/entrypoint.sh");
    expect(entrypoint.trimEnd().split("\n").at(-1)).toBe(`exec node /app/${pkg.bin.lakehouse} "$@"`);
    expect(fs.statSync(fromRoot("infra", "container", "entrypoint.sh")).mode & 0o111).not.toBe(0);
  });

  test("the entry point writes only the rendered environment, and only when it is given", () => {
    expect(entrypoint).toMatch(/if \[ -n "\$\{LAKEHOUSE_PROD_ENVIRONMENT:-\}" \]; then\n\s+printf '%s\\n' "\$LAKEHOUSE_PROD_ENVIRONMENT" > \/app\/environments\/prod\.yaml\n\s*fi/);
    expect(entrypoint).toMatch(/^set -eu$/m);
  });

  test("the same project the tests run: the Node major of package.json, installed from the lockfile, the whole tree copied", () => {
    const major = /(\d+)/.exec(pkg.engines.node)![1];
    expect(instruction("FROM")).toMatch(new RegExp(`^node:${major}[-.]`));
    expect(dockerfile).toMatch(/^COPY .*package\.json package-lock\.json/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^COPY --chown=node:node \. \.$/m);
    expect(instruction("USER")).toBe("node");
  });

  test(".dockerignore keeps local state, installed modules and credentials out of the image", () => {
    for (const entry of [".lakehouse", ".build", "node_modules", ".df-credentials.json", ".env", ".git", "infra/cdk.out"]) expect(ignore).toContain(entry);
    // What the pipeline needs must not be ignored.
    for (const needed of ["scripts", "bin", "definitions", "includes", "environments", "infra", "dataform.json", "package.json"]) expect(ignore).not.toContain(needed);
  });
});
