// Warehouse guards: everything that differs between the local PostgreSQL and Amazon Redshift goes
// through here, so that the postgres compile never carries Redshift DDL (the postgres adapter is
// Dataform's Redshift adapter and would emit diststyle/sortkey clauses it cannot run).

function warehouseType() {
  return dataform.projectConfig.warehouse;
}

function isRedshift() {
  return warehouseType() === "redshift";
}

/**
 * Table config for Redshift distribution and sort keys, or undefined on any other warehouse.
 *   config { redshift: warehouse.redshift({ distKey: "user_key", sortKeys: ["ingest_on"] }) }
 * Dataform 2.6.7 only emits a dist style together with a dist key; for `diststyle all` (small
 * dimensions) use `warehouse.distributeAll(self())` in post_operations.
 */
function redshift({ distKey, sortKeys, interleaved = false } = {}) {
  if (!isRedshift()) return undefined;
  const options = {};
  if (distKey) {
    options.distStyle = "key";
    options.distKey = distKey;
  }
  if (sortKeys && sortKeys.length > 0) {
    options.sortStyle = interleaved ? "interleaved" : "compound";
    options.sortKeys = sortKeys;
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

/** Post-operation: a copy of the table on every Redshift node (small dimensions); nothing elsewhere. */
function distributeAll(table) {
  return isRedshift() ? `alter table ${table} alter diststyle all` : "";
}

/**
 * Post-operation: on PostgreSQL (the local warehouse), an index on the join key.
 * Its planner underestimates rows after the staging views' `rank = 1` dedupe filters (to a single row)
 * and then picks nested-loop joins against the dimensions; with an index those stay cheap lookups
 * instead of a scan of the dimension per fact row. Redshift has no indexes (sort and dist keys do this
 * job there): nothing is emitted. Only for tables rebuilt on each run (each rebuild starts without it).
 */
function postgresIndex(table, columns) {
  if (isRedshift()) return "";
  return `create index on ${table} (${columns.join(", ")})`;
}

/**
 * Post-operation: fresh planner statistics for a table the run just built or merged into, so that the
 * assertions that read it next get a sane plan (issue 22: three relationships assertions of a first run
 * after a large mount ran for minutes on estimates of an empty table). PostgreSQL does not analyse a new
 * table until autovacuum gets to it; Redshift analyses a table created by CTAS itself and runs automatic
 * analyze after inserts, so nothing is emitted there.
 */
function analyze(table) {
  return isRedshift() ? "" : `analyze ${table}`;
}

/**
 * Post-operation: on PostgreSQL, an index on the key an incremental table is merged and checked on (kept
 * across runs: created when missing, `name` unique in the table's schema). The merge's delete, the
 * lookups of held rows and the rules scoped to a run's keys then read only those rows. Nothing on Redshift.
 */
function postgresKeyIndex(table, name, columns) {
  if (isRedshift()) return "";
  return `create index if not exists ${name} on ${table} (${columns.join(", ")})`;
}

/** Value of a project var, with a default. */
function vars(name, fallback) {
  const value = (dataform.projectConfig.vars || {})[name];
  return value === undefined || value === "" ? fallback : value;
}

/** A SQL string literal (single quotes doubled; valid on PostgreSQL and Redshift). */
function literal(value) {
  return `'${String(value).replace(/'/g, "''")}'`;
}

module.exports = { warehouseType, isRedshift, redshift, distributeAll, postgresIndex, postgresKeyIndex, analyze, vars, literal };
