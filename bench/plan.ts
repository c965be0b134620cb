/**
 * The benchmark plan: which stages run, in which order, and at which volume each.
 *
 * The full run (`npm run bench`) measures every stage at the largest volume whose three runs fit the
 * 30-minute budget on the 2-core benchmark machine (bench/RESULTS.md): the stages whose cost is this
 * project's own code (landing, silver, mount) at or near the FULL volumes of issue 11, and the warehouse
 * stages (gold, whose work in production is Redshift's) at a fraction of them. `--scale F` runs every stage
 * at FULL × F instead; `--quick` (CI's smoke test) runs every stage at QUICK.
 */
import { FULL, QUICK, scaled, type Scale } from "./harness.ts";

/** Stage names in the order they run (`--only` keeps this order). */
export const STAGE_ORDER = ["compile", "land", "land-api", "silver", "mount", "incremental", "gold", "incremental-gold", "e2e"] as const;
export type StageName = (typeof STAGE_ORDER)[number];

/** FULL × factor per stage in the full run. */
export const FULL_RUN_FACTORS: Record<StageName, number> = {
  compile: 1,
  land: 1,
  "land-api": 1,
  silver: 1,
  mount: 1,
  incremental: 1,
  gold: 0.03,
  "incremental-gold": 0.03,
  e2e: 1,
};

/** Stages that work in the shared environment of their volume (bench/lib/pipeline.ts). */
export const PIPELINE_STAGES: StageName[] = ["land", "land-api", "silver", "mount", "incremental", "gold", "incremental-gold"];

/** Stages left out of --quick (CI runs `npm start` itself). */
export const QUICK_SKIPS: StageName[] = ["e2e"];

export interface PlanOptions {
  quick?: boolean;
  /** One factor for every stage (--scale). */
  factor?: number;
  only?: string[];
}

export interface PlannedStage {
  name: StageName;
  scale: Scale;
  /** FULL × factor (1 for --quick, whose volumes are QUICK's). */
  factor: number;
}

export function isStage(name: string): name is StageName {
  return (STAGE_ORDER as readonly string[]).includes(name);
}

/** The stages to run, in order, each with its volume. Throws on an unknown stage name. */
export function plan(options: PlanOptions): PlannedStage[] {
  for (const name of options.only ?? []) {
    if (!isStage(name)) throw new Error(`unknown benchmark stage "${name}" (known: ${STAGE_ORDER.join(", ")})`);
  }
  const names = options.only ? STAGE_ORDER.filter((s) => options.only!.includes(s)) : STAGE_ORDER.filter((s) => !(options.quick && QUICK_SKIPS.includes(s)));
  return names.map((name) => {
    if (options.quick) return { name, scale: QUICK, factor: 1 };
    const factor = options.factor ?? FULL_RUN_FACTORS[name];
    return { name, scale: factor === 1 ? FULL : scaled(FULL, factor), factor };
  });
}

/** A short label of a scale for the results table: "FULL", "FULL × 0.1" or "QUICK". */
export function scaleLabel(scale: Scale, factor: number): string {
  if (scale.quick) return "QUICK";
  return factor === 1 ? "FULL" : `FULL × ${factor}`;
}
