/**
 * Catalogs: where a table's current metadata file is recorded, swapped atomically at commit.
 *
 * `Catalog` is the interface (the Glue catalog implements it for production); `DirectoryCatalog` keeps the
 * pointer in the bucket next to the table, so it needs nothing but the Storage interface:
 *
 *   warehouse/silver/<table>/metadata/<NNNNN>-<uuid>.metadata.json   metadata file of version N (created
 *                                                                     once, never rewritten; tables made
 *                                                                     before this form have v<N>.metadata.json)
 *   warehouse/silver/<table>/metadata/v{N}.next            commit marker: the file name of version N+1
 *   warehouse/silver/<table>/metadata/v0.next              the table's first metadata (creation)
 *   warehouse/silver/<table>/metadata/version-hint.text    N of the current metadata (a hint, Hadoop-style)
 *
 * Commit = create the marker of the expected metadata with putIfAbsent: only one writer can create it, so
 * the swap is a compare-and-swap even across processes. The current metadata is found by following
 * markers from the hint (or from v0). A crash before the marker exists leaves the table where it was.
 */
import type { Storage } from "../storage/types.ts";
import { LakehouseError } from "../core/errors.ts";
import { keyOf, uriOf } from "./locations.ts";
import { readMetadataFile } from "./metadata-json.ts";
import type { TableMetadata } from "./types.ts";

export interface LoadedTable {
  /** URI of the current metadata file. */
  metadataLocation: string;
  metadata: TableMetadata;
}

export interface Catalog {
  /** Storage key of the root of a table (its location in the bucket). */
  tableKey(name: string): string;
  /** The current metadata of a table, or null when the catalog has no such table. */
  loadTable(name: string): Promise<LoadedTable | null>;
  /**
   * Points the table at `newMetadataLocation` if and only if it currently points at
   * `expectedMetadataLocation` (null: the table does not exist yet). Throws CommitConflictError otherwise.
   */
  commitTable(name: string, expectedMetadataLocation: string | null, newMetadataLocation: string): Promise<void>;
  listTables(): Promise<string[]>;
  dropTable?(name: string): Promise<void>;
  /** True for keys under the table that the catalog itself owns (vacuum keeps them). */
  isCatalogFile?(key: string): boolean;
}

export class CommitConflictError extends LakehouseError {
  constructor(
    readonly table: string,
    readonly expected: string | null,
    readonly actual: string | null,
  ) {
    super(
      "iceberg",
      `commit conflict on table ${table}: expected metadata ${expected ?? "(none)"}, found ${actual ?? "(none)"}`,
      { file: table },
      "another writer committed first; re-read the table and retry",
    );
    this.name = "CommitConflictError";
  }
}

/** `v<N>.metadata.json` (file-system tables) and `<NNNNN>-<uuid>.metadata.json` (metastore tables), gzip too. */
const VERSION_FILES = [/^v(\d+)(?:\.gz)?\.metadata\.json(?:\.gz)?$/, /^(\d+)-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?:\.gz)?\.metadata\.json(?:\.gz)?$/];

/**
 * N of a metadata file location in either form of the spec (0 for null: no table yet), or null for a file
 * named otherwise (another catalog's own scheme).
 */
export function metadataVersion(location: string | null): number | null {
  if (location === null) return 0;
  const name = location.slice(location.lastIndexOf("/") + 1);
  for (const pattern of VERSION_FILES) {
    const match = pattern.exec(name);
    if (match) return Number(match[1]);
  }
  return null;
}

/** {@link metadataVersion}, refusing a name without a version (the directory catalog needs one). */
function requireVersion(location: string | null): number {
  const version = metadataVersion(location);
  if (version === null) {
    throw new LakehouseError("iceberg", `not a versioned metadata file name: ${location}`, { file: location ?? undefined }, "metadata files are named <NNNNN>-<uuid>.metadata.json or v<N>.metadata.json");
  }
  return version;
}

/**
 * The current metadata of a directory-catalog table whose metadata directory is `dir` (the key of
 * `…/<table>/metadata`): follows the commit markers from the version hint (see the module comment).
 */
export async function currentByMarkers(storage: Storage, dir: string): Promise<{ version: number; location: string } | null> {
  const target = async (version: number) => (await storage.getIfExists(`${dir}/v${version}.next`))?.toString("utf8").trim() ?? null;
  const hint = await storage.getIfExists(`${dir}/version-hint.text`);
  let version = hint ? Number(hint.toString("utf8").trim()) : 0;
  if (!Number.isInteger(version) || version < 0) version = 0;
  // A hint is only written after its version committed, but it may be missing or behind: the marker
  // before it names its file; without that marker, start from the creation marker.
  let file = version > 0 ? await target(version - 1) : null;
  if (file === null || metadataVersion(file) !== version) {
    version = 0;
    file = null;
  }
  for (let steps = 0; ; steps++) {
    const next = await target(version);
    if (next === null) break;
    file = next;
    version = requireVersion(file);
    if (steps > 1_000_000) throw new LakehouseError("iceberg", `commit markers under ${dir} form a cycle`);
  }
  if (version === 0 || file === null) return null;
  return { version, location: uriOf(storage, `${dir}/${file}`) };
}

export class DirectoryCatalog implements Catalog {
  constructor(
    readonly storage: Storage,
    /** Key prefix of the namespace, e.g. `warehouse/silver`. */
    readonly root = "warehouse/silver",
  ) {}

  tableKey(name: string): string {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new LakehouseError("iceberg", `invalid table name "${name}"`);
    return `${this.root}/${name}`;
  }

  private metadataDir(name: string): string {
    return `${this.tableKey(name)}/metadata`;
  }

  private marker(name: string, version: number): string {
    return `${this.metadataDir(name)}/v${version}.next`;
  }

  /** Follows the commit markers to the current version: [N, location] or null when not created. */
  private current(name: string): Promise<{ version: number; location: string } | null> {
    return currentByMarkers(this.storage, this.metadataDir(name));
  }

  async loadTable(name: string): Promise<LoadedTable | null> {
    const current = await this.current(name);
    if (!current) return null;
    return { metadataLocation: current.location, metadata: await readMetadataFile(this.storage, current.location) };
  }

  async commitTable(name: string, expectedMetadataLocation: string | null, newMetadataLocation: string): Promise<void> {
    const dir = this.metadataDir(name);
    const newKey = keyOf(this.storage, newMetadataLocation);
    if (!newKey.startsWith(`${dir}/`) || !(await this.storage.exists(newKey))) {
      throw new LakehouseError("iceberg", `new metadata ${newMetadataLocation} is not a metadata file of table ${name}`);
    }
    const current = await this.current(name);
    const actual = current?.location ?? null;
    if (actual !== expectedMetadataLocation) throw new CommitConflictError(name, expectedMetadataLocation, actual);
    const expectedVersion = requireVersion(expectedMetadataLocation);
    const newVersion = requireVersion(newMetadataLocation);
    if (newVersion !== expectedVersion + 1) {
      throw new LakehouseError("iceberg", `new metadata ${newMetadataLocation} is version ${newVersion}, expected ${expectedVersion + 1}`, { file: newMetadataLocation });
    }
    const fileName = newKey.slice(newKey.lastIndexOf("/") + 1);
    const won = await this.storage.putIfAbsent(this.marker(name, expectedVersion), `${fileName}\n`);
    if (!won) throw new CommitConflictError(name, expectedMetadataLocation, (await this.current(name))?.location ?? null);
    // The hint only speeds up the next load; a failure here does not undo the commit.
    await this.storage.put(`${dir}/version-hint.text`, `${newVersion}\n`).catch(() => undefined);
  }

  async listTables(): Promise<string[]> {
    const names = new Set<string>();
    const pattern = new RegExp(`^${this.root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/([a-z][a-z0-9_]*)/metadata/v0\\.next$`);
    for (const object of await this.storage.list(`${this.root}/`)) {
      const match = pattern.exec(object.key);
      if (match) names.add(match[1]);
    }
    return [...names].sort();
  }

  async dropTable(name: string): Promise<void> {
    await this.storage.deletePrefix(`${this.tableKey(name)}/`);
  }

  isCatalogFile(key: string): boolean {
    return /\/metadata\/(v\d+\.next|version-hint\.text)$/.test(key);
  }
}
