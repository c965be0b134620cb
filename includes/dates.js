// Date and time SQL that differs between PostgreSQL and Redshift, or that is easy to get subtly wrong.
// Everything here returns an SQL expression (or query) valid on the configured warehouse.

const { isRedshift } = require("./warehouse");

/** `expr` (a date) plus `days` days, as a date. */
function addDays(expr, days) {
  return isRedshift() ? `cast(dateadd(day, ${days}, ${expr}) as date)` : `cast((${expr}) + (${days}) as date)`;
}

/** Whole days from date `from` to date `to`. */
function daysBetween(from, to) {
  return isRedshift() ? `datediff(day, ${from}, ${to})` : `((${to}) - (${from}))`;
}

/** Integer yyyymmdd key of a date or timestamp (dim_date.date_key). */
function dateKey(expr) {
  return `cast(to_char(${expr}, 'YYYYMMDD') as integer)`;
}

/** Integer date part (extract returns numeric on PostgreSQL, so cast). `part`: year|quarter|month|day|week|dow. */
function part(name, expr) {
  return `cast(extract(${name} from ${expr}) as integer)`;
}

/** ISO day of week, 1 = Monday … 7 = Sunday (PostgreSQL's isodow does not exist on Redshift). */
function isoDayOfWeek(expr) {
  return `case when ${part("dow", expr)} = 0 then 7 else ${part("dow", expr)} end`;
}

/** Text of a timestamp to the microsecond (stable input for surrogate keys on both warehouses). */
function timestampText(expr) {
  return `to_char(${expr}, 'YYYY-MM-DD HH24:MI:SS.US')`;
}

/** Far-future end of an open SCD2 validity range. */
const END_OF_TIME = "cast('9999-12-31 00:00:00' as timestamp)";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** English month name (to_char's padding and locale rules differ between the warehouses). */
function monthName(expr) {
  return `case ${part("month", expr)} ${MONTHS.map((m, i) => `when ${i + 1} then '${m}'`).join(" ")} end`;
}

function dayName(expr) {
  return `case ${isoDayOfWeek(expr)} ${DAYS.map((d, i) => `when ${i + 1} then '${d}'`).join(" ")} end`;
}

/**
 * Integers 0 … 10^digits - 1 as a subquery with column `n` (no generate_series: on Redshift it only runs
 * on the leader node). Five digits: 100 000 days, about 273 years.
 */
function integers(digits = 5) {
  const digit = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => `select ${d} as d`).join(" union all ");
  const names = Array.from({ length: digits }, (_, i) => `d${i}`);
  return `(select ${names.map((n, i) => `${n}.d * ${10 ** i}`).join(" + ")} as n from ${names.map((n) => `(${digit}) as ${n}`).join(" cross join ")})`;
}

module.exports = { addDays, daysBetween, dateKey, part, isoDayOfWeek, timestampText, END_OF_TIME, monthName, dayName, integers };
