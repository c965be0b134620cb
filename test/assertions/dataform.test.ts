/**
 * What Dataform compiles from the generated rules, in a small project beside the real one (same
 * node_modules, the real includes/assertions.js and definitions/assertions/rules.js): one assertion per
 * rule whose models exist, named, tagged and depending as documented; warn rules disabled; literals
 * escaped per warehouse. And the real project's generated file is up to date (CI's `generate --check`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateRules, renderRules } from "../../scripts/assertions/generate.ts";
import { parseRuleFile } from "../../scripts/assertions/load.ts";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { fromRoot } from "../../scripts/core/paths.ts";
import { compileProject, type CompiledGraph } from "../../scripts/dataform/compile.ts";
import { scratchProject, writeProjectFiles } from "../../scripts/dataform/scratch.ts";

let dir: string;
const env = loadEnvironment("local");

const RULES = {
  gold__dim_things: [
    "tags: [extra]",
    "rules:",
    "  - row_count: { min: 1 }",
    "columns:",
    "  thing_id:",
    "    - unique",
    "    - relationships: { to: silver__songs, field: track_id }",
    "    - relationships: { to: gold__not_built_yet, field: thing_id, name: missing_parent }",
    "  name:",
    `    - accepted_values: { values: ["O'Brien", "back\\\\slash", "100%", "Zoë"], severity: warn }`,
  ].join("\n"),
  silver__songs: "columns:\n  track_id: [not_null]\n",
  gold__not_built_yet: "columns:\n  thing_id: [not_null]\n",
};

function writeProject(warehouse: "postgres" | "redshift"): string {
  const rules = { version: 1 as const, models: Object.entries(RULES).map(([id, yaml]) => parseRuleFile(`assertions/${id}.yaml`, yaml)) };
  const files: Record<string, string> = {
    "dataform.json": JSON.stringify({ warehouse, defaultSchema: "gold", assertionSchema: "gold_assertions", vars: { silver_schema: "silver" } }),
    "includes/assertions.js": fs.readFileSync(fromRoot("includes", "assertions.js"), "utf8"),
    "includes/generated/rules.js": renderRules(rules),
    "definitions/assertions/rules.js": fs.readFileSync(fromRoot("definitions", "assertions", "rules.js"), "utf8"),
    // Loaded after definitions/assertions/ (alphabetical order): the models must still be found.
    "definitions/sources/songs.js": 'declare({ schema: "silver", name: "songs" });\n',
    "definitions/marts/dim_things.sqlx": 'config { type: "table", tags: ["gold", "marts"] }\nselect track_id as thing_id, title as name from ${ref("silver", "songs")}\n',
  };
  return writeProjectFiles(dir, files, ["definitions", "includes"]);
}

beforeAll(() => {
  dir = scratchProject("lakehouse-assertions-df-");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const byName = (graph: CompiledGraph) => Object.fromEntries((graph.assertions ?? []).map((a) => [a.target.name, a]));

describe("Dataform assertions from the generated rules", () => {
  it("one assertion per rule whose models exist, with the model's tags + assertions, depending on its models", async () => {
    const graph = await compileProject(env, { projectDir: writeProject("postgres") });
    const assertions = byName(graph);
    expect(Object.keys(assertions).sort()).toEqual([
      "gold__dim_things__accepted_values__name",
      "gold__dim_things__relationships__thing_id",
      "gold__dim_things__row_count",
      "gold__dim_things__unique__thing_id",
      "silver__songs__not_null__track_id",
    ]);
    const rel = assertions.gold__dim_things__relationships__thing_id;
    expect(rel.target.schema).toBe("gold_assertions");
    expect(rel.fileName).toBe("definitions/assertions/rules.js");
    expect(rel.tags).toEqual(["assertions", "extra", "gold", "marts"]);
    expect(rel.dependencyTargets?.map((t) => `${t.schema}.${t.name}`).sort()).toEqual(["gold.dim_things", "silver.songs"]);
    expect(rel.query).toContain('select * from "gold"."dim_things"');
    expect(rel.actionDescriptor?.description).toMatch(/^every thing_id exists in silver__songs\.track_id \[error\] \(assertions\/gold__dim_things\.yaml:7\)$/);
    expect(rel.disabled).toBeFalsy();
    expect(assertions.silver__songs__not_null__track_id.tags).toEqual(["assertions"]);
    const warn = assertions.gold__dim_things__accepted_values__name;
    expect(warn.disabled).toBe(true);
    expect(warn.tags).toContain("assertions_warn");
    expect(warn.query).toContain(`not in ('O''Brien', 'back\\slash', '100%', 'Zoë')`);
  });

  it("escapes backslashes on Redshift", async () => {
    const graph = await compileProject(env, { projectDir: writeProject("redshift") });
    expect(byName(graph).gold__dim_things__accepted_values__name.query).toContain(`not in ('O''Brien', 'back\\\\slash', '100%', 'Zoë')`);
  });
});

describe("lakehouse generate", () => {
  it("renders the same bytes for the same rules, whatever the file order", () => {
    const models = Object.entries(RULES).map(([id, yaml]) => parseRuleFile(`assertions/${id}.yaml`, yaml));
    const sorted = [...models].sort((a, b) => a.id.localeCompare(b.id));
    const a = renderRules({ version: 1, models: sorted });
    expect(renderRules({ version: 1, models: structuredClone(sorted) })).toBe(a);
    expect(a).toMatch(/^\/\/ Generated by `npx lakehouse generate`/);
    expect(a).not.toMatch(/\d{4}-\d{2}-\d{2}T/); // no timestamps
  });

  it("keeps quotes, backslashes, %, unicode and line separators intact through the generated JS", () => {
    const values = ["O'Brien", 'say "hi"', "back\\slash\\", "100%", "Zoë 日本 🎵", "a\u2028b", "${x}"];
    const model = parseRuleFile("assertions/qa__v.yaml", `columns:\n  v:\n    - accepted_values:\n        values: ${JSON.stringify(values)}\n`);
    const text = renderRules({ version: 1, models: [model] });
    expect(text).toContain("\\u2028");
    const module = { exports: {} as { models: { rules: { args: { values: string[] } }[] }[] } };
    new Function("module", "exports", text)(module, module.exports);
    expect(module.exports.models[0].rules[0].args.values).toEqual(values);
  });

  it("--check passes on the committed files and fails (writing nothing) on a stale one", () => {
    expect(generateRules({ check: true }).changed).toBe(false);
    const out = path.join(dir, "stale-rules.js");
    fs.writeFileSync(out, "// old\n");
    expect(generateRules({ check: true, out })).toMatchObject({ changed: true });
    expect(fs.readFileSync(out, "utf8")).toBe("// old\n");
    expect(generateRules({ out }).changed).toBe(true);
    expect(generateRules({ check: true, out }).changed).toBe(false);
  });

  it("the CLI's generate --check exits 0 on the project (what CI runs)", () => {
    const result = spawnSync(process.execPath, [fromRoot("bin", "lakehouse.js"), "generate", "--check"], { cwd: fromRoot(), encoding: "utf8" });
    expect(result.stderr).toMatch(/up to date/);
    expect(result.status).toBe(0);
  });
});
