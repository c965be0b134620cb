// The warehouse is never left short of a model: project models (tables, views, incremental tables) that are
// not in the warehouse after a run, why, and which of them can be rebuilt from inputs that are there.
import type pg from "pg";
import type { ActionOutcome } from "./artifacts.ts";
import { allActions, type CompiledGraph } from "./compile.ts";

const MODEL_KINDS = new Set(["table", "view", "incremental"]);

export interface ProjectModel {
  name: string;
  schema: string;
  table: string;
  kind: string;
  dependencies: string[];
}

/** The models of the compiled project (what must exist in the warehouse after a full run). */
export function projectModels(graph: CompiledGraph): ProjectModel[] {
  return allActions(graph)
    .filter((a) => MODEL_KINDS.has(a.kind) && !a.disabled)
    .map((a) => ({
      name: `${a.target.schema}.${a.target.name}`,
      schema: a.target.schema,
      table: a.target.name,
      kind: a.kind,
      dependencies: (a.dependencyTargets ?? []).map((t) => `${t.schema}.${t.name}`),
    }));
}

/** `schema.name` of every table and view in the given schemas. */
export async function existingRelations(client: pg.Client, schemas: string[]): Promise<Set<string>> {
  const result = await client.query<{ name: string }>(
    `select table_schema || '.' || table_name as name from information_schema.tables where table_schema = any($1)`,
    [schemas],
  );
  return new Set(result.rows.map((r) => r.name));
}

/** The models of the project that are not in the warehouse (graph order), and every relation that is. */
export async function missingModels(client: pg.Client, graph: CompiledGraph): Promise<{ missing: ProjectModel[]; present: Set<string> }> {
  const models = projectModels(graph);
  const declared = allActions(graph).filter((a) => a.kind === "declaration").map((a) => a.target.schema);
  const present = await existingRelations(client, [...new Set([...models.map((m) => m.schema), ...declared])]);
  return { missing: models.filter((m) => !present.has(m.name)), present };
}

/** Why a model is missing after a run, in words. */
export function missingReason(name: string, outcome: ActionOutcome | undefined): string {
  if (!outcome) return "dropped by the cascade of a rebuilt upstream (it was not selected)";
  if (outcome.status === "failed") return `its own build failed${outcome.message ? ` (${outcome.message})` : ""}`;
  if (outcome.status === "skipped") return `dropped by the cascade of a rebuilt upstream, then skipped${outcome.skipped_because ? ` because ${outcome.skipped_because} failed` : ""}`;
  if (outcome.status === "succeeded") return "dropped by the cascade of an upstream rebuilt after it";
  return "disabled";
}

/**
 * Which missing models can be rebuilt: every input is in the warehouse or is itself rebuildable, and the
 * model's own build did not fail. The rest are listed with the inputs they lack.
 */
export function rebuildPlan(
  missing: ProjectModel[],
  outcomes: Record<string, ActionOutcome>,
  present: (name: string) => boolean,
): { rebuild: string[]; blocked: { name: string; lacking: string[] }[] } {
  const missingNames = new Set(missing.map((m) => m.name));
  const rebuild = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const m of missing) {
      if (rebuild.has(m.name) || outcomes[m.name]?.status === "failed") continue;
      if (m.dependencies.every((d) => rebuild.has(d) || (!missingNames.has(d) && present(d)))) {
        rebuild.add(m.name);
        changed = true;
      }
    }
  }
  const blocked = missing
    .filter((m) => !rebuild.has(m.name))
    .map((m) => ({ name: m.name, lacking: m.dependencies.filter((d) => !rebuild.has(d) && (missingNames.has(d) || !present(d))) }));
  return { rebuild: missing.filter((m) => rebuild.has(m.name)).map((m) => m.name), blocked };
}
