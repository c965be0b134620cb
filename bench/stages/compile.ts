import * as fs from "node:fs";
import { loadEnvironment } from "../../scripts/core/config.ts";
import { allActions, compileProject } from "../../scripts/dataform/compile.ts";
import type { Benchmark } from "../harness.ts";
import { syntheticProject } from "../synthetic-project.ts";

/** `dataform compile` of the real project and of a generated project of `scale.actions` actions. */
export const compileBench: Benchmark = {
  stage: "compile",
  async setup(scale) {
    return { dir: syntheticProject(scale.actions) };
  },
  async run(scale, context) {
    const env = loadEnvironment("local");
    const { dir } = context as { dir: string };
    let started = performance.now();
    const real = await compileProject(env);
    const realSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const synthetic = await compileProject(env, { projectDir: dir });
    const syntheticSeconds = (performance.now() - started) / 1000;
    return [
      { metric: `real project (${allActions(real).length} actions)`, value: realSeconds, unit: "s" },
      { metric: `synthetic project (${allActions(synthetic).length} actions, ${scale.actions} models and sources)`, value: syntheticSeconds, unit: "s" },
    ];
  },
  async teardown(context) {
    fs.rmSync((context as { dir: string }).dir, { recursive: true, force: true });
  },
};
