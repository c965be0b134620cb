/**
 * `api/users` → `silver.users`. A user is `{user_id, user_name, user_lastname,
 * user_location: [lat, lon, place, country_code, timezone], user_since}`; the location array is split
 * into `user_latitude, user_longitude, user_place, user_country_code, user_timezone` (fields named
 * `user_location[i]` in quarantine). Latitude must lie in [-90, 90], longitude in [-180, 180].
 * `user_since` is ISO-8601 with microseconds and no zone (UTC).
 */
import { RECORD_FORMAT } from "../../land/records.ts";
import { silverTable } from "../tables.ts";
import { asObject, castColumn, columnsByName, describeType, FieldError, type SilverRow } from "../values.ts";
import type { EntityParser, RecordContext } from "./types.ts";

const c = columnsByName(silverTable("users"));

const LOCATION = ["user_latitude", "user_longitude", "user_place", "user_country_code", "user_timezone"] as const;

export function parseApiUser(raw: unknown, ctx: RecordContext): SilverRow {
  const record = asObject(raw);
  const row: SilverRow = {
    user_id: castColumn(c.user_id, record.user_id),
    user_name: castColumn(c.user_name, record.user_name),
    user_lastname: castColumn(c.user_lastname, record.user_lastname),
  };
  const location = record.user_location;
  if (!Array.isArray(location)) {
    throw new FieldError("user_location", location === undefined || location === null ? "required field is missing" : `wrong type: expected an array [lat, lon, place, country_code, timezone], got ${describeType(location)}`);
  }
  if (location.length !== LOCATION.length) {
    throw new FieldError("user_location", `expected ${LOCATION.length} elements [lat, lon, place, country_code, timezone], got ${location.length}`);
  }
  LOCATION.forEach((name, i) => {
    row[name] = castColumn(c[name], location[i], `user_location[${i}]`);
  });
  const lat = row.user_latitude as number | null;
  const lon = row.user_longitude as number | null;
  if (lat !== null && (lat < -90 || lat > 90)) throw new FieldError("user_location[0]", `latitude out of range [-90, 90]: ${lat}`);
  if (lon !== null && (lon < -180 || lon > 180)) throw new FieldError("user_location[1]", `longitude out of range [-180, 180]: ${lon}`);
  row.user_since = castColumn(c.user_since, record.user_since);
  row.ingest_on = ctx.lineage.ingest_on;
  row.source_file = ctx.lineage.source_file;
  row.processed_at = ctx.lineage.processed_at;
  return row;
}

export const apiUsers: EntityParser = {
  entity: "api/users",
  tables: ["users"],
  format: RECORD_FORMAT["api/users"],
  parse: (raw, ctx) => ({ users: [parseApiUser(raw, ctx)] }),
};
