import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import type { Environment } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { withClient } from "../stack/db.ts";
import { listSourceFiles, readSourceFile } from "../land/sourceFiles.ts";
import { copyLine, createSongsSql, quoteIdent, SONG_COLUMNS } from "./schema.ts";
import { syntheticSong } from "./synthetic.ts";
import { songRowFromFile, trackIdOf } from "./sparkifySongs.ts";

export interface SeedOptions {
  /** Folder (or s3:// URI) of Sparkify song files; default env.sources.songs_path. */
  songsPath?: string;
  /** Extra deterministic synthetic songs. */
  scale?: number;
  log?: Logger;
}

export interface SeedResult {
  table: string;
  files: number;
  synthetic: number;
  rows: number;
}

/**
 * Replaces the content of `<catalog schema>.songs` with the Sparkify song files plus `scale` synthetic songs,
 * in one transaction (readers see the old catalog or the new one). Rows stream into COPY: bounded memory.
 */
export async function seedSongs(env: Environment, options: SeedOptions = {}): Promise<SeedResult> {
  const songsPath = env.resolvePath(options.songsPath ?? env.sources.songs_path);
  const scale = options.scale ?? 0;
  if (!Number.isSafeInteger(scale) || scale < 0) throw new LakehouseError("seed", `--scale must be a whole number ≥ 0, got ${scale}`, { field: "scale" });
  const files = await listSourceFiles(env, songsPath, (relative) => trackIdOf(relative) !== null);
  const schema = env.catalog_db.schema;
  const table = `${quoteIdent(schema)}.songs`;
  const total = files.length + scale;
  let done = 0;
  async function* lines(): AsyncGenerator<string> {
    for (const file of files) {
      const text = (await readSourceFile(file)).toString("utf8");
      yield copyLine(songRowFromFile(file.relative, text, `${songsPath}/${file.relative}`));
      if (++done % 1000 === 0) options.log?.progress("seed songs", done, total);
    }
    let batch = "";
    for (let i = 0; i < scale; i++) {
      batch += copyLine(syntheticSong(i, scale));
      if ((i + 1) % 2000 === 0) {
        yield batch;
        batch = "";
      }
      if (++done % 10000 === 0) options.log?.progress("seed songs", done, total);
    }
    if (batch) yield batch;
  }
  const rows = await withClient(env, "catalog", async (client) => {
    await client.query("begin");
    try {
      for (const sql of createSongsSql(schema)) await client.query(sql);
      // Readers wait for the commit and then see the new content, never a half-loaded table.
      await client.query(`truncate ${table}`);
      const copy = client.query(copyFrom(`copy ${table} (${SONG_COLUMNS.map(([n]) => n).join(", ")}) from stdin`));
      await pipeline(Readable.from(lines()), copy);
      const count = Number(copy.rowCount);
      await client.query("commit");
      return count;
    } catch (error) {
      await client.query("rollback").catch(() => undefined);
      if (error instanceof LakehouseError) throw error;
      const message = (error as Error).message;
      throw new LakehouseError("seed", `loading ${table} failed: ${message}`, { file: songsPath }, /duplicate key/.test(message) ? "two song files share a track id" : undefined, { cause: error });
    }
  });
  options.log?.progress("seed songs", total, total);
  return { table: `${schema}.songs`, files: files.length, synthetic: scale, rows };
}
