// The silver tables as Dataform sees them: their schema (var `silver_schema`, default "silver"),
// a ref target, the check that runs before each staging view reads one, and unit-test fixtures.
// The contract itself (columns, types, docs) is generated into includes/silver_tables.js.

const { TABLES } = require("./silver_tables");
const { isRedshift, vars, literal } = require("./warehouse");
const { rows } = require("./fixtures");

function schema() {
  return vars("silver_schema", "silver");
}

function table(name) {
  const found = TABLES.find((t) => t.name === name);
  if (!found) throw new Error(`unknown silver table "${name}" (known: ${TABLES.map((t) => t.name).join(", ")})`);
  return found;
}

/** Ref target of a silver table: `${ref(silver.target("users"))}` (schema-qualified: sparkify has tables of the same names). */
function target(name) {
  table(name);
  return { schema: schema(), name };
}

// Silver type → what the warehouse reports for the column (PostgreSQL regtype / Spectrum external_type).
const POSTGRES_TYPES = { boolean: "boolean", int: "integer", long: "bigint", double: "double precision", string: "varchar", date: "date", timestamp: "timestamp" };
// Spectrum spells some types in more than one way (Glue's name or Redshift's): any of these prefixes is accepted.
const SPECTRUM_TYPES = {
  boolean: ["boolean", "bool"],
  int: ["int"],
  long: ["bigint", "long"],
  double: ["double", "float8", "float"],
  string: ["string", "varchar", "character varying", "char"],
  date: ["date"],
  timestamp: ["timestamp"],
};

/**
 * Pre-operation for a model that reads silver table `name`: fails the action, naming the table and
 * the hint to run `lakehouse mount`, when the table is missing; and naming each column whose type is
 * not the one the model was written against (`reads`: column → silver type), so an upstream type
 * change stops the run instead of being cast into wrong numbers.
 */
function check(name, reads, model = "this model") {
  table(name);
  const columns = Object.entries(reads);
  for (const [column, type] of columns) {
    if (!POSTGRES_TYPES[type]) throw new Error(`silver.check(${name}): column ${column} has unknown silver type "${type}"`);
  }
  const relation = `${schema()}.${name}`;
  if (isRedshift()) {
    // Redshift has no DO blocks: a query that casts the problem text to an integer fails with it.
    // Spectrum lists external tables and their columns in svv_external_tables/svv_external_columns.
    const expected = columns
      .flatMap(([column, type]) => SPECTRUM_TYPES[type].map((prefix, i) => `select ${literal(column)} as column_name, ${literal(prefix)} as external_type, ${i === 0} as is_main`))
      .join(" union all ");
    return `with expected as (${expected}),
found as (select columnname, external_type from svv_external_columns where schemaname = ${literal(schema())} and tablename = ${literal(name)}),
problems as (
  select ${literal(`silver table ${relation} is missing: run lakehouse silver --env prod (Glue) and the setup tag (external schema)`)} as problem
   where not exists (select 1 from svv_external_tables where schemaname = ${literal(schema())} and tablename = ${literal(name)})
  union all
  select ${literal(`${relation} does not match what ${model} reads: column `)} || e.column_name || ' expected ' || e.external_type || ', found ' || coalesce(f.external_type, 'no such column')
    from expected e left join found f on f.columnname = e.column_name
   where e.is_main
     and exists (select 1 from svv_external_tables where schemaname = ${literal(schema())} and tablename = ${literal(name)})
     and not exists (
       select 1 from expected ok
        where ok.column_name = e.column_name and f.external_type like ok.external_type || '%'
     )
)
select cast(problem as integer) from problems`;
  }
  const expected = columns.map(([column, type]) => `(${literal(column)}, ${literal(POSTGRES_TYPES[type])})`).join(", ");
  const missing = `silver table ${relation} is missing: run \`npx lakehouse mount\` to load it from the current Iceberg snapshot (after lakehouse silver)`;
  return `do $silver_check$
declare
  problems text;
begin
  if to_regclass(${literal(`"${schema()}"."${name}"`)}) is null then
    raise exception using message = ${literal(missing)}, hint = 'npx lakehouse mount';
  end if;
  select string_agg(format('column %s expected %s, found %s', e.column_name, format_type(e.expected::regtype, null), coalesce(format_type(a.atttypid, null), 'no such column')), '; ' order by e.column_name)
    into problems
    from (values ${expected}) as e(column_name, expected)
    left join pg_attribute a
      on a.attrelid = ${literal(`"${schema()}"."${name}"`)}::regclass and a.attname = e.column_name and a.attnum > 0 and not a.attisdropped
   where a.atttypid is distinct from e.expected::regtype;
  if problems is not null then
    raise exception '%', ${literal(`${relation} does not match what ${model} reads: `)} || problems;
  end if;
end
$silver_check$`;
}

/** Unit-test input for a silver table: typed rows; omitted columns are null, lineage columns defaulted. */
function fixture(name, records) {
  const types = Object.fromEntries(table(name).columns.map((c) => [c.name, c.type === "string" ? "varchar(1024)" : c.sqlType]));
  const lineage = { ingest_on: "2018-11-01", source_file: `landing/${table(name).landed}/ingest_on=2018-11-01/part-00000`, processed_at: "2018-11-02 00:00:00" };
  return rows(types, records.map((r) => ({ ...lineage, ...r })));
}

module.exports = { schema, table, target, check, fixture, TABLES };
