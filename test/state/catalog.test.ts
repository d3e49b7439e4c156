import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/core/errors.js';
import type { ColumnSchema } from '../../src/core/types.js';
import { type FileRegistration, parseTableName, SqliteCatalog } from '../../src/state/catalog.js';
import { type Db, openStateDb } from '../../src/state/database.js';

const T0 = 1_700_000_000_000;

const col = (name: string, type: string, nullable = false): ColumnSchema => ({ name, type, nullable });

const SALES_COLUMNS = [col('id', 'BIGINT'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'DATE')];

function fileRegistration(overrides: Partial<FileRegistration> = {}): FileRegistration {
  const fileKey = overrides.fileKey ?? 'sales/2024-03.parquet';
  return {
    database: 'processed',
    table: 'sales',
    location: 'data/processed/sales',
    fileKey,
    sha256: `sha-of-${fileKey}`,
    sourceRawKey: fileKey.replace(/\.parquet$/, '.csv'),
    sourceSha256: `raw-sha-of-${fileKey}`,
    rows: 100,
    bytes: 2_048,
    columns: SALES_COLUMNS,
    partitionValues: {},
    ...overrides,
  };
}

describe('SqliteCatalog', () => {
  let dir: string;
  let db: Db;
  let now: number;
  let catalog: SqliteCatalog;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-catalog-'));
    db = openStateDb(path.join(dir, 'state.db'));
    now = T0;
    catalog = new SqliteCatalog(db, () => now);
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('registerFile', () => {
    it('creates version 1 of a table with the columns of its first file', () => {
      // Act
      const change = catalog.registerFile(fileRegistration());

      // Assess
      expect(change).toMatchObject({ database: 'processed', table: 'sales', version: 1 });
      expect(change.diff?.added.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on']);
      expect(catalog.getTable('processed', 'sales')).toMatchObject({
        location: 'data/processed/sales',
        format: 'parquet',
        columns: SALES_COLUMNS,
        partitionKeys: [],
        version: 1,
        createdAt: T0,
        updatedAt: T0,
      });
      expect(catalog.files('processed', 'sales').map((f) => f.fileKey)).toEqual(['sales/2024-03.parquet']);
    });

    it('changes nothing when the same file is registered again', () => {
      // Prepare
      catalog.registerFile(fileRegistration());
      now += 60_000;

      // Act
      const change = catalog.registerFile(fileRegistration());

      // Assess
      expect(change.version).toBe(1);
      expect(change.diff).toBeUndefined();
      const table = catalog.getTable('processed', 'sales');
      expect(table).toMatchObject({ version: 1, columns: SALES_COLUMNS, stats: { rows: 100, bytes: 2_048, files: 1 } });
      expect(catalog.versions('processed', 'sales')).toHaveLength(1);
    });

    it('makes version 2 when a second file brings an extra column, which is nullable', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      now += 1_000;

      // Act
      const change = catalog.registerFile(fileRegistration({ fileKey: 'sales/2024-04.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));

      // Assess
      expect(change.version).toBe(2);
      expect(change.diff).toMatchObject({ added: [col('channel', 'VARCHAR', true)], removed: [], widened: [], changed: [] });
      const columns = catalog.getTable('processed', 'sales')?.columns;
      expect(columns?.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on', 'channel']);
      expect(columns?.find((c) => c.name === 'channel')?.nullable).toBe(true);
      expect(columns?.find((c) => c.name === 'id')?.nullable).toBe(false);
    });

    it('keeps a column nullable when only the earlier-sorted file has it', () => {
      // Prepare: same clock, so the files sort by key and the one with the extra column comes first.
      catalog.registerFile(fileRegistration({ fileKey: 'sales/b.parquet' }));

      // Act
      catalog.registerFile(fileRegistration({ fileKey: 'sales/a.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));

      // Assess
      expect(catalog.getTable('processed', 'sales')?.columns.find((c) => c.name === 'channel')).toEqual(col('channel', 'VARCHAR', true));
    });

    it('widens INTEGER to BIGINT when a later file needs it', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/1.parquet', columns: [col('id', 'INTEGER'), col('qty', 'INTEGER')] }));

      // Act
      const change = catalog.registerFile(fileRegistration({ fileKey: 'sales/2.parquet', columns: [col('id', 'INTEGER'), col('qty', 'BIGINT')] }));

      // Assess
      expect(change.version).toBe(2);
      expect(change.diff?.widened).toEqual([{ name: 'qty', from: 'INTEGER', to: 'BIGINT' }]);
      expect(change.diff?.changed).toEqual([]);
      expect(catalog.getTable('processed', 'sales')?.columns).toEqual([col('id', 'INTEGER'), col('qty', 'BIGINT')]);
    });

    it('widens BIGINT and DECIMAL(18,2) to a decimal that holds both', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/1.parquet', columns: [col('amount', 'BIGINT')] }));

      // Act
      const change = catalog.registerFile(fileRegistration({ fileKey: 'sales/2.parquet', columns: [col('amount', 'DECIMAL(18,2)')] }));

      // Assess
      expect(change.diff?.widened).toEqual([{ name: 'amount', from: 'BIGINT', to: 'DECIMAL(21,2)' }]);
      expect(catalog.getTable('processed', 'sales')?.columns).toEqual([col('amount', 'DECIMAL(21,2)')]);
    });

    it('reports a removed column when a replaced file no longer has it', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ columns: [col('id', 'BIGINT'), col('note', 'VARCHAR')] }));
      now += 1_000;

      // Act
      const change = catalog.registerFile(fileRegistration({ sha256: 'sha-2', columns: [col('id', 'BIGINT')] }));

      // Assess
      expect(change.version).toBe(2);
      expect(change.diff?.removed).toEqual([col('note', 'VARCHAR')]);
      expect(catalog.getTable('processed', 'sales')?.columns).toEqual([col('id', 'BIGINT')]);
      expect(catalog.files('processed', 'sales')).toMatchObject([{ sha256: 'sha-2', updatedAt: T0 + 1_000 }]);
    });

    it('makes a new version when only nullability changes', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ columns: [col('id', 'BIGINT')] }));

      // Act
      const change = catalog.registerFile(fileRegistration({ columns: [col('id', 'BIGINT', true)] }));

      // Assess
      expect(change.version).toBe(2);
      expect(catalog.getTable('processed', 'sales')?.columns).toEqual([col('id', 'BIGINT', true)]);
    });

    it('turns integer partition values into a BIGINT partition key, not a column', () => {
      // Act
      catalog.registerFile(
        fileRegistration({ fileKey: 'sales/year=2024/a.parquet', columns: [...SALES_COLUMNS, col('year', 'BIGINT')], partitionValues: { year: '2024' } }),
      );

      // Assess
      const table = catalog.getTable('processed', 'sales');
      expect(table?.partitionKeys).toEqual([col('year', 'BIGINT')]);
      expect(table?.columns.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on']);
      expect(catalog.files('processed', 'sales')[0]?.partitionValues).toEqual({ year: '2024' });
    });

    it('makes a partition key VARCHAR once a value is not an integer', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/region=1/a.parquet', partitionValues: { region: '1' } }));

      // Act
      const change = catalog.registerFile(fileRegistration({ fileKey: 'sales/region=eu/a.parquet', partitionValues: { region: 'eu' } }));

      // Assess
      expect(change.version).toBe(2);
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('region', 'VARCHAR')]);
    });

    it('marks a partition key nullable once a file of the table lacks it', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/region=eu/a.parquet', partitionValues: { region: 'eu' } }));

      // Act
      catalog.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', partitionValues: {} }));

      // Assess: the stored table matches the merge of the files it holds now.
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('region', 'VARCHAR', true)]);
    });

    it('refuses to create a table without a location', () => {
      // Act
      const act = () => catalog.registerFile(fileRegistration({ location: '' }));

      // Assess
      expect(act).toThrow(CatalogError);
      expect(catalog.listTables()).toEqual([]);
      expect(catalog.files('processed', 'sales')).toEqual([]);
    });
  });

  describe('stats and listing', () => {
    it('sums rows, bytes and files of a table', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/1.parquet', rows: 10, bytes: 1_000 }));
      catalog.registerFile(fileRegistration({ fileKey: 'sales/2.parquet', rows: 25, bytes: 3_000 }));
      catalog.registerFile(fileRegistration({ fileKey: 'sales/2.parquet', rows: 30, bytes: 3_500 }));
      catalog.registerFile(fileRegistration({ table: 'orders', fileKey: 'orders/1.parquet', rows: 7, bytes: 70 }));

      // Act
      const sales = catalog.getTable('processed', 'sales');

      // Assess
      expect(sales?.stats).toEqual({ rows: 40, bytes: 4_500, files: 2 });
      expect(catalog.getTable('processed', 'orders')?.stats).toEqual({ rows: 7, bytes: 70, files: 1 });
    });

    it('lists tables by database and name', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ table: 'sales' }));
      catalog.registerFile(fileRegistration({ table: 'customers', fileKey: 'customers/a.parquet' }));
      catalog.registerFile(fileRegistration({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' }));

      // Act
      const all = catalog.listTables().map((t) => `${t.database}.${t.name}`);
      const processed = catalog.listTables('processed').map((t) => t.name);

      // Assess
      expect(all).toEqual(['processed.customers', 'processed.sales', 'final.revenue']);
      expect(processed).toEqual(['customers', 'sales']);
    });
  });

  describe('removing files', () => {
    it('removeFilesFromSource drops the files of a raw key and bumps the versions', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/a.parquet', sourceRawKey: 'sales/a.csv' }));
      catalog.registerFile(
        fileRegistration({ fileKey: 'sales/b.parquet', sourceRawKey: 'sales/b.csv', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }),
      );
      catalog.registerFile(fileRegistration({ table: 'returns', fileKey: 'returns/b.parquet', sourceRawKey: 'sales/b.csv' }));
      now += 1_000;

      // Act
      const changes = catalog.removeFilesFromSource('sales/b.csv');

      // Assess
      const byTable = Object.fromEntries(changes.map((c) => [c.table, c]));
      expect(changes).toHaveLength(2);
      expect(byTable.sales).toMatchObject({ version: 3, diff: { removed: [col('channel', 'VARCHAR', true)] } });
      expect(byTable.sales?.dropped).toBeUndefined();
      expect(byTable.returns).toMatchObject({ version: 2, dropped: true });
      expect(catalog.files('processed', 'sales').map((f) => f.fileKey)).toEqual(['sales/a.parquet']);
      expect(catalog.getTable('processed', 'sales')?.stats.files).toBe(1);
      expect(catalog.getTable('processed', 'returns')).toMatchObject({ version: 2, columns: [], stats: { rows: 0, bytes: 0, files: 0 } });
    });

    it('removeFilesFromSource keeps the version when the schema stays the same', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/a.parquet', sourceRawKey: 'sales/a.csv' }));
      catalog.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', sourceRawKey: 'sales/b.csv' }));

      // Act
      const changes = catalog.removeFilesFromSource('sales/b.csv');

      // Assess
      expect(changes).toEqual([{ database: 'processed', table: 'sales', version: 1 }]);
      expect(catalog.getTable('processed', 'sales')?.stats.files).toBe(1);
    });

    it('removeFilesFromSource can be limited to one database', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/a.parquet', sourceRawKey: 'sales/a.csv' }));
      catalog.registerFile(fileRegistration({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet', sourceRawKey: 'sales/a.csv' }));

      // Act
      const changes = catalog.removeFilesFromSource('sales/a.csv', 'final');

      // Assess
      expect(changes.map((c) => `${c.database}.${c.table}`)).toEqual(['final.revenue']);
      expect(catalog.files('processed', 'sales')).toHaveLength(1);
      expect(catalog.fileKeysFromSource('final', 'sales/a.csv')).toEqual([]);
      expect(catalog.fileKeysFromSource('processed', 'sales/a.csv')).toEqual(['sales/a.parquet']);
    });

    it('removeFile drops one file and a table that comes back gets a new version', () => {
      // Prepare
      catalog.registerFile(fileRegistration());
      catalog.removeFile('processed', 'sales', 'sales/2024-03.parquet');

      // Act
      const change = catalog.registerFile(fileRegistration());

      // Assess
      expect(change.version).toBe(3);
      expect(change.diff?.added.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on']);
      expect(catalog.getTable('processed', 'sales')?.columns).toEqual(SALES_COLUMNS);
    });
  });

  describe('versions', () => {
    it('keeps the history of every schema version with its diff', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/1.parquet', columns: [col('id', 'INTEGER')] }));
      now += 1_000;
      catalog.registerFile(fileRegistration({ fileKey: 'sales/2.parquet', columns: [col('id', 'BIGINT'), col('note', 'VARCHAR')] }));
      now += 1_000;
      catalog.registerFile(fileRegistration({ fileKey: 'sales/2.parquet', columns: [col('id', 'BIGINT'), col('note', 'VARCHAR')] }));

      // Act
      const versions = catalog.versions('processed', 'sales');

      // Assess
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      expect(versions[0]).toMatchObject({ columns: [col('id', 'INTEGER')], createdAt: T0, diff: { added: [col('id', 'INTEGER')] } });
      expect(versions[1]).toMatchObject({
        columns: [col('id', 'BIGINT'), col('note', 'VARCHAR', true)],
        createdAt: T0 + 1_000,
        diff: { added: [col('note', 'VARCHAR', true)], widened: [{ name: 'id', from: 'INTEGER', to: 'BIGINT' }] },
      });
      expect(catalog.versions('processed', 'unknown')).toEqual([]);
    });
  });

  describe('requireTable and parseTableName', () => {
    it('requireTable returns a known table', () => {
      // Prepare
      catalog.registerFile(fileRegistration());

      // Act
      const table = catalog.requireTable('processed.sales');

      // Assess
      expect(table).toMatchObject({ database: 'processed', name: 'sales', version: 1 });
    });

    it('requireTable names the tables that exist when one is missing', () => {
      // Prepare
      catalog.registerFile(fileRegistration());
      catalog.registerFile(fileRegistration({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' }));

      // Act
      const act = () => catalog.requireTable('final.orders');

      // Assess
      expect(act).toThrow(CatalogError);
      expect(act).toThrow('no table final.orders in the catalog (tables: processed.sales, final.revenue)');
    });

    it('requireTable says what to do when the catalog is empty', () => {
      // Act
      const act = () => catalog.requireTable('processed.sales');

      // Assess
      expect(act).toThrow(/it is empty: ingest a file first/);
    });

    it('parseTableName splits a qualified name', () => {
      // Act
      const parsed = [parseTableName('processed.sales'), parseTableName('final.Order_Lines2')];

      // Assess
      expect(parsed).toEqual([
        { database: 'processed', name: 'sales' },
        { database: 'final', name: 'Order_Lines2' },
      ]);
    });

    it.each(['foo', 'processed.1bad', 'raw.sales', 'processed.', 'processed.sales.x', 'final.or-ders', 'processed.sales; drop table x'])(
      'parseTableName refuses %j',
      (name) => {
        // Act
        const act = () => parseTableName(name);

        // Assess
        expect(act).toThrow(CatalogError);
        expect(act).toThrow(/write processed\.<table> or final\.<table>/);
      },
    );
  });
});
