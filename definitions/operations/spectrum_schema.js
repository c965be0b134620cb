// Production only: the external schema through which Redshift Spectrum reads the silver Iceberg tables
// registered in the Glue Data Catalog. Emitted only when the warehouse is Redshift (locally, silver is
// loaded by `lakehouse mount`). Run it with the `setup` tag: dataform run --tags setup.
//   vars: glue_database (Glue database of the silver tables), iam_role (role Redshift assumes), silver_schema.

if (warehouse.isRedshift()) {
  const glueDatabase = warehouse.vars("glue_database", "");
  const iamRole = warehouse.vars("iam_role", "");
  if (!glueDatabase || !iamRole) {
    throw new Error("spectrum_schema: vars glue_database and iam_role are required on Redshift (lakehouse --env prod renders them from environments/prod.yaml)");
  }
  operate("spectrum_schema", [
    `create external schema if not exists "${silver.schema()}" from data catalog database ${warehouse.literal(glueDatabase)} iam_role ${warehouse.literal(iamRole)}`,
  ]).tags(["setup"]).description(`Redshift Spectrum external schema ${silver.schema()} over the Glue database ${glueDatabase}.`);
}
