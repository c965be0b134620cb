import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { checkRuleColumns, assertRuleColumns, namedColumns } from "../../scripts/assertions/columns.ts";
import type { CompiledGraph } from "../../scripts/dataform/compile.ts";
import type { Rule, RuleSet } from "../../scripts/assertions/types.ts";
import { LakehouseError } from "../../scripts/core/errors.ts";

const graph: CompiledGraph = {
  projectConfig: { warehouse: "postgres", defaultSchema: "gold", vars: { silver_schema: "silver" } },
  tables: [
    { target: { schema: "gold", name: "orders" }, actionDescriptor: { columns: [{ path: ["order_id"] }, { path: ["total"] }, { path: ["customer_id"] }] } },
    { target: { schema: "gold", name: "customers" }, actionDescriptor: { columns: [{ path: ["customer_id"] }] } },
  ],
};
const rule = (over: Partial<Rule>): Rule => ({ name: "r", model: "gold__orders", type: "not_null", column: null, severity: "error", where: null, args: {}, description: "", source: "assertions/gold__orders.yaml:7", ...over });
const set = (...rules: Rule[]): RuleSet => ({ version: 1, models: [{ id: "gold__orders", schema: "gold", table: "orders", tags: [], description: null, file: "assertions/gold__orders.yaml", rules }] });

describe("rule columns", () => {
  it("names the columns of a rule on its model and on the related model", () => {
    expect(namedColumns(rule({ type: "unique", args: { columns: ["order_id", "total"] } })).own).toEqual(["order_id", "total"]);
    expect(namedColumns(rule({ type: "relationships", column: "customer_id", args: { to: "gold__customers", field: "customer_id" } }))).toEqual({ own: ["customer_id"], other: { model: "gold__customers", columns: ["customer_id"] } });
  });

  it("fails a rule on a column the model does not declare, with the rule's file and line and a suggestion", () => {
    const problems = checkRuleColumns(set(rule({ name: "orders__not_null__totl", column: "totl" }), rule({ column: "total" })), graph);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ source: "assertions/gold__orders.yaml:7", rule: "orders__not_null__totl" });
    expect(problems[0].message).toMatch(/^column "totl" is not a column of gold__orders \(did you mean "total"\?\)/);
    let error: unknown;
    try {
      assertRuleColumns(set(rule({ name: "orders__not_null__totl", column: "totl" })), graph);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LakehouseError);
    expect((error as LakehouseError).oneLine()).toMatch(/^generate: assertions\/gold__orders\.yaml:7: rule orders__not_null__totl: column "totl"/);
  });

  it("checks the related model's field, and accepts declared columns", () => {
    expect(checkRuleColumns(set(rule({ type: "relationships", column: "customer_id", args: { to: "gold__customers", field: "cust_id" } })), graph)[0].message).toMatch(/"cust_id" is not a column of gold__customers/);
    expect(checkRuleColumns(set(rule({ type: "unique", args: { columns: ["order_id"] } })), graph)).toEqual([]);
  });

  it("finds nothing wrong in this project's rules, and does check them (models with declared columns)", async () => {
    const { loadRules } = await import("../../scripts/assertions/load.ts");
    const { declaredColumns } = await import("../../scripts/assertions/columns.ts");
    const { compileProject } = await import("../../scripts/dataform/compile.ts");
    const { loadEnvironment } = await import("../../scripts/core/config.ts");
    const compiled = await compileProject(loadEnvironment("ci"));
    const rules = loadRules();
    expect(declaredColumns(compiled, rules.models.map((m) => m.id)).size).toBeGreaterThan(rules.models.length / 2);
    expect(checkRuleColumns(rules, compiled)).toEqual([]);
    expect(fs.existsSync("assertions")).toBe(true);
  }, 60_000);
});
