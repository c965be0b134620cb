// Inline fixtures for Dataform unit tests (definitions/tests): typed rows as a SQL query that runs on
// PostgreSQL and Redshift. Every value is cast to its column type, so a fixture with nulls still has
// the types the model reads.
//   fixtures.rows({ user_id: "varchar", price: "numeric(12,2)" }, [{ user_id: "u1", price: 1.5 }])
// A value { sql: "md5('x')" } is used as an SQL expression (expected surrogate keys).

function sqlValue(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object" && typeof value.sql === "string") return value.sql;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** `select … union all select …` with one row per object; columns in the order of `types`. */
function rows(types, records) {
  const columns = Object.entries(types);
  for (const record of records) {
    for (const key of Object.keys(record)) {
      if (!(key in types)) throw new Error(`fixture column "${key}" is not one of ${Object.keys(types).join(", ")}`);
    }
  }
  const select = (record) =>
    `select ${columns.map(([name, type]) => `cast(${sqlValue(record ? record[name] : null)} as ${type}) as ${name}`).join(", ")}`;
  // No rows: one typed row filtered out, so the fixture still has columns and types.
  if (records.length === 0) return `select * from (${select(null)}) as empty_fixture where 1 = 0`;
  return records.map(select).join("\nunion all\n");
}

/** An SQL expression as a fixture value. */
function sql(expression) {
  return { sql: expression };
}

module.exports = { rows, sqlValue, sql };
