import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { ENV_NAMES, loadEnvironment, parseEnvironmentFile } from "../../scripts/core/config.ts";
import { LakehouseError } from "../../scripts/core/errors.ts";
import { fromRoot } from "../../scripts/core/paths.ts";

/**
 * A valid environment file of the test's own (not environments/local.yaml: a developer may change its ports or
 * paths, and the validation tests must not depend on that).
 */
const local = [
  "name: local",
  "warehouse:",
  "  type: postgres",
  "  host: 127.0.0.1",
  "  port: 45432",
  "  database: warehouse",
  "  user: lakehouse",
  "catalog_db:",
  "  database: catalog",
  "  schema: deftunes",
  "stack:",
  "  dir: .lakehouse/fixture",
  "api:",
  "  host: 127.0.0.1",
  "  port: 48787",
  "storage:",
  "  type: local",
  "  root: .lakehouse/fixture/bucket",
  "silver:",
  "  catalog: directory",
  "sources:",
  "  songs_path: songs",
  "  sparkify_path: sparkify",
  '  start_date: "2018-11-01"',
  '  end_date: "2018-11-30"',
  "",
].join("\n");

function errorOf(text: string): LakehouseError {
  try {
    parseEnvironmentFile("environments/broken.yaml", text);
  } catch (error) {
    if (error instanceof LakehouseError) return error;
    throw error;
  }
  throw new Error("expected a validation error");
}

describe("environment files", () => {
  it.each(ENV_NAMES)("%s.yaml is valid against environments/schema.json", (name) => {
    const env = loadEnvironment(name);
    expect(env.name).toBe(name);
    expect(env.warehouse.port).toBeGreaterThan(0);
  });

  it("holds no secrets (no password values, only the names of variables)", () => {
    for (const name of ENV_NAMES) {
      const text = fs.readFileSync(fromRoot("environments", `${name}.yaml`), "utf8");
      expect(text).not.toMatch(/^\s*password\s*:/m);
      expect(text).not.toMatch(/(AKIA|ASIA)[0-9A-Z]{16}/);
    }
  });

  it("accepts the test's own fixture (so that the errors below are the edits' only)", () => {
    expect(parseEnvironmentFile("environments/fixture.yaml", local).warehouse.port).toBe(45432);
  });

  it("names the file, the key path, the line and the reason for a wrong type", () => {
    const error = errorOf(local.replace("port: 45432", "port: fifty"));
    expect(error.oneLine()).toContain("environments/broken.yaml");
    expect(error.context.field).toBe("warehouse.port");
    expect(error.message).toMatch(/warehouse\.port must be integer/);
    expect(error.context.record).toBe(local.split("\n").findIndex((l) => l.includes("port: 45432")) + 1);
  });

  it("rejects an unknown key by name", () => {
    const error = errorOf(local.replace("warehouse:\n", "warehouse:\n  pasword: hunter2\n"));
    expect(error.context.field).toBe("warehouse.pasword");
    expect(error.message).toContain("is not a known key");
  });

  it("rejects a missing required key and a bad enum value", () => {
    expect(errorOf(local.replace(/^sources:[\s\S]*$/m, "")).message).toMatch(/sources is required/);
    expect(errorOf(local.replace("type: postgres", "type: mysql")).message).toMatch(/warehouse\.type must be one of postgres, redshift/);
  });

  it("rejects malformed YAML with its line", () => {
    const error = errorOf("name: local\nwarehouse: [unclosed\n");
    expect(error.message).toMatch(/invalid YAML/);
    expect(error.context.record).toBeGreaterThanOrEqual(2);
  });

  it("rejects an unknown environment name", () => {
    expect(() => loadEnvironment("staging")).toThrow(/unknown environment "staging"/);
  });
});
