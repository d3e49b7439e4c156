/**
 * What the local catalog knows of a project's tables, for `sluice deploy
 * aws`: the columns the pipeline really wrote, as Glue/Hive types. The state
 * database is opened read-only (a `sluice start` may be running beside) and
 * never created or migrated: a project that never ran locally has no catalog.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { SluiceError } from '../core/errors.js';
import { toHiveType } from '../core/types.js';
import { stateFileOf } from '../runtime/project.js';
import { SqliteCatalog } from '../state/catalog.js';
import type { KnownTables } from './final-tables.js';

/** The tables of the local catalog of the project in `dir`, by qualified name; empty when the project never ran locally. */
export async function readLocalCatalogColumns(dir: string): Promise<KnownTables> {
  const file = stateFileOf(dir);
  const known: KnownTables = new Map();
  if (!fs.existsSync(file)) return known;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 10000');
    for (const t of await new SqliteCatalog(db).listTables()) {
      if (t.columns.length + t.partitionKeys.length === 0) continue;
      known.set(`${t.database}.${t.name}`, [
        ...t.columns.map((c) => ({ name: c.name, type: toHiveType(c.type) })),
        ...t.partitionKeys.map((c) => ({ name: c.name, type: toHiveType(c.type), partitionKey: true })),
      ]);
    }
  } catch (err) {
    throw new SluiceError(`cannot read the local catalog in ${file}: ${(err as Error).message}; run "sluice status" to check the state database`, {
      cause: err,
    });
  } finally {
    db?.close();
  }
  return known;
}
