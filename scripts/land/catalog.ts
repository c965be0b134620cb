import type pg from "pg";
import { LakehouseError } from "../core/errors.ts";
import { withClient, connectionConfig } from "../stack/db.ts";
import { quoteIdent } from "../seed/schema.ts";
import { addManifest, emptyResult, type EntityResult, type LandContext } from "./context.ts";
import { checkInterrupted } from "./run-guard.ts";
import { PartitionStager } from "./stager.ts";

/** Rows per FETCH from the server-side cursor: what is in memory at once (plus one stream buffer). */
export const CURSOR_BATCH_ROWS = 5000;

/** The extraction query: one JSON object per row, in track id order (same table, same bytes). */
export function catalogQuery(schema: string): string {
  return `select row_to_json(s)::text as j from ${quoteIdent(schema)}.songs s order by s.track_id`;
}

/**
 * Lands `catalog/songs` (a snapshot) into ingest_on = the window's end: the rows stream from a server-side
 * cursor in a read-only repeatable-read transaction into JSON-lines part files of `catalogPartRows` rows.
 */
export async function landCatalog(ctx: LandContext): Promise<EntityResult> {
  const { env, storage, log } = ctx;
  const result = emptyResult("catalog/songs");
  const startedAt = new Date();
  const query = catalogQuery(env.catalog_db.schema);
  const config = connectionConfig(env, "catalog");
  const stager = new PartitionStager(storage, "catalog/songs", ctx.window.end_date, "jsonl");
  try {
    await withClient(env, "catalog", async (client: pg.Client) => {
      await client.query("begin isolation level repeatable read, read only");
      await client.query(`declare land_songs no scroll cursor for ${query}`);
      const fetchRows = async (count: number): Promise<string[]> => (await client.query(`fetch ${count} from land_songs`)).rows.map((r) => r.j as string);
      const lines = (rows: string[]) => Buffer.from(`${rows.join("\n")}\n`);
      const partRows = ctx.catalogPartRows;
      let total = 0;
      for (;;) {
        checkInterrupted(ctx.signal);
        const want = Math.min(CURSOR_BATCH_ROWS, partRows);
        const first = await fetchRows(want);
        if (first.length === 0) break;
        let inPart = first.length;
        let more = first.length === want;
        async function* chunks(): AsyncGenerator<Buffer> {
          yield lines(first);
          while (more && inPart < partRows) {
            checkInterrupted(ctx.signal);
            const next = Math.min(CURSOR_BATCH_ROWS, partRows - inPart);
            const rows = await fetchRows(next);
            inPart += rows.length;
            more = rows.length === next;
            if (rows.length > 0) yield lines(rows);
            log.progress("land catalog/songs", total + inPart);
          }
        }
        await stager.addFile(chunks(), { rows: () => inPart });
        total += inPart;
        log.progress("land catalog/songs", total);
        if (!more) break;
      }
      await client.query("close land_songs");
      await client.query("commit");
    });
    addManifest(
      result,
      await stager.publish({
        source: "catalog",
        format: "jsonl",
        origin: { kind: "query", database: config.database ?? env.catalog_db.database, address: `${config.host}:${config.port}`, query },
        window: ctx.window,
        startedAt,
      }),
    );
  } catch (error) {
    await stager.abort();
    if ((error as { code?: string }).code === "42P01") {
      throw new LakehouseError("land", `the catalog table ${env.catalog_db.schema}.songs does not exist in ${config.database} at ${config.host}:${config.port}`, {}, `run: npx lakehouse seed --env ${env.name}`, { cause: error });
    }
    throw error;
  }
  return result;
}
