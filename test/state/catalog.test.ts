import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/core/errors.js';
import { datasetOf } from '../../src/core/keys.js';
import type { ColumnSchema } from '../../src/core/types.js';
import { type FileRegistration, parseTableName, type SchemaChangePolicy, SqliteCatalog } from '../../src/state/catalog.js';
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

    it('parseTableName takes the names of datasets that start with a digit, as the pipeline makes them from raw keys', () => {
      // Prepare
      const dataset = datasetOf('2024/jan.csv');

      // Act
      const parsed = [parseTableName(`final.${dataset}`), parseTableName('processed.1st_quarter')];

      // Assess
      expect(parsed).toEqual([
        { database: 'final', name: '2024' },
        { database: 'processed', name: '1st_quarter' },
      ]);
    });

    it.each([
      'foo',
      'raw.sales',
      'final.2024.x',
      'final.a b',
      'final."2024"',
      'final.größe',
      'processed.',
      'processed.sales.x',
      'final.or-ders',
      'processed.sales; drop table x',
    ])('parseTableName refuses %j', (name) => {
      // Act
      const act = () => parseTableName(name);

      // Assess
      expect(act).toThrow(CatalogError);
      expect(act).toThrow(/write processed\.<table> or final\.<table>/);
    });
  });

  describe('schema change policies', () => {
    const withPolicy = (policy: SchemaChangePolicy) =>
      new SqliteCatalog(
        db,
        () => now,
        () => policy,
      );

    const NO_CHANGE = { added: [], removed: [], widened: [], changed: [] };

    it('passes the database and table to policyOf and applies each table its own policy', () => {
      // Prepare
      const asked: string[] = [];
      const mixed = new SqliteCatalog(
        db,
        () => now,
        (database, table) => {
          asked.push(`${database}.${table}`);
          return table === 'sales' ? 'fail' : 'update';
        },
      );
      mixed.registerFile(fileRegistration());
      mixed.registerFile(fileRegistration({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' }));

      // Act
      const sales = mixed.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));
      const revenue = mixed.registerFile(
        fileRegistration({ database: 'final', table: 'revenue', fileKey: 'revenue/b.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }),
      );

      // Assess
      expect(asked).toContain('processed.sales');
      expect(asked).toContain('final.revenue');
      expect(asked.every((t) => t === 'processed.sales' || t === 'final.revenue')).toBe(true);
      expect(sales.rejected?.added).toEqual([col('channel', 'VARCHAR', true)]);
      expect(revenue).toMatchObject({ version: 2, diff: { added: [col('channel', 'VARCHAR', true)] } });
      expect(revenue.rejected).toBeUndefined();
    });

    it('fail refuses a file with an extra column and leaves the table as it was', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      const versionsBefore = strict.versions('processed', 'sales');
      now += 1_000;

      // Act
      const change = strict.registerFile(fileRegistration({ fileKey: 'sales/2024-04.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));

      // Assess
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 1, rejected: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)] } });
      expect(strict.files('processed', 'sales').map((f) => f.fileKey)).toEqual(['sales/2024-03.parquet']);
      expect(strict.getTable('processed', 'sales')).toMatchObject({
        columns: SALES_COLUMNS,
        version: 1,
        updatedAt: T0,
        stats: { rows: 100, bytes: 2_048, files: 1 },
      });
      expect(strict.versions('processed', 'sales')).toEqual(versionsBefore);
      expect(strict.sourceOfFile('processed', 'sales/2024-04.parquet')).toBeUndefined();
    });

    it('fail refuses a file that widens types, naming each widening', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      now += 1_000;

      // Act
      const change = strict.registerFile(
        fileRegistration({ fileKey: 'sales/2024-04.parquet', columns: [col('id', 'DOUBLE'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'TIMESTAMP')] }),
      );

      // Assess
      expect(change).toEqual({
        database: 'processed',
        table: 'sales',
        version: 1,
        rejected: {
          ...NO_CHANGE,
          widened: [
            { name: 'id', from: 'BIGINT', to: 'DOUBLE' },
            { name: 'sold_on', from: 'DATE', to: 'TIMESTAMP' },
          ],
        },
      });
      expect(strict.files('processed', 'sales')).toHaveLength(1);
      expect(strict.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 });
      expect(strict.versions('processed', 'sales').map((v) => v.version)).toEqual([1]);
    });

    it('fail refuses a DATE where the table has a BIGINT, as a widening to VARCHAR', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ columns: [col('code', 'BIGINT')] }));

      // Act
      const change = strict.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', columns: [col('code', 'DATE')] }));

      // Assess
      expect(change.rejected).toEqual({ ...NO_CHANGE, widened: [{ name: 'code', from: 'BIGINT', to: 'VARCHAR' }] });
      expect(strict.getTable('processed', 'sales')?.columns).toEqual([col('code', 'BIGINT')]);
    });

    it('fail keeps the registered version of a file when its replacement does not fit', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration());
      now += 1_000;

      // Act
      const change = strict.registerFile(fileRegistration({ sha256: 'sha-2', rows: 5, columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));

      // Assess
      expect(change.rejected?.added).toEqual([col('channel', 'VARCHAR', true)]);
      expect(strict.files('processed', 'sales')).toMatchObject([
        { fileKey: 'sales/2024-03.parquet', sha256: 'sha-of-sales/2024-03.parquet', rows: 100, updatedAt: T0 },
      ]);
    });

    it('fail accepts a file with the same columns in narrower types without a new version', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      now += 1_000;

      // Act
      const change = strict.registerFile(
        fileRegistration({ fileKey: 'sales/2024-04.parquet', columns: [col('id', 'INTEGER'), col('amount', 'DECIMAL(10,2)'), col('sold_on', 'DATE')] }),
      );

      // Assess
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 1 });
      expect(strict.files('processed', 'sales').map((f) => f.fileKey)).toEqual(['sales/2024-03.parquet', 'sales/2024-04.parquet']);
      expect(strict.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 + 1_000, stats: { files: 2 } });
    });

    it('fail accepts a file with fewer columns and keeps the schema as it is', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      now += 1_000;

      // Act
      const change = strict.registerFile(
        fileRegistration({ fileKey: 'sales/2024-04.parquet', columns: [col('id', 'INTEGER'), col('amount', 'DECIMAL(18,2)')] }),
      );

      // Assess: under fail the schema is the contract; the missing column reads as NULL for this file.
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 1 });
      expect(strict.files('processed', 'sales')).toHaveLength(2);
      expect(strict.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 + 1_000 });
      expect(strict.versions('processed', 'sales').map((v) => v.version)).toEqual([1]);
    });

    it('fail accepts a whole-number column checked by value (fitByValue) that misfit would call a widening', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      const file = fileRegistration({ fileKey: 'sales/2024-04.parquet', columns: [col('id', 'BIGINT'), col('amount', 'BIGINT'), col('sold_on', 'DATE')] });

      // Act
      const unchecked = strict.registerFile(file);
      const checked = strict.registerFile(file, { fitByValue: ['amount'] });

      // Assess
      expect(unchecked.rejected).toEqual({ ...NO_CHANGE, widened: [{ name: 'amount', from: 'DECIMAL(18,2)', to: 'DECIMAL(21,2)' }] });
      expect(checked).toEqual({ database: 'processed', table: 'sales', version: 1 });
      expect(strict.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, stats: { files: 2 } });
    });

    it('fail accepts the first file of a new table', () => {
      // Prepare
      const strict = withPolicy('fail');

      // Act
      const change = strict.registerFile(fileRegistration());

      // Assess
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 1, diff: { ...NO_CHANGE, added: SALES_COLUMNS } });
      expect(strict.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, stats: { files: 1 } });
    });

    it('fail refuses a file whose partition value does not fit the partition key type', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ fileKey: 'sales/day=2024-03-01/a.parquet', partitionValues: { day: '2024-03-01' } }));

      // Act
      const fits = strict.registerFile(fileRegistration({ fileKey: 'sales/day=2024-03-02/a.parquet', partitionValues: { day: '2024-03-02' } }));
      const refused = strict.registerFile(fileRegistration({ fileKey: 'sales/day=latest/a.parquet', partitionValues: { day: 'latest' } }));

      // Assess
      expect(fits).toEqual({ database: 'processed', table: 'sales', version: 1 });
      expect(refused.rejected).toEqual({ ...NO_CHANGE, widened: [{ name: 'day', from: 'DATE', to: 'VARCHAR' }] });
      expect(strict.getTable('processed', 'sales')?.partitionKeys).toEqual([col('day', 'DATE')]);
      expect(strict.files('processed', 'sales')).toHaveLength(2);
    });

    it('fail keeps a column in the schema when the only file with it is removed', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration({ fileKey: 'sales/a.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));
      strict.registerFile(fileRegistration({ fileKey: 'sales/b.parquet' }));

      // Act
      const change = strict.removeFile('processed', 'sales', 'sales/a.parquet');

      // Assess
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 1 });
      expect(strict.getTable('processed', 'sales')?.columns).toEqual([...SALES_COLUMNS, col('channel', 'VARCHAR')]);
      expect(strict.files('processed', 'sales').map((f) => f.fileKey)).toEqual(['sales/b.parquet']);
    });

    it('fail lets a new file define the schema afresh once every file of the table is removed', () => {
      // Prepare
      const strict = withPolicy('fail');
      strict.registerFile(fileRegistration());
      strict.removeFile('processed', 'sales', 'sales/2024-03.parquet');
      now += 1_000;

      // Act
      const change = strict.registerFile(fileRegistration({ fileKey: 'sales/new.parquet', columns: [col('code', 'VARCHAR'), col('qty', 'DOUBLE')] }));

      // Assess
      expect(change).toEqual({
        database: 'processed',
        table: 'sales',
        version: 3,
        diff: { ...NO_CHANGE, added: [col('code', 'VARCHAR'), col('qty', 'DOUBLE')] },
      });
      expect(strict.getTable('processed', 'sales')).toMatchObject({ columns: [col('code', 'VARCHAR'), col('qty', 'DOUBLE')], version: 3 });
      expect(strict.versions('processed', 'sales').map((v) => v.version)).toEqual([1, 2, 3]);
    });

    it('log registers a file with an extra column but keeps the columns and the version, and returns the drift', () => {
      // Prepare
      const lenient = withPolicy('log');
      lenient.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      now += 1_000;

      // Act
      const change = lenient.registerFile(fileRegistration({ fileKey: 'sales/2024-04.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));

      // Assess
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 1, drift: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)] } });
      expect(lenient.files('processed', 'sales').map((f) => f.fileKey)).toEqual(['sales/2024-03.parquet', 'sales/2024-04.parquet']);
      expect(lenient.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 + 1_000, stats: { files: 2 } });
      expect(lenient.versions('processed', 'sales').map((v) => v.version)).toEqual([1]);
    });

    it('log: warnings() names the columns and types the schema does not show', () => {
      // Prepare
      const lenient = withPolicy('log');
      lenient.registerFile(fileRegistration({ fileKey: 'sales/a.parquet' }));
      lenient.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));
      lenient.registerFile(fileRegistration({ fileKey: 'sales/c.parquet', columns: [col('id', 'DOUBLE')] }));

      // Act
      const warnings = lenient.warnings('processed', 'sales');

      // Assess
      expect(warnings).toEqual([
        'the files hold columns or types the schema does not show (schemaChange: log): + channel VARCHAR, ~ id BIGINT → DOUBLE; ' +
          'set schemaChange to update and run `sluice catalog crawl --full` to take them in',
      ]);
    });

    it('log reports a widened type as drift and keeps the narrower type', () => {
      // Prepare
      const lenient = withPolicy('log');
      lenient.registerFile(fileRegistration({ fileKey: 'sales/a.parquet', columns: [col('qty', 'INTEGER')] }));

      // Act
      const change = lenient.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', columns: [col('qty', 'BIGINT')] }));

      // Assess
      expect(change).toEqual({
        database: 'processed',
        table: 'sales',
        version: 1,
        drift: { ...NO_CHANGE, widened: [{ name: 'qty', from: 'INTEGER', to: 'BIGINT' }] },
      });
      expect(lenient.getTable('processed', 'sales')?.columns).toEqual([col('qty', 'INTEGER')]);
    });

    it('log has no drift or warning for a file that fits, and none once the drifting file is gone', () => {
      // Prepare
      const lenient = withPolicy('log');
      lenient.registerFile(fileRegistration({ fileKey: 'sales/a.parquet' }));
      const fitting = lenient.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', columns: [col('id', 'INTEGER')] }));
      lenient.registerFile(fileRegistration({ fileKey: 'sales/c.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));
      const warningsWithDrift = lenient.warnings('processed', 'sales');

      // Act
      lenient.removeFile('processed', 'sales', 'sales/c.parquet');

      // Assess
      expect(fitting).toEqual({ database: 'processed', table: 'sales', version: 1 });
      expect(warningsWithDrift).toHaveLength(1);
      expect(warningsWithDrift[0]).toContain('+ channel VARCHAR');
      expect(lenient.warnings('processed', 'sales')).toEqual([]);
    });

    it('log lets a new file define the schema afresh once every file of the table is removed', () => {
      // Prepare
      const lenient = withPolicy('log');
      lenient.registerFile(fileRegistration());
      lenient.removeFile('processed', 'sales', 'sales/2024-03.parquet');

      // Act
      const change = lenient.registerFile(fileRegistration({ fileKey: 'sales/new.parquet', columns: [col('code', 'VARCHAR')] }));

      // Assess
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 3, diff: { ...NO_CHANGE, added: [col('code', 'VARCHAR')] } });
      expect(lenient.getTable('processed', 'sales')?.columns).toEqual([col('code', 'VARCHAR')]);
      expect(lenient.warnings('processed', 'sales')).toEqual([]);
    });

    it('update makes a new version with the diff and reports neither drift nor rejection', () => {
      // Prepare
      const open = withPolicy('update');
      open.registerFile(fileRegistration({ fileKey: 'sales/2024-03.parquet' }));
      now += 1_000;

      // Act
      const change = open.registerFile(
        fileRegistration({
          fileKey: 'sales/2024-04.parquet',
          columns: [col('id', 'DOUBLE'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'DATE'), col('channel', 'VARCHAR')],
        }),
      );

      // Assess
      expect(change).toEqual({
        database: 'processed',
        table: 'sales',
        version: 2,
        diff: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)], widened: [{ name: 'id', from: 'BIGINT', to: 'DOUBLE' }] },
      });
      expect(open.getTable('processed', 'sales')?.columns).toEqual([
        col('id', 'DOUBLE'),
        col('amount', 'DECIMAL(18,2)'),
        col('sold_on', 'DATE'),
        col('channel', 'VARCHAR', true),
      ]);
      expect(open.warnings('processed', 'sales')).toEqual([]);
    });

    it('update: removing the only file with a column makes a version whose diff names it as removed', () => {
      // Prepare
      const open = withPolicy('update');
      open.registerFile(fileRegistration({ fileKey: 'sales/a.parquet' }));
      open.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, col('note', 'VARCHAR')] }));
      now += 1_000;

      // Act
      const change = open.removeFile('processed', 'sales', 'sales/b.parquet');

      // Assess
      expect(change).toEqual({ database: 'processed', table: 'sales', version: 3, diff: { ...NO_CHANGE, removed: [col('note', 'VARCHAR', true)] } });
      expect(open.versions('processed', 'sales').at(-1)).toMatchObject({ version: 3, columns: SALES_COLUMNS, createdAt: T0 + 1_000 });
    });

    it('warnings() names files at inconsistent folder depths', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/a.parquet' }));
      catalog.registerFile(fileRegistration({ fileKey: 'sales/year=2024/b.parquet', partitionValues: { year: '2024' } }));
      catalog.registerFile(fileRegistration({ fileKey: 'sales/year=2025/c.parquet', partitionValues: { year: '2025' } }));

      // Act
      const warnings = catalog.warnings('processed', 'sales');

      // Assess
      expect(warnings).toEqual([
        'files of processed.sales are at inconsistent folder depths: 2 at year=/ (e.g. sales/year=2024/b.parquet); 1 at the top level (e.g. sales/a.parquet). ' +
          'They stay one table and partition columns are NULL where a file has no such folder; move the files into one layout.',
      ]);
    });

    it('warnings() is empty for a consistent table and for a table that does not exist', () => {
      // Prepare
      catalog.registerFile(fileRegistration({ fileKey: 'sales/year=2024/a.parquet', partitionValues: { year: '2024' } }));
      catalog.registerFile(fileRegistration({ fileKey: 'sales/year=2025/b.parquet', partitionValues: { year: '2025' } }));

      // Act & Assess
      expect(catalog.warnings('processed', 'sales')).toEqual([]);
      expect(catalog.warnings('final', 'nothing')).toEqual([]);
    });
  });

  describe('partition key types', () => {
    const partitioned = (key: string, partitionValues: Record<string, string>) => fileRegistration({ fileKey: `sales/${key}/a.parquet`, partitionValues });

    it('types integer values BIGINT, including leading zeros and negatives', () => {
      // Act
      catalog.registerFile(partitioned('month=03/shift=-1', { month: '03', shift: '-1' }));
      catalog.registerFile(partitioned('month=12/shift=2', { month: '12', shift: '2' }));

      // Assess
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('month', 'BIGINT'), col('shift', 'BIGINT')]);
    });

    it('types YYYY-MM-DD values DATE', () => {
      // Act
      catalog.registerFile(partitioned('day=2024-03-01', { day: '2024-03-01' }));
      catalog.registerFile(partitioned('day=2024-12-31', { day: '2024-12-31' }));

      // Assess
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('day', 'DATE')]);
    });

    it.each([
      ['a word', 'eu'],
      ['a number too long for BIGINT', '1234567890123456789'],
      ['a decimal number', '1.5'],
      ['a month that does not exist', '2024-13-01'],
      ['a day that does not exist', '2024-02-30'],
      ['29 February outside a leap year', '2023-02-29'],
      ['a date in another format', '01/03/2024'],
      ['a date and time', '2024-03-01 10:00:00'],
      ['an empty value', ''],
    ])('types %s VARCHAR', (_what, value) => {
      // Act
      catalog.registerFile(partitioned(`p=${value}`, { p: value }));

      // Assess
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('p', 'VARCHAR')]);
    });

    it('types a key VARCHAR once its values mix dates and integers, in a new version', () => {
      // Prepare
      catalog.registerFile(partitioned('p=2024-03-01', { p: '2024-03-01' }));

      // Act
      const change = catalog.registerFile(partitioned('p=20240301', { p: '20240301' }));

      // Assess
      expect(change).toMatchObject({ version: 2, diff: { widened: [{ name: 'p', from: 'DATE', to: 'VARCHAR' }] } });
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('p', 'VARCHAR')]);
    });

    it('keeps a DATE key DATE and nullable when a file lacks it', () => {
      // Prepare
      catalog.registerFile(partitioned('day=2024-03-01', { day: '2024-03-01' }));

      // Act
      catalog.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', partitionValues: {} }));

      // Assess
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('day', 'DATE', true)]);
    });

    it('types each key from its own values, in the order keys first appear', () => {
      // Act
      catalog.registerFile(partitioned('region=eu/day=2024-03-01/year=2024', { region: 'eu', day: '2024-03-01', year: '2024' }));

      // Assess
      expect(catalog.getTable('processed', 'sales')?.partitionKeys).toEqual([col('region', 'VARCHAR'), col('day', 'DATE'), col('year', 'BIGINT')]);
      expect(catalog.versions('processed', 'sales')[0]?.diff.added).toEqual([
        ...SALES_COLUMNS,
        col('region', 'VARCHAR'),
        col('day', 'DATE'),
        col('year', 'BIGINT'),
      ]);
    });
  });
});
