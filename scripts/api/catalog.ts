import type pg from "pg";
import type { Environment } from "../core/config.ts";
import { connect } from "../stack/db.ts";
import { quoteIdent } from "../seed/schema.ts";
import type { Track } from "./generate.ts";

/** Where the simulator gets the catalog's tracks (sorted by track id). */
export interface TrackSource {
  tracks(): Promise<Track[]>;
  close(): Promise<void>;
}

/**
 * The catalog's tracks from `<schema>.songs`, cached while the table is unchanged (row count and newest
 * xmin: a re-seed replaces every row). A missing table reads as an empty catalog.
 */
export function catalogTracks(env: Environment): TrackSource {
  let client: pg.Client | null = null;
  let cached: { fingerprint: string; tracks: Track[] } | null = null;
  const table = `${quoteIdent(env.catalog_db.schema)}.songs`;
  const query = async (sql: string) => {
    client ??= await connect(env, "catalog");
    try {
      return await client.query(sql);
    } catch (error) {
      if ((error as { code?: string }).code === "42P01") return null;
      await client.end().catch(() => undefined);
      client = null;
      throw error;
    }
  };
  return {
    async tracks() {
      const stamp = await query(`select count(*)::text || ':' || coalesce(max(xmin::text::bigint), 0)::text as f from ${table}`);
      if (!stamp) return [];
      const fingerprint = stamp.rows[0].f as string;
      if (cached?.fingerprint !== fingerprint) {
        const result = await query(`select track_id, title, artist_id, artist_name from ${table} order by track_id`);
        cached = { fingerprint, tracks: (result?.rows ?? []) as Track[] };
      }
      return cached.tracks;
    },
    async close() {
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}

/** A fixed track list (tests, or a catalog read elsewhere). */
export function staticTracks(tracks: Track[]): TrackSource {
  const sorted = [...tracks].sort((a, b) => (a.track_id < b.track_id ? -1 : a.track_id > b.track_id ? 1 : 0));
  return { tracks: async () => sorted, close: async () => undefined };
}
