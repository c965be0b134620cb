// Declarations of the six silver tables (Iceberg; Spectrum external tables on Redshift, tables loaded
// by `lakehouse mount` locally), with the table and column docs of the contract in scripts/silver/tables.ts
// (generated into includes/silver_tables.js). Refer to them schema-qualified: ${ref(silver.target("users"))}.

for (const table of silver.TABLES) {
  // declare() takes only the target; description and columns go through config().
  declare({ schema: silver.schema(), name: table.name }).config({
    description: `${table.doc} Silver (Iceberg), landed from ${table.landed}; partitioned by ingest_on.`,
    columns: Object.fromEntries(
      table.columns.map((c) => [c.name, `${c.doc} (${c.type}${c.required ? ", required" : ""})`]),
    ),
  });
}
