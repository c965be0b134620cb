/** Column types of models from a running warehouse (a real embedded PostgreSQL, throwaway). */
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../scripts/core/log.ts";
import { withClient } from "../../scripts/stack/db.ts";
import type { DataformCompiled } from "../../scripts/graph/build.ts";
import { graphData } from "../../scripts/graph/index.ts";
import { testEnvironment, type TestStack } from "../helpers/stack.ts";
import { FIXTURE } from "./helpers.ts";

const compiled = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as DataformCompiled;
const quiet = createLogger({ quiet: true });

describe("graph: column types from the warehouse", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await testEnvironment({ postgres: true });
    await withClient(stack.env, "warehouse", (client) =>
      client.query("create schema if not exists gold; create table gold.dim_date (date_day date not null, month_number integer, is_weekend boolean)"),
    );
  });
  afterAll(async () => stack?.stop());

  it("types the documented columns and adds the undocumented ones, in table order", async () => {
    const data = await graphData(stack.env, { compiled, log: quiet });
    const dimDate = data.nodes.find((n) => n.id === "gold.dim_date")!;
    expect(dimDate.columns).toEqual([
      { name: "date_day", type: "date", description: "the day", origin: "definition" },
      { name: "month_number", type: "integer", origin: "warehouse" },
      { name: "is_weekend", type: "boolean", origin: "warehouse" },
    ]);
    // Tables the warehouse does not have yet keep their documented columns, untyped.
    expect(data.nodes.find((n) => n.id === "gold.dim_songs")!.columns.every((c) => c.type === undefined)).toBe(true);
    expect(data.meta.notes.join(" ")).not.toMatch(/warehouse did not answer/);
  });

  it("says so on the page when the warehouse does not answer, and still builds", async () => {
    const data = await graphData({ ...stack.env, warehouse: { ...stack.env.warehouse, port: 1 } }, { compiled, log: quiet });
    expect(data.meta.notes.join(" ")).toMatch(/Column types of models not shown \(the ci warehouse did not answer/);
    expect(data.nodes.find((n) => n.id === "gold.dim_date")!.columns).toEqual([{ name: "date_day", description: "the day", origin: "definition" }]);
  });
});
