import type { LakeContext } from "../../scripts/graph/lake.ts";
import { fromRoot } from "../../scripts/core/paths.ts";

/** A compiled deftunes-shaped Dataform project (real `dataform compile --json` output, 2.6.7). */
export const FIXTURE = fromRoot("test", "graph", "fixtures", "deftunes.compiled.json");
/** Its last run: dim_users failed, one assertion on fct_session_items failed, the Sparkify star not run. */
export const LAST_RUN = fromRoot("test", "graph", "fixtures", "last-run.json");

export const LAKE: LakeContext = {
  catalog: { database: "catalog", schema: "deftunes" },
  apiBaseUrl: "http://127.0.0.1:8787",
  sparkifyPath: "../shared/data/sparkify",
  bucket: ".lakehouse/local/bucket",
};
