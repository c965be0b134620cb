import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromRoot } from "../../scripts/core/paths.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lineage-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function lakehouse(...args: string[]) {
  const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), ...args], { cwd: fromRoot(), encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Hit {
  table: string;
  column: string;
  kind: string;
  depth: number;
}

describe("lakehouse lineage", () => {
  it("compiles the project and prints a column's upstream as JSON (no database)", () => {
    const run = lakehouse("lineage", "sales_per_country.total", "--upstream", "--env", "ci", "--json");
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { table: string; column: string; upstream: Hit[]; downstream?: Hit[]; unresolved: string[] };
    expect(out).toMatchObject({ table: "gold.sales_per_country", column: "total", unresolved: [] });
    expect(out.downstream).toBeUndefined();
    expect(out.upstream).toContainEqual({ table: "silver.session_items", column: "price", kind: "aggregated", depth: 3 });
    expect(out.upstream).toContainEqual({ table: "gold.dim_users", column: "country_code", kind: "filter", depth: 1 });
    // Nearest first.
    expect(out.upstream.map((h) => h.depth)).toEqual([...out.upstream.map((h) => h.depth)].sort((a, b) => a - b));
  });

  it("prints both directions as text from a compiled graph, and --values-only leaves out filters", () => {
    const compiled = path.join(dir, "graph.json");
    const compile = lakehouse("compile", "--env", "ci", "--json");
    expect(compile.code, compile.stderr).toBe(0);
    fs.writeFileSync(compiled, compile.stdout);

    const run = lakehouse("lineage", "silver.session_items.price", "--values-only", "--from-json", compiled, "--env", "ci");
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("silver.session_items.price");
    expect(lines[1]).toBe("upstream (1 column):");
    expect(lines[2]).toMatch(/^ +1 {2}copied +iceberg:session_items\.price$/);
    expect(lines[3]).toMatch(/^downstream \(\d+ columns\):$/);
    const downstream = lines.slice(4).join("\n");
    expect(downstream).toMatch(/^ +1 {2}transformed +gold\.stg_api__session_items\.price$/m);
    expect(downstream).toMatch(/^ +3 {2}aggregated +gold\.sales_per_country\.total$/m);
    expect(downstream).not.toContain("filter/join only");

    const withFilters = lakehouse("lineage", "gold.dim_users.country_code", "--downstream", "--from-json", compiled, "--env", "ci");
    expect(withFilters.code).toBe(0);
    expect(withFilters.stdout).toMatch(/^ +1 {2}filter\/join only +gold\.sales_per_country\.total$/m);
    expect(withFilters.stdout).toMatch(/^ +1 {2}transformed +gold\.sales_per_country\.country$/m);
    expect(withFilters.stdout).not.toContain("upstream");
  });

  it("fails in one line with a hint for an unknown or ambiguous column, or none given", () => {
    const compiled = path.join(dir, "graph.json");
    const unknown = lakehouse("lineage", "sales_per_country.nope", "--from-json", compiled, "--env", "ci");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: lineage: field sales_per_country\.nope: gold\.sales_per_country has no column nope \(columns: month, year, country, total\)\nhint: /);
    expect(unknown.stdout).toBe("");
    const none = lakehouse("lineage", "--env", "ci", "--from-json", compiled);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no column given");
  });
});
