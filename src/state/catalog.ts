/**
 * The data catalog (the Glue Data Catalog, locally): databases `processed` and
 * `final`, tables with their columns, partition keys, files (with lineage back
 * to raw keys) and every schema version. A table's schema is always the merge
 * of the files it holds now, so the catalog tells the truth about the zones.
 */
import { CatalogError, NotFoundError } from '../core/errors.js';
import { layoutWarning, TABLE_NAME } from '../core/keys.js';
import { describeDiff, diffSchemas, emptyDiff, mergeSchemas, misfit, type SchemaDiff } from '../core/schema.js';
import { type ColumnSchema, widenType } from '../core/types.js';
import type { Db } from './database.js';

export type CatalogDatabase = 'processed' | 'final';

/**
 * What a file that does not fit a table's schema does to it (Glue's
 * SchemaChangePolicy): `update` merges and versions the schema; `log` keeps
 * the schema and records the drift; `fail` refuses the file.
 */
export type SchemaChangePolicy = 'update' | 'log' | 'fail';

export interface CatalogTable {
  database: CatalogDatabase;
  name: string;
  location: string;
  format: string;
  columns: ColumnSchema[];
  partitionKeys: ColumnSchema[];
  version: number;
  createdAt: number;
  updatedAt: number;
  stats: { rows: number; bytes: number; files: number };
}

export interface CatalogFile {
  fileKey: string;
  sha256: string;
  sourceRawKey: string;
  sourceSha256: string;
  rows: number;
  bytes: number;
  columns: ColumnSchema[];
  partitionValues: Record<string, string>;
  updatedAt: number;
}

export interface CatalogVersion {
  version: number;
  columns: ColumnSchema[];
  partitionKeys: ColumnSchema[];
  diff: SchemaDiff;
  createdAt: number;
}

export interface FileRegistration extends Omit<CatalogFile, 'updatedAt'> {
  database: CatalogDatabase;
  table: string;
  location: string;
}

export interface TableChange {
  database: CatalogDatabase;
  table: string;
  version: number;
  /** Present when the schema changed (a new version was made). */
  diff?: SchemaDiff;
  /** The table ceased to exist (its last file left). */
  dropped?: boolean;
  /** `log`: the file was registered but the schema kept; what `update` would have changed. */
  drift?: SchemaDiff;
  /** `fail`: the file was not registered; what did not fit. The table is unchanged. */
  rejected?: SchemaDiff;
}

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

/** `final.orders` → ['final', 'orders']; refuses anything else. */
export function parseTableName(qualified: string): { database: CatalogDatabase; name: string } {
  const m = /^(processed|final)\.(.+)$/.exec(qualified);
  if (!m || !TABLE_NAME.test(m[2] as string)) throw new CatalogError(`"${qualified}" is not a table name; write processed.<table> or final.<table>`);
  return { database: m[1] as CatalogDatabase, name: m[2] as string };
}

/** `2024-03-05`, a real day (`2024-02-30` is not: JavaScript would roll it into March, DuckDB refuses it). */
function isCalendarDate(v: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const t = Date.parse(`${v}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === v;
}

/**
 * Partition keys typed from their folder values, unless the files declare the
 * column themselves (a job knows the type of the column it partitions by).
 */
function partitionKeysOf(files: readonly { partitionValues: Record<string, string>; columns?: readonly ColumnSchema[] }[]): ColumnSchema[] {
  const keys: string[] = [];
  for (const f of files) for (const k of Object.keys(f.partitionValues)) if (!keys.includes(k)) keys.push(k);
  return keys.map((name) => {
    const values = files.map((f) => f.partitionValues[name]);
    const present = values.filter((v): v is string => v !== undefined);
    const declared = files.flatMap((f) => f.columns?.filter((c) => c.name === name) ?? []);
    if (declared.length) {
      const type = declared.map((c) => c.type).reduce((a, b) => widenType(a, b));
      return { name, type, nullable: present.length < values.length, ...(declared[0]?.comment ? { comment: declared[0].comment } : {}) };
    }
    const type = present.every((v) => /^-?\d{1,18}$/.test(v)) ? 'BIGINT' : present.every(isCalendarDate) ? 'DATE' : 'VARCHAR';
    return { name, type, nullable: present.length < values.length };
  });
}

export class SqliteCatalog {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
    /** The schema change policy of a table; `update` unless configured. */
    private readonly policyOf: (database: CatalogDatabase, table: string) => SchemaChangePolicy = () => 'update',
  ) {}

  private toTable(row: TableRow): CatalogTable {
    const stats = this.db
      .prepare('SELECT coalesce(sum(rows), 0) AS rows, coalesce(sum(bytes), 0) AS bytes, count(*) AS files FROM catalog_files WHERE database = ? AND name = ?')
      .get(row.database, row.name) as { rows: number; bytes: number; files: number };
    return {
      database: row.database,
      name: row.name,
      location: row.location,
      format: row.format,
      columns: JSON.parse(row.columns),
      partitionKeys: JSON.parse(row.partition_keys),
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      stats,
    };
  }

  listTables(database?: CatalogDatabase): CatalogTable[] {
    const rows = (
      database
        ? this.db.prepare('SELECT * FROM catalog_tables WHERE database = ? ORDER BY database, name').all(database)
        : this.db.prepare('SELECT * FROM catalog_tables ORDER BY database DESC, name').all()
    ) as TableRow[];
    return rows.map((r) => this.toTable(r));
  }

  getTable(database: CatalogDatabase, name: string): CatalogTable | undefined {
    const row = this.db.prepare('SELECT * FROM catalog_tables WHERE database = ? AND name = ?').get(database, name) as TableRow | undefined;
    return row && this.toTable(row);
  }

  /** A table or a NotFoundError naming the tables that do exist. */
  requireTable(qualified: string): CatalogTable {
    const { database, name } = parseTableName(qualified);
    const t = this.getTable(database, name);
    if (!t) {
      const known = this.listTables().map((x) => `${x.database}.${x.name}`);
      throw new NotFoundError(
        'table',
        qualified,
        `no table ${qualified} in the catalog${known.length ? ` (tables: ${known.join(', ')})` : ' (it is empty: ingest a file first)'}`,
      );
    }
    return t;
  }

  /**
   * What a table's schema is derived from: each distinct pair of a file's
   * columns and partition values, in the order of the first file holding it.
   * Files of one table mostly share a schema and a table is re-derived on
   * every registration, so this stays a few rows however many files there are.
   */
  private schemaSources(database: CatalogDatabase, name: string): { columns: ColumnSchema[]; partitionValues: Record<string, string>; columnsText: string }[] {
    const rows = this.db
      .prepare(
        'SELECT columns, partition_values FROM catalog_files WHERE database = ? AND name = ? GROUP BY columns, partition_values ORDER BY min(seq), min(file_key)',
      )
      .all(database, name) as { columns: string; partition_values: string }[];
    const parsed = new Map<string, ColumnSchema[]>();
    return rows.map((r) => {
      let columns = parsed.get(r.columns);
      if (!columns) {
        columns = JSON.parse(r.columns) as ColumnSchema[];
        parsed.set(r.columns, columns);
      }
      return { columns, partitionValues: JSON.parse(r.partition_values), columnsText: r.columns };
    });
  }

  /** The keys of a table's files, in file order (without reading their schemas). */
  fileKeys(database: CatalogDatabase, name: string): string[] {
    return (
      this.db.prepare('SELECT file_key FROM catalog_files WHERE database = ? AND name = ? ORDER BY seq, file_key').all(database, name) as { file_key: string }[]
    ).map((r) => r.file_key);
  }

  /** One file of a table, if cataloged. */
  file(database: CatalogDatabase, name: string, fileKey: string): CatalogFile | undefined {
    return this.files(database, name, fileKey)[0];
  }

  files(database: CatalogDatabase, name: string, onlyKey?: string): CatalogFile[] {
    const rows = (
      onlyKey === undefined
        ? this.db.prepare('SELECT * FROM catalog_files WHERE database = ? AND name = ? ORDER BY seq, file_key').all(database, name)
        : this.db.prepare('SELECT * FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?').all(database, name, onlyKey)
    ) as {
      file_key: string;
      sha256: string;
      source_raw_key: string;
      source_sha256: string;
      rows: number;
      bytes: number;
      columns: string;
      partition_values: string;
      updated_at: number;
    }[];
    return rows.map((r) => ({
      fileKey: r.file_key,
      sha256: r.sha256,
      sourceRawKey: r.source_raw_key,
      sourceSha256: r.source_sha256,
      rows: r.rows,
      bytes: r.bytes,
      columns: JSON.parse(r.columns),
      partitionValues: JSON.parse(r.partition_values),
      updatedAt: r.updated_at,
    }));
  }

  versions(database: CatalogDatabase, name: string): CatalogVersion[] {
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

  /**
   * Add or replace one file of a table and re-derive the table's schema under
   * the table's change policy. Under `fail` a file that does not fit is not
   * registered and the change says why. Runs in the caller's transaction if any.
   */
  registerFile(registration: FileRegistration, opts: { fitByValue?: readonly string[] } = {}): TableChange {
    return this.db
      .transaction(() => {
        const policy = this.policyOf(registration.database, registration.table);
        const existing = this.tableRow(registration.database, registration.table);
        const reg = existing && hasSchema(existing) ? asTableTypes(registration, schemaOf(existing), opts.fitByValue ?? []) : registration;
        const fit = existing && hasSchema(existing) ? misfit(schemaOf(existing), [...reg.columns, ...partitionKeysOf([reg])]) : undefined;
        if (policy === 'fail' && fit && !emptyDiff(fit)) {
          return { database: reg.database, table: reg.table, version: existing?.version ?? 0, rejected: fit };
        }
        const now = this.now();
        const seq =
          (
            this.db.prepare('SELECT seq FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?').get(reg.database, reg.table, reg.fileKey) as
              | { seq: number }
              | undefined
          )?.seq ?? now;
        this.insertFile(reg.database, reg.table, reg, seq, now);
        const change = this.refreshTable(reg.database, reg.table, reg.location);
        return policy === 'log' && fit && !emptyDiff(fit) ? { ...change, drift: fit } : change;
      })
      .immediate();
  }

  /**
   * What a reader should know about a table: files at inconsistent folder
   * depths, and (under `log`) columns and types in its files that its schema
   * does not show.
   */
  warnings(database: CatalogDatabase, name: string): string[] {
    const row = this.tableRow(database, name);
    if (!row) return [];
    const files = this.files(database, name);
    const out: string[] = [];
    const layout = layoutWarning(
      `${database}.${name}`,
      files.map((f) => f.fileKey),
    );
    if (layout) out.push(layout);
    const drift = files.length && hasSchema(row) ? misfit(schemaOf(row), [...mergeSchemas(files.map((f) => f.columns)), ...partitionKeysOf(files)]) : undefined;
    if (this.policyOf(database, name) === 'log' && drift && !emptyDiff(drift)) {
      out.push(
        `the files hold columns or types the schema does not show (schemaChange: log): ${describeDiff(drift).join(', ')}; set schemaChange to update and run \`sluice catalog crawl --full\` to take them in`,
      );
    }
    return out;
  }

  /** Run `fn` in one write transaction (a job commits its catalog change and its bookmark together). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Add or replace one file row; `seq` orders the table's files (first registration first). */
  private insertFile(database: CatalogDatabase, table: string, f: Omit<FileRegistration, 'database' | 'table' | 'location'>, seq: number, now: number): void {
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

  /** The table's columns and partition keys, for a stage checking a file before registering it. */
  schema(database: CatalogDatabase, name: string): ColumnSchema[] | undefined {
    const row = this.tableRow(database, name);
    return row && hasSchema(row) ? schemaOf(row) : undefined;
  }

  private tableRow(database: CatalogDatabase, name: string): TableRow | undefined {
    return this.db.prepare('SELECT * FROM catalog_tables WHERE database = ? AND name = ?').get(database, name) as TableRow | undefined;
  }

  /**
   * Swap a set of files of a table for another in one transaction (a job's
   * commit): readers see the old files or the new ones, never a mix.
   */
  replaceFiles(
    database: CatalogDatabase,
    table: string,
    location: string,
    remove: readonly string[],
    add: readonly Omit<FileRegistration, 'database' | 'table' | 'location'>[],
  ): TableChange {
    return this.db
      .transaction(() => {
        const now = this.now();
        const del = this.db.prepare('DELETE FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?');
        for (const key of remove) del.run(database, table, key);
        for (const [i, f] of add.entries()) this.insertFile(database, table, f, now + i, now);
        return this.refreshTable(database, table, location);
      })
      .immediate();
  }

  /** Remove every file that came from a raw key (its newer version was quarantined or removed). */
  removeFilesFromSource(rawKey: string, database?: CatalogDatabase): TableChange[] {
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

  /** Remove one file (its object is gone from the zone). */
  removeFile(database: CatalogDatabase, name: string, fileKey: string): TableChange {
    return this.db
      .transaction(() => {
        this.db.prepare('DELETE FROM catalog_files WHERE database = ? AND name = ? AND file_key = ?').run(database, name, fileKey);
        return this.refreshTable(database, name);
      })
      .immediate();
  }

  /** Every file of a database, with its table. */
  allFiles(database: CatalogDatabase): (CatalogFile & { table: string })[] {
    const names = (this.db.prepare('SELECT name FROM catalog_tables WHERE database = ?').all(database) as { name: string }[]).map((r) => r.name);
    return names.flatMap((table) => this.files(database, table).map((f) => ({ ...f, table })));
  }

  /** The raw key behind a file of a database, if the file is cataloged. */
  sourceOfFile(database: CatalogDatabase, fileKey: string): string | undefined {
    const row = this.db.prepare('SELECT source_raw_key FROM catalog_files WHERE database = ? AND file_key = ?').get(database, fileKey) as
      | { source_raw_key: string }
      | undefined;
    return row?.source_raw_key;
  }

  /** Keys of the files in a table that came from a raw key. */
  fileKeysFromSource(database: CatalogDatabase, rawKey: string): string[] {
    return (
      this.db.prepare('SELECT file_key FROM catalog_files WHERE database = ? AND source_raw_key = ?').all(database, rawKey) as { file_key: string }[]
    ).map((r) => r.file_key);
  }

  private refreshTable(database: CatalogDatabase, name: string, location?: string): TableChange {
    const now = this.now();
    const files = this.schemaSources(database, name);
    const existing = this.tableRow(database, name);
    if (files.length === 0) {
      if (!existing) return { database, table: name, version: 0 };
      // A table with no files left keeps its history; its schema becomes empty in a new version.
      const before: ColumnSchema[] = JSON.parse(existing.columns);
      const version = existing.version + 1;
      const diff = diffSchemas(before, []);
      this.db
        .prepare('UPDATE catalog_tables SET columns = ?, partition_keys = ?, version = ?, updated_at = ? WHERE database = ? AND name = ?')
        .run('[]', '[]', version, now, database, name);
      this.insertVersion(database, name, version, [], [], diff);
      return { database, table: name, version, diff, dropped: true };
    }
    const partitionKeys = partitionKeysOf(files);
    const partitionNames = new Set(partitionKeys.map((p) => p.name));
    const columns = mergeDistinct(files).filter((c) => !partitionNames.has(c.name));
    if (!existing) {
      if (!location) throw new CatalogError(`table ${database}.${name} has no location`);
      this.db
        .prepare(
          `INSERT INTO catalog_tables (database, name, location, format, columns, partition_keys, version, created_at, updated_at)
           VALUES (?, ?, ?, 'parquet', ?, ?, 1, ?, ?)`,
        )
        .run(database, name, location, JSON.stringify(columns), JSON.stringify(partitionKeys), now, now);
      const diff = diffSchemas([], [...columns, ...partitionKeys]);
      this.insertVersion(database, name, 1, columns, partitionKeys, diff);
      return { database, table: name, version: 1, diff };
    }
    if (this.policyOf(database, name) !== 'update' && hasSchema(existing)) {
      // Under log and fail the schema is the contract: it stays as it is (columns no file holds read as NULL);
      // warnings() reports what the files hold beyond it.
      this.db.prepare('UPDATE catalog_tables SET updated_at = ? WHERE database = ? AND name = ?').run(now, database, name);
      return { database, table: name, version: existing.version };
    }
    const before = schemaOf(existing);
    const diff = diffSchemas(before, [...columns, ...partitionKeys]);
    const nullabilityChanged = existing.columns !== JSON.stringify(columns) || existing.partition_keys !== JSON.stringify(partitionKeys);
    if (emptyDiff(diff) && !nullabilityChanged) {
      this.db.prepare('UPDATE catalog_tables SET updated_at = ? WHERE database = ? AND name = ?').run(now, database, name);
      return { database, table: name, version: existing.version };
    }
    const version = existing.version + 1;
    this.db
      .prepare('UPDATE catalog_tables SET columns = ?, partition_keys = ?, version = ?, updated_at = ? WHERE database = ? AND name = ?')
      .run(JSON.stringify(columns), JSON.stringify(partitionKeys), version, now, database, name);
    this.insertVersion(database, name, version, columns, partitionKeys, diff);
    return { database, table: name, version, diff };
  }

  private insertVersion(database: string, name: string, version: number, columns: ColumnSchema[], partitionKeys: ColumnSchema[], diff: SchemaDiff): void {
    this.db
      .prepare('INSERT INTO catalog_versions (database, name, version, columns, partition_keys, diff, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(database, name, version, JSON.stringify(columns), JSON.stringify(partitionKeys), JSON.stringify(diff), this.now());
  }
}

/**
 * mergeSchemas over the files' column lists, each distinct list once in the
 * order it first appears: merging a list again changes nothing (types are
 * already widened to it, and its missing columns already made nullable).
 */
function mergeDistinct(files: readonly { columns: ColumnSchema[]; columnsText: string }[]): ColumnSchema[] {
  const seen = new Set<string>();
  const distinct: ColumnSchema[][] = [];
  for (const f of files) {
    if (seen.has(f.columnsText)) continue;
    seen.add(f.columnsText);
    distinct.push(f.columns);
  }
  return mergeSchemas(distinct);
}

/** A table whose files all left has an empty schema: the next file defines it afresh. */
function hasSchema(row: TableRow): boolean {
  return row.columns !== '[]' || row.partition_keys !== '[]';
}

function schemaOf(row: TableRow): ColumnSchema[] {
  return [...JSON.parse(row.columns), ...JSON.parse(row.partition_keys)];
}

/**
 * A file whose columns in `fitByValue` were checked value by value to convert
 * exactly to the table's types (whole numbers into a decimal column) is
 * cataloged with the table's types for them: readers cast to those types, and
 * the file then fits the schema under any policy.
 */
function asTableTypes(reg: FileRegistration, table: ColumnSchema[], fitByValue: readonly string[]): FileRegistration {
  if (fitByValue.length === 0) return reg;
  const types = new Map(table.map((c) => [c.name, c.type]));
  return { ...reg, columns: reg.columns.map((c) => (fitByValue.includes(c.name) ? { ...c, type: types.get(c.name) ?? c.type } : c)) };
}
