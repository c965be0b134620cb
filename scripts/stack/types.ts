import pg from "pg";

/**
 * Value parsers for query output meant for people and JSON: counts and sums become numbers (when exact),
 * dates and timestamps stay as the server prints them (no local-time-zone shifts).
 */
export const displayTypes: pg.CustomTypesConfig = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    const { builtins } = pg.types;
    switch (oid) {
      case builtins.INT8:
        return (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : v);
      case builtins.NUMERIC:
      case builtins.FLOAT4:
      case builtins.FLOAT8:
        return (v: string) => Number(v);
      case builtins.DATE:
      case builtins.TIMESTAMP:
      case builtins.TIMESTAMPTZ:
      case builtins.TIME:
        return (v: string) => v;
      default:
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's overloads need the widened format
        return pg.types.getTypeParser(oid, format as any);
    }
  },
};
