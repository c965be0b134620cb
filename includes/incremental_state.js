// What an incremental model saw on its last run, so that the next run can tell exactly what changed.
//
// An incremental model's rows depend on its fact input (silver rows per ingest day) and on lookups
// (dimensions). A run that only read "the new days" would keep stale lookups (a late song, a corrected
// user) and could not see rows that disappeared (a re-landed day that lost a session). So each incremental
// model keeps, in schema gold_internal, a small snapshot of every input it depends on:
//   <model>__seen_days     ingest_on and newest processed_at of each silver day it loaded;
//   <model>__seen_<lookup> the lookup columns it joined on (e.g. track_id, artist_id of dim_songs).
// The next run compares the current inputs with these snapshots both ways (`except` in each direction):
// what was added, changed or removed is exactly what the run recomputes, so that the model equals a full
// refresh whatever order data arrived in (test/incremental/equivalence.test.ts proves it on random
// sequences). The snapshots are rewritten in the model's post-operations, after its merge: a run that
// stops before that recomputes the same keys again (every recompute is idempotent).
//
// They are Dataform declarations (definitions/sources/incremental_state.js), so that the unit tests of the
// __pending views can hand in their content; their schema follows `--schema-suffix` like the models'.

const STATE_SCHEMA = "gold_internal";

/** The state tables and their columns (types valid on PostgreSQL and Redshift). */
const TABLES = {
  fct_session_items__seen_days: { ingest_on: "date", processed_at: "timestamp" },
  fct_session_items__seen_songs: { track_id: "varchar(18)", artist_id: "varchar(18)" },
  fct_session_items__seen_artists: { artist_id: "varchar(18)" },
  fct_session_items__seen_users: { user_key: "varchar(32)", user_id: "varchar(36)", valid_from: "timestamp", valid_to: "timestamp" },
  fct_session_items__scope: { scope_key: "varchar(64)", ingest_on: "date", all_rows: "boolean" },
  songplays__seen_days: { ingest_on: "date", processed_at: "timestamp" },
  songplays__seen_songs: {
    song_id: "varchar(18)", artist_id: "varchar(18)", duration: "double precision", title_key: "varchar(1024)", artist_name_key: "varchar(1024)",
  },
  songplays__scope: { scope_key: "varchar(64)", ingest_on: "date", all_rows: "boolean" },
};

/**
 * What the last run of an incremental model changed, for its rules (includes/assertions.js): the keys it
 * merged (`scope_key`) and the silver days it read (`ingest_on`), or one row `all_rows` after a full
 * refresh. The row-level rules of the model and of the relations under it check only those rows; a rule
 * that needs the whole table (row counts, freshness, ranges over a key) still reads everything.
 * `owner`: the model (id) whose run writes the scope: the rules run after it. `by`: "key" (the column holds
 * scope_key values) or "day" (ingest_on values).
 */
const RULE_SCOPES = {
  gold__fct_session_items: { scope: "fct_session_items__scope", owner: "gold__fct_session_items", column: "session_id", by: "key" },
  gold__stg_api__session_items: { scope: "fct_session_items__scope", owner: "gold__fct_session_items", column: "ingest_on", by: "day" },
  silver__session_items: { scope: "fct_session_items__scope", owner: "gold__fct_session_items", column: "ingest_on", by: "day" },
  sparkify__songplays: { scope: "songplays__scope", owner: "sparkify__songplays", column: "songplay_id", by: "key" },
  sparkify__stg_sparkify__events: { scope: "songplays__scope", owner: "sparkify__songplays", column: "ingest_on", by: "day" },
  silver__sparkify_events: { scope: "songplays__scope", owner: "sparkify__songplays", column: "ingest_on", by: "day" },
};

/** The scope rows of a run: `keys` and `days` are queries of one column each (post-operation, before the state is saved). */
function scopeOf({ keys, days }) {
  return `select cast(scope_key as varchar(64)) as scope_key, cast(null as date) as ingest_on, false as all_rows from (${keys}) as merged_keys
  union all
  select cast(null as varchar(64)) as scope_key, ingest_on, false as all_rows from (${days}) as read_days`;
}

/** The scope of a full refresh: everything. */
function scopeAll() {
  return `select cast(null as varchar(64)) as scope_key, cast(null as date) as ingest_on, true as all_rows`;
}

function schema() {
  const suffix = dataform.projectConfig.schemaSuffix;
  return suffix ? `${STATE_SCHEMA}_${suffix}` : STATE_SCHEMA;
}

function columnsOf(name) {
  const columns = TABLES[name];
  if (!columns) throw new Error(`unknown incremental state table "${name}" (known: ${Object.keys(TABLES).join(", ")})`);
  return columns;
}

/** Ref target of a state table: `${ref(incremental_state.target("songplays__seen_days"))}`. */
function target(name) {
  columnsOf(name);
  return { schema: schema(), name };
}

/** Pre-operation: the state schema and table, empty, when missing (the first run compares against nothing). */
function createIfMissing(relation, name) {
  const columns = Object.entries(columnsOf(name)).map(([c, type]) => `${c} ${type}`).join(", ");
  return `create table if not exists ${relation} (${columns})`;
}

/** A scratch table of one run of a model (rewritten by each incremental run): `"gold_internal"."<name>"`. */
function scratch(name) {
  return `"${schema()}"."${name}"`;
}

/** Pre-operations (two statements): scratch table `relation` holds what `query` returns now. */
function dropScratch(relation) {
  return `drop table if exists ${relation}`;
}

function createScratch(relation, query) {
  return `create table ${relation} as\n${query}`;
}

/** Pre-operation creating the state schema (Dataform only creates the schemas of its own actions). */
function createSchema() {
  return `create schema if not exists "${schema()}"`;
}

/** Post-operation 1 of 2 (rewriting a state table): empties it. */
function clear(relation) {
  return `delete from ${relation}`;
}

/** Post-operation 2 of 2: the state table holds what `query` returns now. */
function fill(relation, name, query) {
  const columns = Object.keys(columnsOf(name)).join(", ");
  return `insert into ${relation} (${columns})\nselect ${columns} from (\n${query}\n) as current_state`;
}

/**
 * The rows (of `columns`) that differ between `current` and `seen`, from either side: added, changed
 * (both versions) and removed rows. `current` and `seen` are relations (names or subqueries with aliases).
 */
function changes(current, seen, columns) {
  const list = columns.join(", ");
  return `select ${list} from (
    select ${list} from ${current}
    except
    select ${list} from ${seen}
  ) as added
  union
  select ${list} from (
    select ${list} from ${seen}
    except
    select ${list} from ${current}
  ) as removed`;
}

module.exports = { TABLES, RULE_SCOPES, scopeOf, scopeAll, schema, target, createIfMissing, createSchema, scratch, dropScratch, createScratch, clear, fill, changes };
