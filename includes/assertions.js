/**
 * Data-quality rules as SQL, for PostgreSQL (local, CI) and Amazon Redshift (production).
 *
 * The rules themselves are data: `lakehouse generate` turns `assertions/*.yaml` into
 * `includes/generated/rules.js` (the Dataform sandbox reads no YAML). This file turns one rule into the
 * SQL that selects its *offending* rows: zero rows means the rule holds. The same function serves
 * `definitions/assertions/rules.js` (one Dataform assertion per rule) and `lakehouse test`'s report
 * (scripts/assertions/sql.ts loads this file), so Dataform and the report never disagree.
 *
 * Plain CommonJS, no dependencies: it runs inside Dataform's sandbox and in Node.
 * The format of the rules is documented in assertions/README.md.
 */

/** `"name"` with embedded double quotes doubled (same on PostgreSQL and Redshift). */
function quoteIdent(name) {
  return `"${String(name).replace(/"/g, '""')}"`;
}

/**
 * A SQL literal for a YAML value. Strings: quotes doubled; on Redshift backslashes are doubled too (its
 * string literals treat `\` as an escape character, like PostgreSQL with standard_conforming_strings off;
 * PostgreSQL's default keeps it literal). `%`, `_` and unicode need nothing: no LIKE is ever built from a value.
 */
function literal(value, warehouse) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  const text = String(value);
  if (text.includes("\u0000")) throw new Error("a string value cannot contain a NUL character");
  const escaped = warehouse === "redshift" ? text.replace(/\\/g, "\\\\").replace(/'/g, "''") : text.replace(/'/g, "''");
  return `'${escaped}'`;
}

/** The current time in UTC, without zone, as each warehouse spells it. */
function nowSql(warehouse) {
  return warehouse === "redshift" ? "getdate()" : "(current_timestamp at time zone 'UTC')";
}

/** `interval '3 days'` from a checked `max_age` such as `3 days` or `36 hours`. */
function intervalSql(maxAge) {
  if (!/^\d+ (minute|hour|day|week)s?$/.test(maxAge)) throw new Error(`bad max_age "${maxAge}"`);
  return `interval '${maxAge}'`;
}

function columnList(columns) {
  return columns.map(quoteIdent).join(", ");
}

/** The model's rows the rule looks at: all of them, or those matching `where`; with `scope`, only the last run's. */
function modelCte(rule, relation, scope, warehouse) {
  if (!scope) return `model as (\n  select * from ${relation}${rule.where ? `\n  where (${rule.where})` : ""}\n)`;
  const where = rule.where ? `\n    and (${rule.where})` : "";
  const everything = `(select coalesce(bool_or(all_rows), false) from ${scope.relation})`;
  const scopeColumn = scope.by === "day" ? "ingest_on" : "scope_key";
  const values = `select ${scopeColumn} from ${scope.relation} where ${scopeColumn} is not null`;
  // PostgreSQL: `= any(array(…))` is one value computed first, so the filter reaches into a view's window
  // partitions (and an index) instead of a semi-join over the whole view; Redshift has no array(…)
  const inScope = warehouse === "redshift" ? `in (${values})` : `= any(array(${values}))`;
  return [
    `model as (`,
    `  select * from ${relation}`,
    `  where ${everything}${where}`,
    `  union all`,
    `  select * from ${relation}`,
    `  where not ${everything}`,
    `    and ${quoteIdent(scope.column)} ${inScope}${where}`,
    `)`,
  ].join("\n");
}

/** Rule types that judge rows one by one (or, for `unique`, rows sharing the scope column): checked on a run's rows only. */
const ROW_LEVEL_TYPES = ["not_null", "accepted_values", "accepted_range", "length", "expression", "relationships"];

/**
 * Whether `rule` can be checked on the rows of the last run only (`scope`: incremental_state.RULE_SCOPES).
 * A grain `unique` qualifies when its columns include the scope column (duplicates share its value).
 */
function scopable(rule, scope) {
  if (!scope) return false;
  if (ROW_LEVEL_TYPES.includes(rule.type)) return true;
  return rule.type === "unique" && rule.args.columns.includes(scope.column);
}

/**
 * Counts of one side of a `row_count` comparison: one row per group (or one row) with `row_count`.
 * `source` is `{relation, where, count}`.
 */
function countsSelect(source, groupBy) {
  const from = source.where ? `(select * from ${source.relation} where (${source.where})) as counted` : `${source.relation} as counted`;
  const count = source.count || "count(*)";
  if (groupBy.length === 0) return `select ${count} as row_count from ${from}`;
  return `select ${columnList(groupBy)}, ${count} as row_count from ${from} group by ${columnList(groupBy)}`;
}

/**
 * SQL selecting the rows that break `rule`. `context`:
 *  - warehouse: "postgres" | "redshift"
 *  - ref(modelId): the relation of a model id (`schema__table`), already quoted
 *  - landingCounts: the relation of the landed/quarantined counts table (rules using `landed`)
 *  - now: optional SQL for "now" (a literal timestamp from the `assertions_now` var); default the warehouse clock
 *  - scope: optional { relation, column, by }: a row-level rule reads only the rows of the model's last
 *    run (see scopable; the table of incremental_state.RULE_SCOPES); absent, every rule reads every row
 */
function ruleSql(rule, context) {
  const warehouse = context.warehouse || "postgres";
  const rel = context.ref(rule.model);
  const args = rule.args || {};
  const col = rule.column ? quoteIdent(rule.column) : null;
  const lit = (v) => literal(v, warehouse);
  const head = `with ${modelCte(rule, rel, scopable(rule, context.scope) ? context.scope : null, warehouse)}`;

  switch (rule.type) {
    case "not_null":
      return `${head}\nselect * from model where ${col} is null`;

    case "unique": {
      const cols = args.columns;
      const notNull = cols.length === 1 ? `\nwhere ${quoteIdent(cols[0])} is not null` : "";
      return `${head}\nselect ${columnList(cols)}, count(*) as duplicate_rows\nfrom model${notNull}\ngroup by ${columnList(cols)}\nhaving count(*) > 1`;
    }

    case "accepted_values":
      return `${head}\nselect * from model\nwhere ${col} is not null and ${col} not in (${args.values.map(lit).join(", ")})`;

    case "relationships": {
      const parent = context.ref(args.to);
      const parentRows = args.to_where ? `(select * from ${parent} where (${args.to_where}))` : parent;
      return `${head}\nselect * from model as child\nwhere child.${col} is not null\n  and not exists (select 1 from ${parentRows} as parent where parent.${quoteIdent(args.field)} = child.${col})`;
    }

    case "accepted_range": {
      const inclusive = args.inclusive !== false;
      const checks = [];
      if (args.min !== undefined && args.min !== null) checks.push(`${col} ${inclusive ? "<" : "<="} ${lit(args.min)}`);
      if (args.max !== undefined && args.max !== null) checks.push(`${col} ${inclusive ? ">" : ">="} ${lit(args.max)}`);
      return `${head}\nselect * from model\nwhere ${checks.join(" or ")}`;
    }

    case "length": {
      const len = `length(cast(${col} as varchar))`;
      const checks = [];
      if (args.exact !== undefined) checks.push(`${len} <> ${args.exact}`);
      if (args.min !== undefined) checks.push(`${len} < ${args.min}`);
      if (args.max !== undefined) checks.push(`${len} > ${args.max}`);
      return `${head}\nselect model.*, ${len} as actual_length from model\nwhere ${col} is not null and (${checks.join(" or ")})`;
    }

    case "expression":
      return `${head}\nselect * from model\nwhere not coalesce((${args.expression}), false)`;

    case "row_count": {
      const groupBy = args.group_by || [];
      if (!args.equal_to) {
        const checks = [];
        if (args.min !== undefined) checks.push(`row_count < ${args.min}`);
        if (args.max !== undefined) checks.push(`row_count > ${args.max}`);
        return [
          `${head},`,
          `counted as (${countsSelect({ relation: "model", count: args.count }, [])})`,
          `select row_count, ${args.min !== undefined ? args.min : "null"} as min_rows, ${args.max !== undefined ? args.max : "null"} as max_rows,`,
          `  case when row_count = 0 then 'empty table' else 'row count out of range' end as problem`,
          `from counted\nwhere ${checks.join(" or ")}`,
        ].join("\n");
      }
      const target = args.equal_to;
      let expected;
      if (target.landed) {
        const [source, entity] = target.landed.split("/");
        const landedGroup = groupBy.length ? groupBy : [];
        const counts = target.count || "sum(landed_rows - quarantined_rows)";
        const where = `source = ${lit(source)} and entity = ${lit(entity)}${target.where ? ` and (${target.where})` : ""}`;
        expected = countsSelect({ relation: context.landingCounts, where, count: counts }, landedGroup);
      } else {
        expected = countsSelect({ relation: context.ref(target.model), where: target.where, count: target.count }, groupBy);
      }
      const actual = countsSelect({ relation: "model", count: args.count }, groupBy);
      if (groupBy.length === 0) {
        return [
          `${head},`,
          `actual as (${actual}),`,
          `expected as (${expected})`,
          `select actual.row_count as actual_rows, expected.row_count as expected_rows`,
          `from actual cross join expected`,
          `where coalesce(actual.row_count, 0) <> coalesce(expected.row_count, 0)`,
        ].join("\n");
      }
      const keys = groupBy.map((g) => `coalesce(actual.${quoteIdent(g)}, expected.${quoteIdent(g)}) as ${quoteIdent(g)}`).join(", ");
      const on = groupBy.map((g) => `actual.${quoteIdent(g)} = expected.${quoteIdent(g)}`).join(" and ");
      return [
        `${head},`,
        `actual as (${actual}),`,
        `expected as (${expected})`,
        `select ${keys}, coalesce(actual.row_count, 0) as actual_rows, coalesce(expected.row_count, 0) as expected_rows`,
        `from actual full outer join expected on ${on}`,
        `where coalesce(actual.row_count, 0) <> coalesce(expected.row_count, 0)`,
      ].join("\n");
    }

    case "freshness": {
      const column = quoteIdent(args.column);
      const ref = args.reference || { now: true };
      let reference;
      if (ref.landed) {
        const [source, entity] = ref.landed.split("/");
        reference = `(select max(ingest_on) from ${context.landingCounts} where source = ${lit(source)} and entity = ${lit(entity)})`;
      } else if (ref.model) {
        reference = `(select max(${quoteIdent(ref.column)}) from ${context.ref(ref.model)}${ref.where ? ` where (${ref.where})` : ""})`;
      } else {
        reference = context.now || nowSql(warehouse);
      }
      return [
        `${head},`,
        `newest as (select max(${column}) as newest_value from model),`,
        `reference as (select ${reference} as reference_value)`,
        `select newest.newest_value, reference.reference_value, ${lit(args.max_age)} as max_age,`,
        `  case when newest.newest_value is null then 'no rows' when reference.reference_value is null then 'no reference value' else 'stale' end as problem`,
        `from newest cross join reference`,
        `where newest.newest_value is null or reference.reference_value is null`,
        `   or cast(newest.newest_value as timestamp) < cast(reference.reference_value as timestamp) - ${intervalSql(args.max_age)}`,
      ].join("\n");
    }

    case "non_overlapping": {
      const key = columnList(args.key);
      const from = quoteIdent(args.from);
      const to = quoteIdent(args.to);
      const window = `over (partition by ${key} order by ${from}, ${to})`;
      return [
        `${head},`,
        `ordered as (`,
        `  select ${key}, ${from} as range_from, ${to} as range_to,`,
        `    lag(${from}) ${window} as previous_from,`,
        `    lag(${to}) ${window} as previous_to,`,
        `    row_number() ${window} as range_position`,
        `  from model`,
        `)`,
        `select ${key}, range_from, range_to, previous_from, previous_to,`,
        `  case when range_from is null then 'no start' when range_to < range_from then 'ends before it starts' else 'overlaps the previous range' end as problem`,
        `from ordered`,
        `where range_from is null`,
        `   or range_to < range_from`,
        `   or (range_position > 1 and (previous_to is null or previous_to ${args.inclusive_end ? ">=" : ">"} range_from))`,
      ].join("\n");
    }

    case "uniqueness_ratio": {
      const groupBy = args.group_by || [];
      const keys = groupBy.length ? `${columnList(groupBy)}, ` : "";
      return [
        `${head},`,
        `ratio as (`,
        `  select ${keys}count(distinct ${col}) as distinct_values, count(*) as total_rows,`,
        `    cast(count(distinct ${col}) as double precision) / nullif(count(*), 0) as uniqueness_ratio`,
        `  from model${groupBy.length ? `\n  group by ${columnList(groupBy)}` : ""}`,
        `)`,
        `select ${keys}distinct_values, total_rows, uniqueness_ratio, ${args.min} as min_ratio from ratio`,
        `where uniqueness_ratio < ${args.min}`,
      ].join("\n");
    }

    default:
      throw new Error(`unknown rule type "${rule.type}"`);
  }
}

/** The physical schema of a logical one (`silver` follows the `silver_schema` var, `gold` the default schema). */
function physicalSchema(schema, projectConfig) {
  const config = projectConfig || {};
  if (schema === "silver") return (config.vars && config.vars.silver_schema) || "silver";
  if (schema === "gold") return config.defaultSchema || "gold";
  return schema;
}

/** The generated rules: `{ version, models: [{ id, schema, table, tags, file, rules: [...] }] }`. */
function generated() {
  // Lazy: scripts/assertions/sql.ts loads this file without the generated data.
  return require("./generated/rules.js");
}

/** Every model id a rule reads besides its own model. */
function otherModels(rule) {
  const args = rule.args || {};
  const out = [];
  if (rule.type === "relationships") out.push(args.to);
  if (rule.type === "row_count" && args.equal_to && args.equal_to.model) out.push(args.equal_to.model);
  if (rule.type === "freshness" && args.reference && args.reference.model) out.push(args.reference.model);
  return out;
}

/** True when the rule reads the landed/quarantined counts table. */
function usesLandingCounts(rule) {
  const args = rule.args || {};
  return Boolean((args.equal_to && args.equal_to.landed) || (args.reference && args.reference.landed));
}

/** Name of the table of landed and quarantined rows per entity and day, in the assertion schema. */
const LANDING_COUNTS_TABLE = "_landing_counts";

/**
 * Adds one Dataform assertion per generated rule whose models are defined or declared in the project.
 * Called from definitions/assertions/rules.js once every definitions file has been loaded (so the models
 * exist whatever the file order), with the incremental models' state include (rule scopes), if any.
 * Returns what was added and what was left out.
 */
function defineAssertions(session, state = null) {
  const config = session.projectConfig;
  const assertionSchema = config.assertionSchema || "dataform_assertions";
  const warehouse = config.warehouse === "redshift" ? "redshift" : "postgres";
  const actions = session.actions || [];
  const byTarget = new Map();
  for (const action of actions) {
    const target = action.proto && action.proto.target;
    if (target && target.name) byTarget.set(`${target.schema}.${target.name}`, action);
  }
  const rules = generated();
  const modelIndex = new Map(rules.models.map((m) => [m.id, m]));
  const targetOf = (id) => {
    const model = modelIndex.get(id);
    const [schema, table] = model ? [model.schema, model.table] : [id.slice(0, id.indexOf("__")), id.slice(id.indexOf("__") + 2)];
    return { schema: physicalSchema(schema, config), name: table };
  };
  const actionOf = (id) => {
    const t = targetOf(id);
    return byTarget.get(`${t.schema}.${t.name}`);
  };
  // rules of incremental models (and of the relations under them) that check only the last run's rows
  // (`state`: includes/incremental_state.js), unless the project var assertions_all_rows is set (then
  // every rule reads every row)
  const allRows = Boolean(config.vars && config.vars.assertions_all_rows && config.vars.assertions_all_rows !== "false");
  const scopeOf = (id, rule) => {
    const found = state && state.RULE_SCOPES[id];
    if (allRows || !found || !scopable(rule, found) || !actionOf(found.owner)) return null;
    return { ...found, owner: targetOf(found.owner), target: state.target(found.scope) };
  };
  const added = [];
  const skipped = [];
  let landingDeclared = byTarget.has(`${assertionSchema}.${LANDING_COUNTS_TABLE}`);
  for (const model of rules.models) {
    const action = actionOf(model.id);
    const modelTags = action && action.proto.tags ? Array.from(action.proto.tags) : [];
    for (const rule of model.rules) {
      const missing = [model.id, ...otherModels(rule)].filter((id) => !actionOf(id));
      if (missing.length > 0) {
        skipped.push({ name: rule.name, missing });
        continue;
      }
      if (usesLandingCounts(rule) && !landingDeclared) {
        session.declare({ schema: assertionSchema, name: LANDING_COUNTS_TABLE });
        landingDeclared = true;
      }
      const tags = Array.from(new Set([...modelTags, ...(model.tags || []), "assertions", ...(rule.severity === "warn" ? ["assertions_warn"] : [])])).sort();
      const assertion = session.assert(rule.name).tags(tags).description(`${rule.description} [${rule.severity}] (${rule.source})`);
      // warn-level rules must not fail `dataform run`: Dataform has no severities, so they are compiled
      // (visible in the graph) but disabled; `lakehouse test` runs and prints them.
      if (rule.severity === "warn") assertion.disabled();
      const scope = scopeOf(model.id, rule);
      if (scope) assertion.dependencies([scope.owner]);
      assertion.query((ctx) =>
        ruleSql(rule, {
          scope: scope ? { relation: ctx.ref(scope.target), column: scope.column, by: scope.by } : undefined,
          warehouse,
          ref: (id) => ctx.ref(targetOf(id)),
          landingCounts: usesLandingCounts(rule) ? ctx.ref({ schema: assertionSchema, name: LANDING_COUNTS_TABLE }) : undefined,
          now: config.vars && config.vars.assertions_now ? `cast(${literal(config.vars.assertions_now, warehouse)} as timestamp)` : undefined,
        }),
      );
      added.push(rule.name);
    }
  }
  return { added, skipped };
}

module.exports = {
  quoteIdent,
  literal,
  nowSql,
  ruleSql,
  physicalSchema,
  otherModels,
  usesLandingCounts,
  defineAssertions,
  LANDING_COUNTS_TABLE,
};
