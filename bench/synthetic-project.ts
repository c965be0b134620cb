import * as fs from "node:fs";
import * as path from "node:path";
import { scratchProject } from "../scripts/dataform/scratch.ts";

/**
 * A Dataform project of `actions` actions shaped like a real warehouse: declarations, then layers of
 * views/tables each depending on 1–3 actions of the layer before, and an assertion per ten models.
 * Deterministic for a given size.
 */
export function syntheticProject(actions: number): string {
  const dir = scratchProject(`lakehouse-synthetic-${actions}-`);
  fs.writeFileSync(path.join(dir, "dataform.json"), JSON.stringify({ warehouse: "postgres", defaultSchema: "gold", assertionSchema: "gold_assertions" }));
  fs.mkdirSync(path.join(dir, "definitions"));
  const sources = Math.max(4, Math.floor(actions / 20));
  const layers: string[][] = [[]];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  for (let i = 0; i < sources; i++) {
    const name = `src_${i}`;
    layers[0].push(name);
    fs.writeFileSync(path.join(dir, "definitions", `${name}.sqlx`), `config { type: "declaration", schema: "silver", name: "${name}" }\n`);
  }
  let made = sources;
  let layer = 1;
  while (made < actions) {
    const width = Math.max(1, Math.floor((actions - sources) / 6));
    layers[layer] = [];
    for (let i = 0; i < width && made < actions; i++, made++) {
      const name = `m${layer}_${i}`;
      const previous = layers[layer - 1];
      const deps = new Set<string>();
      const count = 1 + (next() % 3);
      for (let d = 0; d < count; d++) deps.add(previous[next() % previous.length]);
      const from = [...deps].map((d, k) => `${k === 0 ? "from" : "join"} \${ref("${d}")} as t${k}${k === 0 ? "" : " on t0.id = t" + k + ".id"}`).join("\n");
      const assertion = made % 10 === 0 ? `,\n  assertions: { uniqueKey: ["id"], nonNull: ["id"] }` : "";
      fs.writeFileSync(
        path.join(dir, "definitions", `${name}.sqlx`),
        `config {\n  type: "${made % 3 === 0 ? "table" : "view"}",\n  tags: ["layer${layer}", "${made % 2 ? "odd" : "even"}"],\n  description: "synthetic model ${name}"${assertion}\n}\nselect t0.id, t0.value\n${from}\n`,
      );
      layers[layer].push(name);
    }
    layer++;
  }
  return dir;
}
