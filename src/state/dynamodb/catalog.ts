/**
 * The catalog port on DynamoDB: tables, files and schema versions as items of
 * the catalog table (see tables.ts for the keys). What the items become is
 * decided by the shared rules in `core/catalog.ts`, as for SQLite; this file
 * reads, asks the rules, and writes.
 *
 * - Every write (a registration, a swap, a removal) reads the table item and
 *   the table's files consistently, plans with the rules, and writes the
 *   table item, the files it adds or removes, the new schema version and (for
 *   a swap) the job's bookmarks in one transaction, conditioned on the table
 *   item's revision (`rev`, bumped by every write; the schema version only
 *   moves when the schema does, so it cannot serve). A write planned on a
 *   read that went stale is refused and planned again, as in queue.ts.
 * - The table item carries the table's stats (rows, bytes, files), computed
 *   in the same plan from the files it read, so `getTable` is one read.
 * - A transaction takes at most 100 writes: the table item, the schema
 *   version and one per file added or removed and per bookmark moved. Beyond
 *   that a write is a StateError and changes nothing. It is not split into
 *   chunks: file items are what readers read, so a swap written in parts
 *   would show readers a mix of old and new files, which the port forbids.
 *   A commit fits while the files it adds and removes and the bookmarks it
 *   moves come to 98 or fewer; a job writing more needs fewer, larger files
 *   (or a backend whose readers go through a manifest).
 * - Each write reads all of the table's files (the schema is derived from
 *   them, as on SQLite): a write costs reads in proportion to the table's
 *   files, a page per 1 MB of file items.
 * - `removeFilesFromSource` touches each table in a transaction of its own
 *   (SQLite does all in one): a raw key's files in two tables are removed
 *   table by table, each table consistent on its own.
 * - `sourceOfFile`, `fileKeysFromSource` and `removeFilesFromSource` find
 *   files through global indexes, which on DynamoDB trail a write by well
 *   under a second: a file registered a moment ago may not be found yet. The
 *   files removed from a table found that way are chosen again from a
 *   consistent read of that table.
 * - Columns, partition values and diffs are stored as JSON strings.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  type CatalogDatabase,
  type CatalogFile,
  type CatalogTable,
  type CatalogVersion,
  deriveTable,
  type FileEntry,
  type FileRegistration,
  planRegistration,
  type SchemaChangePolicy,
  schemaOf,
  schemaSourcesOf,
  type TableChange,
  type TableSchemaState,
  tableChangeOf,
} from '../../core/catalog.js';
import { CatalogError, StateError } from '../../core/errors.js';
import type { ColumnSchema } from '../../core/types.js';
import type { Catalog, FileSwap } from '../../stages/ports.js';
import { bookmarkEditItems } from './bookmarks.js';
import { queryAll, type TransactItem, transactWrite, withStateErrors } from './client.js';
import { CATALOG_BY_FILE, CATALOG_BY_SOURCE, type TableNames } from './tables.js';

const DATABASES: readonly CatalogDatabase[] = ['processed', 'final'];
/** How often a write planned on a read that went stale is planned again before giving up. */
const MAX_REPLANS = 20;

interface Key {
  pk: string;
  sk: string;
}

/** A table, its schema as JSON, its stats as attributes, and the revision every write bumps. */
type TableItem = Key &
  Omit<CatalogTable, 'columns' | 'partitionKeys' | 'stats'> & { columns: string; partitionKeys: string; rev: number } & CatalogTable['stats'];

/** A file, its columns and partition values as JSON, with its place in file order and the keys of the indexes. */
type FileItem = Key &
  Omit<CatalogFile, 'columns' | 'partitionValues'> & { columns: string; partitionValues: string; seq: number; fileRef: string; sourceRef: string };

interface VersionItem extends Key {
  version: number;
  columns: string;
  partitionKeys: string;
  diff: string;
  createdAt: number;
}

const tableKey = (database: CatalogDatabase, name: string): Key => ({ pk: `D#${database}`, sk: name });
const filesPk = (database: CatalogDatabase, name: string) => `F#${database}#${name}`;
const versionKey = (database: CatalogDatabase, name: string, version: number): Key => ({
  pk: `V#${database}#${name}`,
  sk: String(version).padStart(10, '0'),
});
const fileRef = (database: CatalogDatabase, fileKey: string) => `${database}#${fileKey}`;
const sourceRef = (database: CatalogDatabase, rawKey: string) => `${database}#${rawKey}`;

function stateOf(item: TableItem): TableSchemaState {
  return { columns: JSON.parse(item.columns), partitionKeys: JSON.parse(item.partitionKeys), version: item.version };
}

function toTable({ pk: _pk, sk: _sk, rev: _rev, columns, partitionKeys, rows, bytes, files, ...table }: TableItem): CatalogTable {
  return { ...table, columns: JSON.parse(columns), partitionKeys: JSON.parse(partitionKeys), stats: { rows, bytes, files } };
}

function toFile({ pk: _pk, sk: _sk, seq: _seq, fileRef: _fileRef, sourceRef: _sourceRef, columns, partitionValues, ...file }: FileItem): CatalogFile {
  return { ...file, columns: JSON.parse(columns), partitionValues: JSON.parse(partitionValues) };
}

/** File order: first registration first, files registered at the same instant by key. */
function inFileOrder(items: FileItem[]): FileItem[] {
  return items.sort((a, b) => a.seq - b.seq || (a.fileKey < b.fileKey ? -1 : a.fileKey > b.fileKey ? 1 : 0));
}

/** What one write does to a table's files, planned from what was read. */
interface FilePlan {
  put?: FileItem[];
  remove?: readonly string[];
  /** Writes to other tables that commit with the files (a job's bookmarks). */
  with?: TransactItem[];
  /** The table's location, should the write create it. */
  location?: string;
  /** The change to report, from the one the files make. */
  report?: (change: TableChange) => TableChange;
}

export class DynamoCatalog implements Catalog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tables: Pick<TableNames, 'catalog' | 'bookmarks'>,
    private readonly now: () => number = Date.now,
    /** The schema change policy of a table; `update` unless configured. */
    private readonly policyOf: (database: CatalogDatabase, table: string) => SchemaChangePolicy = () => 'update',
  ) {}

  async listTables(database?: CatalogDatabase): Promise<CatalogTable[]> {
    const out: CatalogTable[] = [];
    for (const db of database ? [database] : DATABASES) {
      const items = await queryAll<TableItem>(this.doc, {
        TableName: this.tables.catalog,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': tableKey(db, '').pk },
        ConsistentRead: true,
      });
      out.push(...items.map(toTable));
    }
    return out;
  }

  async getTable(database: CatalogDatabase, name: string): Promise<CatalogTable | undefined> {
    const item = await this.tableItem(database, name);
    return item && toTable(item);
  }

  async schema(database: CatalogDatabase, name: string): Promise<ColumnSchema[] | undefined> {
    const item = await this.tableItem(database, name);
    return schemaOf(item && stateOf(item));
  }

  async files(database: CatalogDatabase, name: string): Promise<CatalogFile[]> {
    return (await this.fileItems(database, name)).map(toFile);
  }

  async file(database: CatalogDatabase, name: string, fileKey: string): Promise<CatalogFile | undefined> {
    const out = await withStateErrors('GetItem', this.tables.catalog, () =>
      this.doc.send(new GetCommand({ TableName: this.tables.catalog, Key: { pk: filesPk(database, name), sk: fileKey }, ConsistentRead: true })),
    );
    return out.Item && toFile(out.Item as FileItem);
  }

  async fileKeys(database: CatalogDatabase, name: string): Promise<string[]> {
    return (await this.fileItems(database, name)).map((f) => f.fileKey);
  }

  async allFiles(database: CatalogDatabase): Promise<(CatalogFile & { table: string })[]> {
    const out: (CatalogFile & { table: string })[] = [];
    for (const t of await this.listTables(database)) out.push(...(await this.files(database, t.name)).map((f) => ({ ...f, table: t.name })));
    return out;
  }

  async versions(database: CatalogDatabase, name: string): Promise<CatalogVersion[]> {
    const items = await queryAll<VersionItem>(this.doc, {
      TableName: this.tables.catalog,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': versionKey(database, name, 0).pk },
      ConsistentRead: true,
    });
    return items.map((v) => ({
      version: v.version,
      columns: JSON.parse(v.columns),
      partitionKeys: JSON.parse(v.partitionKeys),
      diff: JSON.parse(v.diff),
      createdAt: v.createdAt,
    }));
  }

  async sourceOfFile(database: CatalogDatabase, fileKey: string): Promise<string | undefined> {
    const [found] = await queryAll<{ sourceRawKey: string }>(
      this.doc,
      {
        TableName: this.tables.catalog,
        IndexName: CATALOG_BY_FILE,
        KeyConditionExpression: 'fileRef = :ref',
        ExpressionAttributeValues: { ':ref': fileRef(database, fileKey) },
      },
      1,
    );
    return found?.sourceRawKey;
  }

  async fileKeysFromSource(database: CatalogDatabase, rawKey: string): Promise<string[]> {
    return (await this.filesFromSource(database, rawKey)).map((f) => f.sk);
  }

  async registerFile(registration: FileRegistration, opts: { fitByValue?: readonly string[] } = {}): Promise<TableChange> {
    const { database, table } = registration;
    return this.write(database, table, 'registering a file', (existing, files, now) => {
      const plan = planRegistration(existing && stateOf(existing), registration, this.policyOf(database, table), opts.fitByValue);
      if ('rejected' in plan) return { database, table, version: existing?.version ?? 0, rejected: plan.rejected };
      const reg = plan.register;
      const seq = files.find((f) => f.fileKey === reg.fileKey)?.seq ?? now;
      const drift = plan.drift;
      return {
        put: [this.fileItem(database, table, reg, seq, now)],
        location: reg.location,
        ...(drift ? { report: (change: TableChange) => ({ ...change, drift }) } : {}),
      };
    });
  }

  async replaceFiles({ database, table, location, remove, add, bookmarks }: FileSwap): Promise<TableChange> {
    return this.write(database, table, `a swap of files in ${database}.${table}`, (_existing, _files, now) => ({
      remove,
      put: add.map((f, i) => this.fileItem(database, table, f, now + i, now)),
      location,
      ...(bookmarks ? { with: bookmarkEditItems(this.tables.bookmarks, bookmarks, now) } : {}),
    }));
  }

  async removeFile(database: CatalogDatabase, name: string, fileKey: string): Promise<TableChange> {
    return this.write(database, name, 'removing a file', () => ({ remove: [fileKey] }));
  }

  async removeFilesFromSource(rawKey: string, database?: CatalogDatabase): Promise<TableChange[]> {
    const changes: TableChange[] = [];
    for (const db of database ? [database] : DATABASES) {
      const prefix = filesPk(db, '');
      const tables = [...new Set((await this.filesFromSource(db, rawKey)).map((f) => f.pk.slice(prefix.length)))].sort();
      for (const table of tables) {
        changes.push(
          await this.write(db, table, `removing the files of ${rawKey}`, (_existing, files) => ({
            remove: files.filter((f) => f.sourceRawKey === rawKey).map((f) => f.fileKey),
          })),
        );
      }
    }
    return changes;
  }

  private async tableItem(database: CatalogDatabase, name: string): Promise<TableItem | undefined> {
    const out = await withStateErrors('GetItem', this.tables.catalog, () =>
      this.doc.send(new GetCommand({ TableName: this.tables.catalog, Key: tableKey(database, name), ConsistentRead: true })),
    );
    return out.Item as TableItem | undefined;
  }

  private async fileItems(database: CatalogDatabase, name: string): Promise<FileItem[]> {
    const items = await queryAll<FileItem>(this.doc, {
      TableName: this.tables.catalog,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': filesPk(database, name) },
      ConsistentRead: true,
    });
    return inFileOrder(items);
  }

  private filesFromSource(database: CatalogDatabase, rawKey: string): Promise<Key[]> {
    return queryAll<Key>(this.doc, {
      TableName: this.tables.catalog,
      IndexName: CATALOG_BY_SOURCE,
      KeyConditionExpression: 'sourceRef = :ref',
      ExpressionAttributeValues: { ':ref': sourceRef(database, rawKey) },
    });
  }

  private fileItem(database: CatalogDatabase, table: string, f: FileEntry, seq: number, now: number): FileItem {
    return {
      pk: filesPk(database, table),
      sk: f.fileKey,
      fileRef: fileRef(database, f.fileKey),
      sourceRef: sourceRef(database, f.sourceRawKey),
      fileKey: f.fileKey,
      sha256: f.sha256,
      sourceRawKey: f.sourceRawKey,
      sourceSha256: f.sourceSha256,
      rows: f.rows,
      bytes: f.bytes,
      columns: JSON.stringify(f.columns),
      partitionValues: JSON.stringify(f.partitionValues),
      seq,
      updatedAt: now,
    };
  }

  /**
   * Change a table's files and store what `deriveTable` makes of them, in one
   * transaction conditioned on the table item's revision; planned again from
   * fresh reads when another write got there first. `plan` may answer with a
   * change instead (a refused file), and nothing is written.
   */
  private async write(
    database: CatalogDatabase,
    name: string,
    what: string,
    plan: (existing: TableItem | undefined, files: FileItem[], now: number) => FilePlan | TableChange,
  ): Promise<TableChange> {
    const table = this.tables.catalog;
    for (let attempt = 0; attempt < MAX_REPLANS; attempt++) {
      const existing = await this.tableItem(database, name);
      const files = await this.fileItems(database, name);
      const now = this.now();
      const planned = plan(existing, files, now);
      if ('database' in planned) return planned;

      const put = planned.put ?? [];
      const putKeys = new Set(put.map((f) => f.fileKey));
      const removed = new Set((planned.remove ?? []).filter((key) => !putKeys.has(key)));
      const deletes = files.filter((f) => removed.has(f.fileKey));
      const after = inFileOrder([...files.filter((f) => !removed.has(f.fileKey) && !putKeys.has(f.fileKey)), ...put]);
      const next = deriveTable(existing && stateOf(existing), schemaSourcesOf(after), this.policyOf(database, name));
      const change = tableChangeOf(database, name, next);
      const report = planned.report ?? ((c: TableChange) => c);
      if (!existing && !next.schema) return report(change);
      if (next.create && !planned.location) throw new CatalogError(`table ${database}.${name} has no location`);

      const tableItem: TableItem = {
        ...tableKey(database, name),
        database,
        name,
        location: existing?.location ?? planned.location ?? '',
        format: existing?.format ?? 'parquet',
        columns: next.schema ? JSON.stringify(next.schema.columns) : (existing?.columns ?? '[]'),
        partitionKeys: next.schema ? JSON.stringify(next.schema.partitionKeys) : (existing?.partitionKeys ?? '[]'),
        version: next.version,
        rev: (existing?.rev ?? 0) + 1,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
        rows: after.reduce((sum, f) => sum + f.rows, 0),
        bytes: after.reduce((sum, f) => sum + f.bytes, 0),
        files: after.length,
      };
      const items: TransactItem[] = [
        {
          Put: {
            TableName: table,
            Item: tableItem,
            ...(existing
              ? { ConditionExpression: 'rev = :rev', ExpressionAttributeValues: { ':rev': existing.rev } }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        ...deletes.map((f) => ({ Delete: { TableName: table, Key: { pk: f.pk, sk: f.sk } } })),
        ...put.map((f) => ({ Put: { TableName: table, Item: f } })),
        ...(next.schema
          ? [
              {
                Put: {
                  TableName: table,
                  Item: {
                    ...versionKey(database, name, next.version),
                    version: next.version,
                    columns: JSON.stringify(next.schema.columns),
                    partitionKeys: JSON.stringify(next.schema.partitionKeys),
                    diff: JSON.stringify(next.diff),
                    createdAt: now,
                  } satisfies VersionItem,
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ]
          : []),
        ...(planned.with ?? []),
      ];
      if ((await transactWrite(this.doc, table, what, items)) === 'done') return report(change);
    }
    throw new StateError(`${what} kept meeting concurrent changes ${MAX_REPLANS} times in a row; try again`, `DynamoDB TransactWriteItems on ${table}`);
  }
}
