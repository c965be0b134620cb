import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { compileProject, type CompiledGraph } from "../../scripts/dataform/compile.ts";
import { unorderedTablePairs } from "../../scripts/dataform/lock-order.ts";

const t = (name: string, type: string, deps: string[] = []) => ({
  type,
  target: { schema: "gold", name },
  dependencyTargets: deps.map((d) => ({ schema: "gold", name: d })),
});

describe("tables one view reads are never rebuilt concurrently (drop … cascade deadlock)", () => {
  it("finds two independent tables read by one view, also through another view", () => {
    const graph: CompiledGraph = {
      projectConfig: { warehouse: "postgres", defaultSchema: "gold" },
      tables: [t("a", "table"), t("b", "incremental"), t("v1", "view", ["a"]), t("v2", "view", ["v1", "b"]), t("c", "table", ["a"]), t("v3", "view", ["a", "c"])],
    };
    expect(unorderedTablePairs(graph)).toEqual([{ tables: ["gold.a", "gold.b"], via: "gold.v2" }]);
  });

  it("holds for this project: every such pair is ordered in the DAG", async () => {
    const graph = await compileProject(loadEnvironment("local"));
    expect(unorderedTablePairs(graph)).toEqual([]);
  });
});
