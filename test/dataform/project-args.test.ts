import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { loadEnvironment } from "../../scripts/core/config.ts";
import type { CompiledGraph } from "../../scripts/dataform/compile.ts";
import { parseVars, projectArgs, schemaSuffix } from "../../scripts/dataform/project-args.ts";
import { dataform } from "../../scripts/dataform/runner.ts";
import { scratchProject, writeProjectFiles } from "../../scripts/dataform/scratch.ts";

describe("parseVars", () => {
  it("reads JSON objects and k=v pairs, merged in order (a later value wins)", () => {
    expect(parseVars(['{"assertions_now": "2018-11-30 00:00:00", "days": 3, "strict": true}', "days=5,mode=fast", "mode=slow"])).toEqual({
      assertions_now: "2018-11-30 00:00:00",
      days: "5",
      strict: "true",
      mode: "slow",
    });
    expect(parseVars("a=")).toEqual({ a: "" });
    expect(parseVars(undefined)).toEqual({});
  });

  it("refuses what Dataform's k=v,k=v cannot carry, naming the variable", () => {
    expect(() => parseVars('{"a": "x,y"}')).toThrow(/value of a \("x,y"\) contains "," or "="/);
    expect(() => parseVars('{"a": {"b": 1}}')).toThrow(/a: a value must be a string, number or boolean/);
    expect(() => parseVars("{not json")).toThrow(/--vars|not valid JSON/);
    expect(() => parseVars("[1]")).toThrow(/"\[1\]" is not k=v/);
    expect(() => parseVars('{"a b": "1"}')).toThrow(/"a b" is not a variable name/);
    expect(() => parseVars("just-a-word")).toThrow(/"just-a-word" is not k=v/);
  });
});

describe("schema suffix", () => {
  it("--schema-suffix wins; else $LAKEHOUSE_SCHEMA_SUFFIX outside prod; \"\" for none", () => {
    const environ = { LAKEHOUSE_SCHEMA_SUFFIX: "dev_alice" };
    expect(schemaSuffix({ "schema-suffix": "bob" }, { environ })).toBe("bob");
    expect(schemaSuffix({}, { environ, envName: "local" })).toBe("dev_alice");
    expect(schemaSuffix({}, { environ, envName: "prod" })).toBeUndefined();
    // without envName: the command's own --env, then $LAKEHOUSE_ENV
    expect(schemaSuffix({ env: "prod" }, { environ })).toBeUndefined();
    expect(schemaSuffix({}, { environ: { ...environ, LAKEHOUSE_ENV: "prod" } })).toBeUndefined();
    expect(schemaSuffix({ env: "ci" }, { environ })).toBe("dev_alice");
    expect(schemaSuffix({ env: "prod", "schema-suffix": "bob" }, { environ })).toBe("bob");
    expect(schemaSuffix({ "schema-suffix": "" }, { environ })).toBeUndefined();
    expect(schemaSuffix({}, { environ: {} })).toBeUndefined();
    expect(() => schemaSuffix({ "schema-suffix": "dev-alice" })).toThrow(/"dev-alice" may hold only letters, digits and _/);
    expect(() => schemaSuffix({}, { environ: { LAKEHOUSE_SCHEMA_SUFFIX: "a;b" } })).toThrow(/"a;b"/);
  });

  it("projectArgs gives Dataform's arguments", () => {
    expect(projectArgs({ vars: ['{"x": "1"}', "y=2"], "schema-suffix": "dev_alice" })).toEqual(["--vars", "x=1,y=2", "--schema-suffix", "dev_alice"]);
    expect(projectArgs({}, { environ: {} })).toEqual([]);
  });
});

describe("projectArgs through a real Dataform compile", () => {
  let dir: string;
  beforeAll(() => {
    dir = writeProjectFiles(scratchProject("lakehouse-args-"), {
      "dataform.json": JSON.stringify({ warehouse: "postgres", defaultSchema: "gold", assertionSchema: "gold_assertions", vars: { silver_schema: "silver", day: "default" } }),
      "definitions/src.js": 'declare({ schema: "silver", name: "songs" });\n',
      "definitions/m.sqlx": 'config { type: "view" }\nselect \'${dataform.projectConfig.vars.day}\' as day, * from ${ref("silver", "songs")}\n',
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("vars reach the SQL merged over dataform.json's; the suffix renames the models' schemas, not the declared silver", async () => {
    const args = projectArgs({ vars: ['{"day": "2018-11-30"}'], "schema-suffix": "dev_alice" });
    const result = await dataform(loadEnvironment("local"), ["compile", "--json", ...args], { projectDir: dir });
    const graph = JSON.parse(result.stdout) as CompiledGraph;
    expect(graph.projectConfig.vars).toEqual({ silver_schema: "silver", day: "2018-11-30" });
    const model = graph.tables?.[0];
    expect(model?.target.schema).toBe("gold_dev_alice");
    expect(model?.query).toContain("'2018-11-30' as day");
    expect(model?.query).toContain('"silver"."songs"');
  }, 60_000);
});
