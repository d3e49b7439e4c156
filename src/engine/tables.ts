/** A catalog table as the engine reads it: its files' paths, partition folders and types. */
import { partitionFoldersOf } from '../core/keys.js';
import { mergeSchemas } from '../core/schema.js';
import type { CatalogFile, CatalogTable } from '../state/catalog.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { QueryTable } from './query.js';

/** `files` defaults to all of the table's files; a job reading one input file passes just that one. */
export function queryTableOf(t: CatalogTable, files: readonly CatalogFile[], zone: Pick<ObjectStore, 'uri'>): QueryTable {
  return {
    database: t.database,
    name: t.name,
    columns: t.columns,
    partitionKeys: t.partitionKeys,
    files: files.map((f) => ({ path: zone.uri(f.fileKey), partitions: partitionFoldersOf(f.fileKey) })),
    fileTypes: Object.fromEntries([
      ...mergeSchemas(files.map((f) => f.columns)).map((c) => [c.name, c.type]),
      // Partition values come from folder names, read with the type the catalog gave them.
      ...t.partitionKeys.map((k) => [k.name, k.type]),
    ]),
  };
}
