/**
 * A catalog table as the engine reads it: its files, partition folders and
 * types. Files are reached through the zone's object store: a local folder's
 * files are read in place; a remote zone's are copied into scratch space
 * first (through the local copy cache when one is given, so a file is
 * downloaded once for many queries) and given back by `release`.
 */
import type { CatalogFile, CatalogTable } from '../core/catalog.js';
import { partitionFoldersOf } from '../core/keys.js';
import { mergeSchemas } from '../core/schema.js';
import type { LocalCopyCache } from '../storage/copy-cache.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { QueryTable } from './query.js';

/** Tables ready for the engine, and the release of any copies made for them. */
export interface ReadableTables {
  tables: QueryTable[];
  release(): Promise<void>;
}

/**
 * Each table with `files` (all of its files, or one input file of a job) as
 * paths the engine can open.
 */
export async function readableTables(
  entries: readonly { table: CatalogTable; files: readonly CatalogFile[] }[],
  zoneOf: (t: CatalogTable) => ObjectStore,
  tmpDir: string,
  copies?: LocalCopyCache,
): Promise<ReadableTables> {
  const cleanups: (() => Promise<void>)[] = [];
  const release = async () => {
    for (const c of cleanups.splice(0)) await c().catch(() => {});
  };
  try {
    const tables: QueryTable[] = [];
    for (const { table, files } of entries) {
      const zone = zoneOf(table);
      const paths: string[] = [];
      for (const f of files) {
        const local = zone.localPath(f.fileKey);
        if (local !== undefined) {
          paths.push(local);
          continue;
        }
        if (copies) {
          const copy = await copies.acquire(zone, f.fileKey, f.sha256, tmpDir, f.bytes);
          cleanups.push(copy.release);
          paths.push(copy.path);
        } else {
          const copy = await zone.materialize(f.fileKey, tmpDir);
          cleanups.push(copy.cleanup);
          paths.push(copy.path);
        }
      }
      tables.push(queryTableOf(table, files, paths));
    }
    return { tables, release };
  } catch (err) {
    await release();
    throw err;
  }
}

function queryTableOf(t: CatalogTable, files: readonly CatalogFile[], paths: readonly string[]): QueryTable {
  return {
    database: t.database,
    name: t.name,
    columns: t.columns,
    partitionKeys: t.partitionKeys,
    files: files.map((f, i) => ({ path: paths[i] as string, partitions: partitionFoldersOf(f.fileKey) })),
    fileTypes: Object.fromEntries([
      ...mergeSchemas(files.map((f) => f.columns)).map((c) => [c.name, c.type]),
      // Partition values come from folder names, read with the type the catalog gave them.
      ...t.partitionKeys.map((k) => [k.name, k.type]),
    ]),
  };
}
