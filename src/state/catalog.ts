/**
 * The catalog port on the state database: tables, files, versions as rows.
 * What the rows become (schema merges, versions, the change policy) is decided
 * by the shared rules in `core/catalog.ts`; this file only stores and finds.
 * Methods are async to fit the port; each one's work is one synchronous
 * SQLite transaction, so no other caller sees it half done.
 */
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
  type SchemaSource,
  schemaOf,
  schemaSourcesOf,
  type TableChange,
  type TableSchemaState,
  tableChangeOf,
} from '../core/catalog.js';
import { CatalogError } from '../core/errors.js';
import type { SchemaDiff } from '../core/schema.js';
import type { ColumnSchema } from '../core/types.js';
import type { Catalog, FileSwap } from '../stages/ports.js';
import type { Db } from './database.js';
import { SqliteBookmarks } from './records.js';

interface TableRow {
  database: CatalogDatabase;
  name: string;
  location: string;
  format: string;
  columns: string;
  partition_keys: string;
  version: number;
  created_at: number;
  updated_at: number;
}

interface FileRow {
  file_key: string;
  sha256: string;
  source_raw_key: string;
  source_sha256: string;
  rows: number;
  bytes: number;
  columns: string;
  partition_values: string;
  updated_at: number;
}

function stateOf(row: TableRow): TableSchemaState {
  return { columns: JSON.parse(row.columns), partitionKeys: JSON.parse(row.partition_keys), version: row.version };
}

function toFile(r: FileRow): CatalogFile {
  return {
    fileKey: r.file_key,
    sha256: r.sha256,
    sourceRawKey: r.source_raw_key,
    sourceSha256: r.source_sha256,
    rows: r.rows,
    bytes: r.bytes,
    columns: JSON.parse(r.columns),
    partitionValues: JSON.parse(r.partition_values),
    updatedAt: r.updated_at,
  };
}

export class SqliteCatalog implements Catalog {
  private readonly bookmarks: SqliteBookmarks;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    /** The schema change policy of a table; `update` unless configured. */
    private readonly policyOf: (database: CatalogDatabase, table: string) => SchemaChangePolicy = () => 'update',
  ) {
    this.bookmarks = new SqliteBookmarks(db, now);
  }

  private toTable(row: TableRow): CatalogTable {
    const stats = this.db
      .prepare('SELECT coalesce(sum(rows), 0) AS rows, coalesce(sum(bytes), 0) AS bytes, count(*) AS files FROM catalog_files WHERE database = ? AND name = ?')
      .get(row.database, row.name) as { rows: number; bytes: number; files: number };
    const { columns, partitionKeys, version } = stateOf(row);
    return {
      database: row.database,
      name: row.name,
      location: row.location,
      format: row.format,
      columns,
      partitionKeys,
      version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      stats,
    };
  }

  async listTables(database?: CatalogDatabase): Promise<CatalogTable[]> {
    const rows = (
      database
        ? this.db.prepare('SELECT * FROM catalog_tables WHERE database = ? ORDER BY database, name').all(database)
        : this.db.prepare('SELECT * FROM catalog_tables ORDER BY database DESC, name').all()
    ) as TableRow[];
    return rows.map((r) => this.toTable(r));
  }

  async getTable(database: CatalogDatabase, name: string): Promise<CatalogTable | undefined> {
    const row = this.tableRow(database, name);
    return row && this.toTable(row);
  }

  async schema(database: CatalogDatabase, name: string): Promise<ColumnSchema[] | undefined> {
    const row = this.tableRow(database, name);
    return schemaOf(row && stateOf(row));
  }

  async fileKeys(database: CatalogDatabase, name: string): Promise<string[]> {
    return this.fileKeysNow(database, name);
  }

  async file(database: CatalogDatabase, name: string, fileKey: string): Promise<CatalogFile | undefined> {
    const row = this.db.prepare('SELECT * FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?').get(database, name, fileKey) as
      | FileRow
      | undefined;
    return row && toFile(row);
  }

  async files(database: CatalogDatabase, name: string): Promise<CatalogFile[]> {
    return this.filesNow(database, name);
  }

  async allFiles(database: CatalogDatabase): Promise<(CatalogFile & { table: string })[]> {
    const names = (this.db.prepare('SELECT name FROM catalog_tables WHERE database = ?').all(database) as { name: string }[]).map((r) => r.name);
    return names.flatMap((table) => this.filesNow(database, table).map((f) => ({ ...f, table })));
  }

  async versions(database: CatalogDatabase, name: string): Promise<CatalogVersion[]> {
    const rows = this.db.prepare('SELECT * FROM catalog_versions WHERE database = ? AND name = ? ORDER BY version').all(database, name) as {
      version: number;
      columns: string;
      partition_keys: string;
      diff: string;
      created_at: number;
    }[];
    return rows.map((r) => ({
      version: r.version,
      columns: JSON.parse(r.columns),
      partitionKeys: JSON.parse(r.partition_keys),
      diff: JSON.parse(r.diff),
      createdAt: r.created_at,
    }));
  }

  async sourceOfFile(database: CatalogDatabase, fileKey: string): Promise<string | undefined> {
    const row = this.db.prepare('SELECT source_raw_key FROM catalog_files WHERE database = ? AND file_key = ?').get(database, fileKey) as
      | { source_raw_key: string }
      | undefined;
    return row?.source_raw_key;
  }

  async fileKeysFromSource(database: CatalogDatabase, rawKey: string): Promise<string[]> {
    return (
      this.db.prepare('SELECT file_key FROM catalog_files WHERE database = ? AND source_raw_key = ?').all(database, rawKey) as { file_key: string }[]
    ).map((r) => r.file_key);
  }

  async registerFile(registration: FileRegistration, opts: { fitByValue?: readonly string[] } = {}): Promise<TableChange> {
    return this.db
      .transaction((): TableChange => {
        const { database, table } = registration;
        const existing = this.tableRow(database, table);
        const plan = planRegistration(existing && stateOf(existing), registration, this.policyOf(database, table), opts.fitByValue);
        if ('rejected' in plan) return { database, table, version: existing?.version ?? 0, rejected: plan.rejected };
        const reg = plan.register;
        const now = this.now();
        const seq =
          (
            this.db.prepare('SELECT seq FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?').get(database, table, reg.fileKey) as
              | { seq: number }
              | undefined
          )?.seq ?? now;
        this.insertFile(database, table, reg, seq, now);
        const change = this.refreshTable(database, table, reg.location);
        return plan.drift ? { ...change, drift: plan.drift } : change;
      })
      .immediate();
  }

  async replaceFiles({ database, table, location, remove, add, bookmarks }: FileSwap): Promise<TableChange> {
    return this.db
      .transaction(() => {
        const now = this.now();
        const del = this.db.prepare('DELETE FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?');
        for (const key of remove) del.run(database, table, key);
        for (const [i, f] of add.entries()) this.insertFile(database, table, f, now + i, now);
        if (bookmarks) this.bookmarks.applyNow(bookmarks);
        return this.refreshTable(database, table, location);
      })
      .immediate();
  }

  async removeFilesFromSource(rawKey: string, database?: CatalogDatabase): Promise<TableChange[]> {
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare(`SELECT DISTINCT database, name FROM catalog_files WHERE source_raw_key = ? ${database ? 'AND database = ?' : ''}`)
          .all(...(database ? [rawKey, database] : [rawKey])) as { database: CatalogDatabase; name: string }[];
        const changes: TableChange[] = [];
        for (const r of rows) {
          this.db.prepare('DELETE FROM catalog_files WHERE database = ? AND name = ? AND source_raw_key = ?').run(r.database, r.name, rawKey);
          changes.push(this.refreshTable(r.database, r.name));
        }
        return changes;
      })
      .immediate();
  }

  async removeFile(database: CatalogDatabase, name: string, fileKey: string): Promise<TableChange> {
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?').run(database, name, fileKey);
        return this.refreshTable(database, name);
      })
      .immediate();
  }

  private fileKeysNow(database: CatalogDatabase, name: string): string[] {
    return (
      this.db.prepare('SELECT file_key FROM catalog_files WHERE database = ? AND name = ? ORDER BY seq, file_key').all(database, name) as { file_key: string }[]
    ).map((r) => r.file_key);
  }

  private filesNow(database: CatalogDatabase, name: string): CatalogFile[] {
    return (this.db.prepare('SELECT * FROM catalog_files WHERE database = ? AND name = ? ORDER BY seq, file_key').all(database, name) as FileRow[]).map(toFile);
  }

  private tableRow(database: CatalogDatabase, name: string): TableRow | undefined {
    return this.db.prepare('SELECT * FROM catalog_tables WHERE database = ? AND name = ?').get(database, name) as TableRow | undefined;
  }

  /** Add or replace one file row; `seq` orders the table's files (first registration first). */
  private insertFile(database: CatalogDatabase, table: string, f: FileEntry, seq: number, now: number): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO catalog_files (database, name, file_key, sha256, source_raw_key, source_sha256, rows, bytes, columns, partition_values, seq, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        database,
        table,
        f.fileKey,
        f.sha256,
        f.sourceRawKey,
        f.sourceSha256,
        f.rows,
        f.bytes,
        JSON.stringify(f.columns),
        JSON.stringify(f.partitionValues),
        seq,
        now,
      );
  }

  /**
   * What a table's schema is derived from: each distinct pair of a file's
   * columns and partition values, in the order of the first file holding it.
   * Files of one table mostly share a schema and a table is re-derived on
   * every registration, so this stays a few rows however many files there are.
   */
  private schemaSources(database: CatalogDatabase, name: string): SchemaSource[] {
    const rows = this.db
      .prepare(
        'SELECT columns, partition_values AS partitionValues FROM catalog_files WHERE database = ? AND name = ? GROUP BY columns, partition_values ORDER BY min(seq), min(file_key)',
      )
      .all(database, name) as { columns: string; partitionValues: string }[];
    return schemaSourcesOf(rows);
  }

  /** Store what `deriveTable` makes of the table's files now. */
  private refreshTable(database: CatalogDatabase, name: string, location?: string): TableChange {
    const now = this.now();
    const existing = this.tableRow(database, name);
    const next = deriveTable(existing && stateOf(existing), this.schemaSources(database, name), this.policyOf(database, name));
    const change = tableChangeOf(database, name, next);
    if (!next.schema) {
      if (existing) this.db.prepare('UPDATE catalog_tables SET updated_at = ? WHERE database = ? AND name = ?').run(now, database, name);
      return change;
    }
    const { columns, partitionKeys } = next.schema;
    if (next.create) {
      if (!location) throw new CatalogError(`table ${database}.${name} has no location`);
      this.db
        .prepare(
          `INSERT INTO catalog_tables (database, name, location, format, columns, partition_keys, version, created_at, updated_at)
           VALUES (?, ?, ?, 'parquet', ?, ?, ?, ?, ?)`,
        )
        .run(database, name, location, JSON.stringify(columns), JSON.stringify(partitionKeys), next.version, now, now);
    } else {
      this.db
        .prepare('UPDATE catalog_tables SET columns = ?, partition_keys = ?, version = ?, updated_at = ? WHERE database = ? AND name = ?')
        .run(JSON.stringify(columns), JSON.stringify(partitionKeys), next.version, now, database, name);
    }
    this.insertVersion(database, name, next.version, columns, partitionKeys, next.diff as SchemaDiff);
    return change;
  }

  private insertVersion(database: string, name: string, version: number, columns: ColumnSchema[], partitionKeys: ColumnSchema[], diff: SchemaDiff): void {
    this.db
      .prepare('INSERT INTO catalog_versions (database, name, version, columns, partition_keys, diff, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(database, name, version, JSON.stringify(columns), JSON.stringify(partitionKeys), JSON.stringify(diff), this.now());
  }
}
