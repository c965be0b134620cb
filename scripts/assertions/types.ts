/**
 * The normalised form of the rules in assertions/*.yaml: what `lakehouse generate` writes to
 * includes/generated/rules.js and what includes/assertions.js turns into SQL. Format: assertions/README.md.
 */

export const RULE_TYPES = [
  "not_null",
  "unique",
  "accepted_values",
  "relationships",
  "accepted_range",
  "length",
  "expression",
  "row_count",
  "freshness",
  "non_overlapping",
  "uniqueness_ratio",
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export type Severity = "error" | "warn";
export type Scalar = string | number | boolean;

export type FreshnessReference = { now: true } | { model: string; column: string; where?: string } | { landed: string };

export interface RuleArgs {
  /** unique */
  columns?: string[];
  /** accepted_values */
  values?: Scalar[];
  /** relationships */
  to?: string;
  field?: string;
  to_where?: string;
  /** accepted_range (numbers or literals), length, row_count (integers), uniqueness_ratio (ratio) */
  min?: number | string;
  max?: number | string;
  inclusive?: boolean;
  exact?: number;
  /** expression */
  expression?: string;
  /** row_count */
  count?: string;
  group_by?: string[];
  equal_to?: { model?: string; landed?: string; where?: string; count?: string };
  /** freshness */
  column?: string;
  max_age?: string;
  reference?: FreshnessReference;
  /** non_overlapping */
  key?: string[];
  from?: string;
  inclusive_end?: boolean;
}

export interface Rule {
  /** The Dataform assertion name: `<model>__<rule>[__<column or name>]` (≤ 63 characters). */
  name: string;
  /** Model id, `<schema>__<table>`. */
  model: string;
  type: RuleType;
  /** The column of a column rule; null for model-level rules. */
  column: string | null;
  severity: Severity;
  where: string | null;
  args: RuleArgs;
  /** One line saying what the rule checks, for the report and the graph. */
  description: string;
  /** `assertions/<file>.yaml:<line>` of the rule. */
  source: string;
}

export interface ModelRules {
  /** `<schema>__<table>` (the file name without `.yaml`). */
  id: string;
  schema: string;
  table: string;
  /** Extra tags from the file, added to the model's own tags. */
  tags: string[];
  description: string | null;
  file: string;
  rules: Rule[];
}

export interface RuleSet {
  version: 1;
  models: ModelRules[];
}

/** Longest assertion name: PostgreSQL truncates identifiers at 63 bytes (Redshift allows 127). */
export const MAX_NAME_LENGTH = 63;
