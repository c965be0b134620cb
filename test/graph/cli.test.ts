import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { defaultGraphPath, defaultLastRunFile } from "../../scripts/graph/index.ts";
import { scriptJson } from "../../scripts/graph/html.ts";
import { FIXTURE, LAST_RUN } from "./helpers.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graph-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), ...args], { cwd: fromRoot(), encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("lakehouse graph", () => {
  it("writes one self-contained page from a compiled graph and prints where", () => {
    const out = path.join(dir, "page", "index.html");
    const run = lakehouse("graph", "--env", "ci", "--from-json", FIXTURE, "--last-run", LAST_RUN, "--offline", "--out", out, "--json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { path: string; nodes: number; edges: number; assertions: number; bytes: number };
    expect(result).toMatchObject({ path: out, nodes: 44, assertions: 13 });
    const html = fs.readFileSync(out, "utf8");
    expect(result.bytes).toBe(Buffer.byteLength(html));
    // No server, no network: nothing loaded from elsewhere, and a policy that forbids it anyway.
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href="(?!data:)/i);
    expect(html).not.toMatch(/@import|url\(/i);
    // The fixture's SQL contains "</script><script>alert(1)</script>": it must not end the data element.
    expect(html.match(/<\/script>/gi)).toHaveLength(2);
    expect(html).toContain("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>");
  });

  it("prints the path on stdout and a summary on stderr without --json", () => {
    const out = path.join(dir, "plain.html");
    const run = lakehouse("graph", "--env", "ci", "--from-json", FIXTURE, "--offline", "--out", out);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(out);
    expect(run.stderr).toMatch(/✔ graph: 44 nodes, \d+ edges, 13 assertions/);
  });

  it("fails in one line with the file named when the compiled graph cannot be read", () => {
    const missing = lakehouse("graph", "--env", "ci", "--from-json", path.join(dir, "nope.json"), "--offline", "--out", path.join(dir, "x.html"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: graph: .*nope\.json: cannot read the compiled graph: ENOENT\n$/);
    const notGraph = path.join(dir, "not-a-graph.json");
    fs.writeFileSync(notGraph, "[1, 2]");
    const wrong = lakehouse("graph", "--env", "ci", "--from-json", notGraph, "--offline", "--out", path.join(dir, "x.html"));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("not a Dataform compiled graph");
    expect(wrong.stderr).toContain("hint: produce it with: npx lakehouse compile --json > graph.json");
    expect(fs.existsSync(path.join(dir, "x.html"))).toBe(false);
  });

  it("ignores an unreadable last-run file with a warning (statuses unknown)", () => {
    const bad = path.join(dir, "bad-last-run.json");
    fs.writeFileSync(bad, "{not json");
    const run = lakehouse("graph", "--env", "ci", "--from-json", FIXTURE, "--last-run", bad, "--offline", "--out", path.join(dir, "y.html"));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning: ignoring the last-run file");
  });

  it("documents its options in --help", () => {
    const run = lakehouse("graph", "--help");
    expect(run.code).toBe(0);
    for (const option of ["--open", "--out", "--from-json", "--last-run", "--offline"]) expect(run.stdout).toContain(option);
  });

  it("writes to .lakehouse/<env>/graph/index.html and reads .lakehouse/<env>/runs/latest.json by default", () => {
    const env = loadEnvironment("ci");
    expect(defaultGraphPath(env)).toBe(fromRoot(".lakehouse", "ci", "graph", "index.html"));
    expect(defaultLastRunFile(env)).toBe(fromRoot(".lakehouse", "ci", "runs", "latest.json"));
  });

  it("escapes what could end a script element or break JSON in it", () => {
    const text = scriptJson({ sql: "</script><!-- \u2028 \u2029" });
    expect(text).not.toContain("<");
    expect(JSON.parse(text)).toEqual({ sql: "</script><!-- \u2028 \u2029" });
  });

  describe("--out writes only regular files (issue 22.7)", () => {
    const page = (...out: string[]) => lakehouse("graph", "--env", "ci", "--from-json", FIXTURE, "--offline", "--out", ...out);
    const leftovers = (folder: string) => fs.readdirSync(folder).filter((name) => name.includes(".tmp"));

    it("refuses a directory, the empty path and a device, before writing anything", () => {
      const folder = path.join(dir, "a-folder");
      fs.mkdirSync(folder);
      const toDir = page(folder);
      expect(toDir.code).toBe(1);
      expect(toDir.stderr).toMatch(/^error: graph: .*a-folder: the output path is a directory: graph writes only regular files\nhint: name a file inside it/);
      expect(fs.readdirSync(folder)).toEqual([]);
      expect(leftovers(dir)).toEqual([]);
      const empty = page("");
      expect(empty.code).toBe(1);
      expect(empty.stderr).toMatch(/^error: graph: field --out: the output path is empty\nhint: give a file path, or --out - /);
      const device = page("/dev/null");
      expect(device.code).toBe(1);
      expect(device.stderr).toContain("/dev/null: the output path is a character device: graph writes only regular files");
      expect(fs.statSync("/dev/null").isCharacterDevice()).toBe(true);
      expect(leftovers("/dev").filter((n) => n.startsWith(".null"))).toEqual([]);
    });

    it("writes the page to stdout with --out -, and no file named -", () => {
      const run = lakehouse("graph", "--env", "ci", "--from-json", FIXTURE, "--offline", "--out", "-");
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^<!doctype html>/i);
      expect(run.stdout.trimEnd()).toMatch(/<\/html>$/i);
      expect(fs.existsSync(fromRoot("-"))).toBe(false);
      const both = lakehouse("graph", "--env", "ci", "--from-json", FIXTURE, "--offline", "--out", "-", "--json");
      expect(both.code).toBe(1);
      expect(both.stderr).toContain("cannot be combined with --json");
    });

    it("follows a symbolic link on purpose: the file it points to is replaced, the link stays", () => {
      const target = path.join(dir, "real.html");
      fs.writeFileSync(target, "old");
      const link = path.join(dir, "link.html");
      fs.symlinkSync(target, link);
      const run = page(link);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout.trim()).toBe(target);
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      expect(fs.readFileSync(target, "utf8")).toMatch(/^<!doctype html>/i);
      const dangling = path.join(dir, "dangling.html");
      fs.symlinkSync(path.join(dir, "nowhere", "x.html"), dangling);
      const refused = page(dangling);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("the output path is a symbolic link to a missing file");
      expect(leftovers(dir)).toEqual([]);
    });
  });
});
