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

/** Value of a project var, with a default. */
function vars(name, fallback) {
  const value = (dataform.projectConfig.vars || {})[name];
  return value === undefined || value === "" ? fallback : value;
}

/** A SQL string literal (single quotes doubled; valid on PostgreSQL and Redshift). */
function literal(value) {
  return `'${String(value).replace(/'/g, "''")}'`;
}

module.exports = { warehouseType, isRedshift, redshift, distributeAll, vars, literal };
