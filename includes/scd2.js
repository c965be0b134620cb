// Reusable type-2 slowly changing dimension: turns a history of observed versions (one row per key and
// observation time) into validity ranges. Any dimension with a dated history can use it.
//
//   scd2.versions({
//     source: ref("stg_api__users"),       // relation or (subquery) with the columns below
//     key: ["user_id"],                    // natural key
//     tracked: ["first_name", …],          // a change in any of these opens a new version
//     observedAt: "cast(ingest_on as timestamp)", // when a version was observed (unique per key)
//     firstValidFrom: "least(signed_up_at, cast(ingest_on as timestamp))", // optional: start of the first version
//     surrogateKey: "user_key",            // md5(key | valid_from)
//     carry: ["signed_up_at"],             // optional: other columns, taken from the version's first row
//   })
//
// Returns a query with: surrogateKey, key…, tracked…, carry…, valid_from, valid_to, is_current.
// Ranges are half-open [valid_from, valid_to), contiguous and non-overlapping per key; the current
// version ends at 9999-12-31. Consecutive observations with identical tracked values collapse into one
// version (null equals null). The whole history is recomputed on every run, so a late correction of
// an earlier observation rewrites history consistently.

const dates = require("./dates");

function hashOf(columns) {
  return `md5(${columns.map((c) => `coalesce(cast(${c} as varchar), '<null>')`).join(" || '|' || ")})`;
}

function versions({ source, key, tracked, observedAt, firstValidFrom, surrogateKey, carry = [] }) {
  if (!key || key.length === 0) throw new Error("scd2.versions: key is required");
  if (!tracked || tracked.length === 0) throw new Error("scd2.versions: tracked columns are required");
  const partition = key.join(", ");
  const payload = [...tracked, ...carry];
  return `with observations as (
  select ${partition}, ${payload.join(", ")},
         ${observedAt} as observed_at,
         ${firstValidFrom || observedAt} as first_valid_from,
         ${hashOf(tracked)} as tracked_hash
    from ${source}
),
changes as (
  select ${partition}, ${payload.join(", ")}, observed_at, first_valid_from, tracked_hash,
         lag(tracked_hash) over (partition by ${partition} order by observed_at) as previous_hash,
         row_number() over (partition by ${partition} order by observed_at) as observation_number
    from observations
),
version_starts as (
  select ${partition}, ${payload.join(", ")},
         case when observation_number = 1 then first_valid_from else observed_at end as valid_from
    from changes
   where previous_hash is null or previous_hash <> tracked_hash
),
ranged as (
  select ${partition}, ${payload.join(", ")}, valid_from,
         lead(valid_from) over (partition by ${partition} order by valid_from) as next_valid_from
    from version_starts
)
select ${hashOf([...key, dates.timestampText("valid_from")])} as ${surrogateKey},
       ${partition}, ${payload.join(", ")},
       valid_from,
       coalesce(next_valid_from, ${dates.END_OF_TIME}) as valid_to,
       next_valid_from is null as is_current
  from ranged`;
}

module.exports = { versions };
