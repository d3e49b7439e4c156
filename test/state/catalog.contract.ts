/**
 * The behaviour every Catalog backend promises. A backend's test file calls
 * `catalogContract(name, newCatalog)`; the factory gets the clock the suite
 * moves and the schema change policy it sets per case, and hands back a fresh
 * catalog with the bookmark store of the same backend (a job's commit moves
 * bookmarks with its files). Nothing here reaches past the ports, so a Glue
 * Data Catalog backend runs it unchanged.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type CatalogDatabase, type FileEntry, type FileRegistration, type SchemaChangePolicy, tableWarnings } from '../../src/core/catalog.js';
import { CatalogError } from '../../src/core/errors.js';
import type { ColumnSchema } from '../../src/core/types.js';
import type { BookmarkStore, Catalog } from '../../src/stages/ports.js';
import { requireTable } from '../../src/views/catalog.js';
import { col, fileEntry, fileRegistration, NO_CHANGE, SALES_COLUMNS, VARCHAR_PARTITION_VALUES } from '../helpers/catalog-entries.js';
import { backendEachCase, caseClock, forwarding, T0 } from '../helpers/contract-case.js';

export type PolicyOf = (database: CatalogDatabase, table: string) => SchemaChangePolicy;

export interface CatalogOptions {
  /** The clock the backend stamps tables, files and versions with. */
  now: () => number;
  /** Each table's schema change policy, asked whenever the backend applies it. */
  policyOf: PolicyOf;
}

export interface CatalogUnderTest {
  catalog: Catalog;
  /** The bookmark store of the same backend, where `replaceFiles` moves bookmarks. */
  bookmarks: BookmarkStore;
  cleanup: () => Promise<void>;
}

export type NewCatalog = (opts: CatalogOptions) => Promise<CatalogUnderTest>;

/** A file of a job's output table. */
const outputFile = (fileKey: string, overrides: Partial<FileEntry> = {}): FileEntry => fileEntry({ fileKey, sourceRawKey: 'orders', ...overrides });

export function catalogContract(name: string, newCatalog: NewCatalog): void {
  describe(`Catalog contract: ${name}`, () => {
    const clock = caseClock();
    let policyOf: PolicyOf;
    const backend = backendEachCase(() => newCatalog({ now: clock.now, policyOf: (database, table) => policyOf(database, table) }));
    const catalog = forwarding(() => backend().catalog);
    const bookmarks = forwarding(() => backend().bookmarks);

    beforeEach(() => {
      policyOf = () => 'update';
    });

    const register = (overrides: Partial<FileRegistration> = {}, opts?: { fitByValue?: readonly string[] }) =>
      catalog.registerFile(fileRegistration(overrides), opts);
    /** A second month's file of processed.sales, with these columns. */
    const april = (columns: ColumnSchema[]) => register({ fileKey: 'sales/2024-04.parquet', columns });
    const fileKeysOf = async (database: CatalogDatabase, table: string) => (await catalog.files(database, table)).map((f) => f.fileKey);
    const versionNumbers = async () => (await catalog.versions('processed', 'sales')).map((v) => v.version);
    const salesColumns = async () => (await catalog.getTable('processed', 'sales'))?.columns;
    const salesPartitionKeys = async () => (await catalog.getTable('processed', 'sales'))?.partitionKeys;

    /** A table's warnings as the catalog views show them: the pure rules over what this catalog holds. */
    async function warningsOf(qualified: string): Promise<string[]> {
      const table = await requireTable(catalog, qualified);
      return tableWarnings(qualified, table, await catalog.files(table.database, table.name), policyOf(table.database, table.name));
    }

    describe('registerFile', () => {
      it('creates version 1 of a table with the columns of its first file', async () => {
        // Act
        const change = await register();

        // Assess
        expect(change).toMatchObject({ database: 'processed', table: 'sales', version: 1 });
        expect(change.diff?.added.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on']);
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({
          location: 'data/processed/sales',
          format: 'parquet',
          columns: SALES_COLUMNS,
          partitionKeys: [],
          version: 1,
          createdAt: T0,
          updatedAt: T0,
        });
        expect(await fileKeysOf('processed', 'sales')).toEqual(['sales/2024-03.parquet']);
      });

      it('changes nothing when the same file is registered again', async () => {
        // Prepare
        await register();
        clock.at += 60_000;

        // Act
        const change = await register();

        // Assess
        expect(change.version).toBe(1);
        expect(change.diff).toBeUndefined();
        const table = await catalog.getTable('processed', 'sales');
        expect(table).toMatchObject({ version: 1, columns: SALES_COLUMNS, stats: { rows: 100, bytes: 2_048, files: 1 } });
        expect(await catalog.versions('processed', 'sales')).toHaveLength(1);
      });

      it('makes version 2 when a second file brings an extra column, which is nullable', async () => {
        // Prepare
        await register();
        clock.at += 1_000;

        // Act
        const change = await april([...SALES_COLUMNS, col('channel', 'VARCHAR')]);

        // Assess
        expect(change.version).toBe(2);
        expect(change.diff).toMatchObject({ added: [col('channel', 'VARCHAR', true)], removed: [], widened: [], changed: [] });
        const columns = await salesColumns();
        expect(columns?.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on', 'channel']);
        expect(columns?.find((c) => c.name === 'channel')?.nullable).toBe(true);
        expect(columns?.find((c) => c.name === 'id')?.nullable).toBe(false);
      });

      it('keeps a column nullable when only the earlier-sorted file has it', async () => {
        // Prepare: same clock, so the files sort by key and the one with the extra column comes first.
        await register({ fileKey: 'sales/b.parquet' });

        // Act
        await register({ fileKey: 'sales/a.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] });

        // Assess
        expect((await salesColumns())?.find((c) => c.name === 'channel')).toEqual(col('channel', 'VARCHAR', true));
      });

      it('widens INTEGER to BIGINT when a later file needs it', async () => {
        // Prepare
        await register({ fileKey: 'sales/1.parquet', columns: [col('id', 'INTEGER'), col('qty', 'INTEGER')] });

        // Act
        const change = await register({ fileKey: 'sales/2.parquet', columns: [col('id', 'INTEGER'), col('qty', 'BIGINT')] });

        // Assess
        expect(change.version).toBe(2);
        expect(change.diff?.widened).toEqual([{ name: 'qty', from: 'INTEGER', to: 'BIGINT' }]);
        expect(change.diff?.changed).toEqual([]);
        expect(await salesColumns()).toEqual([col('id', 'INTEGER'), col('qty', 'BIGINT')]);
      });

      it('widens BIGINT and DECIMAL(18,2) to a decimal that holds both', async () => {
        // Prepare
        await register({ fileKey: 'sales/1.parquet', columns: [col('amount', 'BIGINT')] });

        // Act
        const change = await register({ fileKey: 'sales/2.parquet', columns: [col('amount', 'DECIMAL(18,2)')] });

        // Assess
        expect(change.diff?.widened).toEqual([{ name: 'amount', from: 'BIGINT', to: 'DECIMAL(21,2)' }]);
        expect(await salesColumns()).toEqual([col('amount', 'DECIMAL(21,2)')]);
      });

      it('reports a removed column when a replaced file no longer has it', async () => {
        // Prepare
        await register({ columns: [col('id', 'BIGINT'), col('note', 'VARCHAR')] });
        clock.at += 1_000;

        // Act
        const change = await register({ sha256: 'sha-2', columns: [col('id', 'BIGINT')] });

        // Assess
        expect(change.version).toBe(2);
        expect(change.diff?.removed).toEqual([col('note', 'VARCHAR')]);
        expect(await salesColumns()).toEqual([col('id', 'BIGINT')]);
        expect(await catalog.files('processed', 'sales')).toMatchObject([{ sha256: 'sha-2', updatedAt: T0 + 1_000 }]);
      });

      it('makes a new version when only nullability changes', async () => {
        // Prepare
        await register({ columns: [col('id', 'BIGINT')] });

        // Act
        const change = await register({ columns: [col('id', 'BIGINT', true)] });

        // Assess
        expect(change.version).toBe(2);
        expect(await salesColumns()).toEqual([col('id', 'BIGINT', true)]);
      });

      it('turns integer partition values into a BIGINT partition key, not a column', async () => {
        // Act
        await register({ fileKey: 'sales/year=2024/a.parquet', columns: [...SALES_COLUMNS, col('year', 'BIGINT')], partitionValues: { year: '2024' } });

        // Assess
        const table = await catalog.getTable('processed', 'sales');
        expect(table?.partitionKeys).toEqual([col('year', 'BIGINT')]);
        expect(table?.columns.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on']);
        expect((await catalog.files('processed', 'sales'))[0]?.partitionValues).toEqual({ year: '2024' });
      });

      it('makes a partition key VARCHAR once a value is not an integer', async () => {
        // Prepare
        await register({ fileKey: 'sales/region=1/a.parquet', partitionValues: { region: '1' } });

        // Act
        const change = await register({ fileKey: 'sales/region=eu/a.parquet', partitionValues: { region: 'eu' } });

        // Assess
        expect(change.version).toBe(2);
        expect(await salesPartitionKeys()).toEqual([col('region', 'VARCHAR')]);
      });

      it('marks a partition key nullable once a file of the table lacks it', async () => {
        // Prepare
        await register({ fileKey: 'sales/region=eu/a.parquet', partitionValues: { region: 'eu' } });

        // Act
        await register({ fileKey: 'sales/b.parquet', partitionValues: {} });

        // Assess: the stored table matches the merge of the files it holds now.
        expect(await salesPartitionKeys()).toEqual([col('region', 'VARCHAR', true)]);
      });

      it('refuses to create a table without a location', async () => {
        // Act
        const act = register({ location: '' });

        // Assess
        await expect(act).rejects.toThrow(CatalogError);
        expect(await catalog.listTables()).toEqual([]);
        expect(await catalog.files('processed', 'sales')).toEqual([]);
      });
    });

    describe('reading files and schemas', () => {
      it('schema gives the columns then the partition keys, and nothing for a table without files', async () => {
        // Prepare
        await register({ fileKey: 'sales/year=2024/a.parquet', partitionValues: { year: '2024' } });
        await register({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' });
        await catalog.removeFile('final', 'revenue', 'revenue/a.parquet');

        // Act
        const schema = await catalog.schema('processed', 'sales');

        // Assess
        expect(schema).toEqual([...SALES_COLUMNS, col('year', 'BIGINT')]);
        expect(await catalog.schema('final', 'revenue')).toBeUndefined();
        expect(await catalog.schema('final', 'nothing')).toBeUndefined();
      });

      it('file, fileKeys and allFiles find files in file order, first registration first', async () => {
        // Prepare
        await register({ fileKey: 'sales/b.parquet' });
        clock.at += 1_000;
        await register({ fileKey: 'sales/a.parquet', rows: 7 });
        await register({ table: 'orders', fileKey: 'orders/1.parquet' });
        await register({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' });

        // Act
        const keys = await catalog.fileKeys('processed', 'sales');

        // Assess
        expect(keys).toEqual(['sales/b.parquet', 'sales/a.parquet']);
        expect(await fileKeysOf('processed', 'sales')).toEqual(keys);
        expect(await catalog.file('processed', 'sales', 'sales/a.parquet')).toMatchObject({ fileKey: 'sales/a.parquet', rows: 7, updatedAt: T0 + 1_000 });
        expect(await catalog.file('processed', 'orders', 'sales/a.parquet')).toBeUndefined();
        expect((await catalog.allFiles('processed')).map((f) => `${f.table}:${f.fileKey}`).sort()).toEqual([
          'orders:orders/1.parquet',
          'sales:sales/a.parquet',
          'sales:sales/b.parquet',
        ]);
        expect(await catalog.fileKeys('final', 'nothing')).toEqual([]);
      });

      it('a file registered again keeps its place in file order', async () => {
        // Prepare
        await register({ fileKey: 'sales/a.parquet' });
        clock.at += 1_000;
        await register({ fileKey: 'sales/b.parquet' });
        clock.at += 1_000;

        // Act
        await register({ fileKey: 'sales/a.parquet', sha256: 'sha-2' });

        // Assess
        expect(await catalog.fileKeys('processed', 'sales')).toEqual(['sales/a.parquet', 'sales/b.parquet']);
      });

      it('sourceOfFile names the raw key behind a file of one database', async () => {
        // Prepare
        await register({ fileKey: 'sales/a.parquet', sourceRawKey: 'sales/a.csv' });

        // Act
        const source = await catalog.sourceOfFile('processed', 'sales/a.parquet');

        // Assess
        expect(source).toBe('sales/a.csv');
        expect(await catalog.sourceOfFile('final', 'sales/a.parquet')).toBeUndefined();
        expect(await catalog.sourceOfFile('processed', 'sales/none.parquet')).toBeUndefined();
      });
    });

    describe('stats and listing', () => {
      it('sums rows, bytes and files of a table', async () => {
        // Prepare
        await register({ fileKey: 'sales/1.parquet', rows: 10, bytes: 1_000 });
        await register({ fileKey: 'sales/2.parquet', rows: 25, bytes: 3_000 });
        await register({ fileKey: 'sales/2.parquet', rows: 30, bytes: 3_500 });
        await register({ table: 'orders', fileKey: 'orders/1.parquet', rows: 7, bytes: 70 });

        // Act
        const sales = await catalog.getTable('processed', 'sales');

        // Assess
        expect(sales?.stats).toEqual({ rows: 40, bytes: 4_500, files: 2 });
        expect((await catalog.getTable('processed', 'orders'))?.stats).toEqual({ rows: 7, bytes: 70, files: 1 });
      });

      it('lists tables by database and name', async () => {
        // Prepare
        await register({ table: 'sales' });
        await register({ table: 'customers', fileKey: 'customers/a.parquet' });
        await register({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' });

        // Act
        const all = (await catalog.listTables()).map((t) => `${t.database}.${t.name}`);
        const processed = (await catalog.listTables('processed')).map((t) => t.name);

        // Assess
        expect(all).toEqual(['processed.customers', 'processed.sales', 'final.revenue']);
        expect(processed).toEqual(['customers', 'sales']);
      });
    });

    describe('removing files', () => {
      it('removeFilesFromSource drops the files of a raw key and bumps the versions', async () => {
        // Prepare
        await register({ fileKey: 'sales/a.parquet', sourceRawKey: 'sales/a.csv' });
        await register({ fileKey: 'sales/b.parquet', sourceRawKey: 'sales/b.csv', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] });
        await register({ table: 'returns', fileKey: 'returns/b.parquet', sourceRawKey: 'sales/b.csv' });
        clock.at += 1_000;

        // Act
        const changes = await catalog.removeFilesFromSource('sales/b.csv');

        // Assess
        const byTable = Object.fromEntries(changes.map((c) => [c.table, c]));
        expect(changes).toHaveLength(2);
        expect(byTable.sales).toMatchObject({ version: 3, diff: { removed: [col('channel', 'VARCHAR', true)] } });
        expect(byTable.sales?.dropped).toBeUndefined();
        expect(byTable.returns).toMatchObject({ version: 2, dropped: true });
        expect(await fileKeysOf('processed', 'sales')).toEqual(['sales/a.parquet']);
        expect((await catalog.getTable('processed', 'sales'))?.stats.files).toBe(1);
        expect(await catalog.getTable('processed', 'returns')).toMatchObject({ version: 2, columns: [], stats: { rows: 0, bytes: 0, files: 0 } });
      });

      it('removeFilesFromSource keeps the version when the schema stays the same', async () => {
        // Prepare
        await register({ fileKey: 'sales/a.parquet', sourceRawKey: 'sales/a.csv' });
        await register({ fileKey: 'sales/b.parquet', sourceRawKey: 'sales/b.csv' });

        // Act
        const changes = await catalog.removeFilesFromSource('sales/b.csv');

        // Assess
        expect(changes).toEqual([{ database: 'processed', table: 'sales', version: 1 }]);
        expect((await catalog.getTable('processed', 'sales'))?.stats.files).toBe(1);
      });

      it('removeFilesFromSource can be limited to one database', async () => {
        // Prepare
        await register({ fileKey: 'sales/a.parquet', sourceRawKey: 'sales/a.csv' });
        await register({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet', sourceRawKey: 'sales/a.csv' });

        // Act
        const changes = await catalog.removeFilesFromSource('sales/a.csv', 'final');

        // Assess
        expect(changes.map((c) => `${c.database}.${c.table}`)).toEqual(['final.revenue']);
        expect(await catalog.files('processed', 'sales')).toHaveLength(1);
        expect(await catalog.fileKeysFromSource('final', 'sales/a.csv')).toEqual([]);
        expect(await catalog.fileKeysFromSource('processed', 'sales/a.csv')).toEqual(['sales/a.parquet']);
      });

      it('removeFile drops one file and a table that comes back gets a new version', async () => {
        // Prepare
        await register();
        await catalog.removeFile('processed', 'sales', 'sales/2024-03.parquet');

        // Act
        const change = await register();

        // Assess
        expect(change.version).toBe(3);
        expect(change.diff?.added.map((c) => c.name)).toEqual(['id', 'amount', 'sold_on']);
        expect(await salesColumns()).toEqual(SALES_COLUMNS);
      });
    });

    describe('replaceFiles', () => {
      const location = 'data/final/orders';

      it('creates a table from the files it adds', async () => {
        // Act
        const change = await catalog.replaceFiles({
          database: 'final',
          table: 'orders',
          location,
          remove: [],
          add: [outputFile('orders/part-0.parquet'), outputFile('orders/part-1.parquet')],
        });

        // Assess
        expect(change).toEqual({ database: 'final', table: 'orders', version: 1, diff: { ...NO_CHANGE, added: SALES_COLUMNS } });
        expect(await catalog.getTable('final', 'orders')).toMatchObject({ location, version: 1, stats: { rows: 200, files: 2 }, createdAt: T0 });
        expect(await catalog.fileKeys('final', 'orders')).toEqual(['orders/part-0.parquet', 'orders/part-1.parquet']);
      });

      it('swaps some files for others as one change, keeping the rest', async () => {
        // Prepare
        await catalog.replaceFiles({
          database: 'final',
          table: 'orders',
          location,
          remove: [],
          add: [outputFile('orders/a.parquet'), outputFile('orders/b.parquet')],
        });
        clock.at += 1_000;

        // Act
        const change = await catalog.replaceFiles({
          database: 'final',
          table: 'orders',
          location,
          remove: ['orders/a.parquet'],
          add: [outputFile('orders/c.parquet', { rows: 5, columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] })],
        });

        // Assess
        expect(change).toEqual({ database: 'final', table: 'orders', version: 2, diff: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)] } });
        expect(await catalog.fileKeys('final', 'orders')).toEqual(['orders/b.parquet', 'orders/c.parquet']);
        expect(await catalog.getTable('final', 'orders')).toMatchObject({ stats: { rows: 105, files: 2 }, updatedAt: T0 + 1_000 });
        expect(await catalog.file('final', 'orders', 'orders/c.parquet')).toMatchObject({ rows: 5, updatedAt: T0 + 1_000 });
      });

      it('removing every file drops the table and keeps its history', async () => {
        // Prepare
        await catalog.replaceFiles({ database: 'final', table: 'orders', location, remove: [], add: [outputFile('orders/a.parquet')] });

        // Act
        const change = await catalog.replaceFiles({ database: 'final', table: 'orders', location, remove: ['orders/a.parquet'], add: [] });

        // Assess
        expect(change).toEqual({ database: 'final', table: 'orders', version: 2, diff: { ...NO_CHANGE, removed: SALES_COLUMNS }, dropped: true });
        expect(await catalog.getTable('final', 'orders')).toMatchObject({ columns: [], version: 2, stats: { files: 0 } });
        expect((await catalog.versions('final', 'orders')).map((v) => v.version)).toEqual([1, 2]);
      });

      it('moves the job’s bookmarks with the files: removals, then sets', async () => {
        // Prepare
        await bookmarks.set('orders-job', { inputKey: 'sales/a.parquet', inputHash: 'a-1', outputKey: 'orders/a.parquet' });
        await bookmarks.set('orders-job', { inputKey: 'sales/b.parquet', inputHash: 'b-1', outputKey: 'orders/b.parquet' });
        await bookmarks.set('other-job', { inputKey: 'sales/a.parquet', inputHash: 'a-1', outputKey: 'other/a.parquet' });
        clock.at += 1_000;

        // Act
        await catalog.replaceFiles({
          database: 'final',
          table: 'orders',
          location,
          remove: [],
          add: [outputFile('orders/a2.parquet'), outputFile('orders/c.parquet')],
          bookmarks: {
            job: 'orders-job',
            remove: ['sales/a.parquet', 'sales/b.parquet'],
            set: [
              { inputKey: 'sales/a.parquet', inputHash: 'a-2', outputKey: 'orders/a2.parquet', outputs: ['orders/a2.parquet', 'orders/a2.csv'] },
              { inputKey: 'sales/c.parquet', inputHash: 'c-1', outputKey: 'orders/c.parquet' },
            ],
          },
        });

        // Assess
        expect(await bookmarks.list('orders-job')).toEqual([
          {
            inputKey: 'sales/a.parquet',
            inputHash: 'a-2',
            outputKey: 'orders/a2.parquet',
            outputs: ['orders/a2.parquet', 'orders/a2.csv'],
            updatedAt: T0 + 1_000,
          },
          { inputKey: 'sales/c.parquet', inputHash: 'c-1', outputKey: 'orders/c.parquet', outputs: ['orders/c.parquet'], updatedAt: T0 + 1_000 },
        ]);
        expect(await bookmarks.list('other-job')).toEqual([
          { inputKey: 'sales/a.parquet', inputHash: 'a-1', outputKey: 'other/a.parquet', outputs: ['other/a.parquet'], updatedAt: T0 },
        ]);
      });

      it('leaves bookmarks alone without a bookmark edit', async () => {
        // Prepare
        await bookmarks.set('orders-job', { inputKey: 'sales/a.parquet', inputHash: 'a-1', outputKey: 'orders/a.parquet' });
        const before = await bookmarks.list('orders-job');

        // Act
        await catalog.replaceFiles({ database: 'final', table: 'orders', location, remove: ['orders/a.parquet'], add: [outputFile('orders/b.parquet')] });

        // Assess
        expect(await bookmarks.list('orders-job')).toEqual(before);
      });

      it('refuses to create a table without a location, and moves no bookmark', async () => {
        // Prepare
        await bookmarks.set('orders-job', { inputKey: 'sales/a.parquet', inputHash: 'a-1', outputKey: 'orders/a.parquet' });
        const before = await bookmarks.list('orders-job');

        // Act
        const act = catalog.replaceFiles({
          database: 'final',
          table: 'orders',
          location: '',
          remove: [],
          add: [outputFile('orders/b.parquet')],
          bookmarks: {
            job: 'orders-job',
            remove: ['sales/a.parquet'],
            set: [{ inputKey: 'sales/b.parquet', inputHash: 'b-1', outputKey: 'orders/b.parquet' }],
          },
        });

        // Assess
        await expect(act).rejects.toThrow(CatalogError);
        expect(await catalog.listTables()).toEqual([]);
        expect(await catalog.files('final', 'orders')).toEqual([]);
        expect(await bookmarks.list('orders-job')).toEqual(before);
      });
    });

    describe('versions', () => {
      it('keeps the history of every schema version with its diff', async () => {
        // Prepare
        await register({ fileKey: 'sales/1.parquet', columns: [col('id', 'INTEGER')] });
        clock.at += 1_000;
        await register({ fileKey: 'sales/2.parquet', columns: [col('id', 'BIGINT'), col('note', 'VARCHAR')] });
        clock.at += 1_000;
        await register({ fileKey: 'sales/2.parquet', columns: [col('id', 'BIGINT'), col('note', 'VARCHAR')] });

        // Act
        const versions = await catalog.versions('processed', 'sales');

        // Assess
        expect(versions.map((v) => v.version)).toEqual([1, 2]);
        expect(versions[0]).toMatchObject({ columns: [col('id', 'INTEGER')], createdAt: T0, diff: { added: [col('id', 'INTEGER')] } });
        expect(versions[1]).toMatchObject({
          columns: [col('id', 'BIGINT'), col('note', 'VARCHAR', true)],
          createdAt: T0 + 1_000,
          diff: { added: [col('note', 'VARCHAR', true)], widened: [{ name: 'id', from: 'INTEGER', to: 'BIGINT' }] },
        });
        expect(await catalog.versions('processed', 'unknown')).toEqual([]);
      });
    });

    describe('requireTable', () => {
      it('requireTable returns a known table', async () => {
        // Prepare
        await register();

        // Act
        const table = await requireTable(catalog, 'processed.sales');

        // Assess
        expect(table).toMatchObject({ database: 'processed', name: 'sales', version: 1 });
      });

      it('requireTable names the tables that exist when one is missing', async () => {
        // Prepare
        await register();
        await register({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' });

        // Act
        const act = () => requireTable(catalog, 'final.orders');

        // Assess
        await expect(act()).rejects.toThrow(CatalogError);
        await expect(act()).rejects.toThrow('no table final.orders in the catalog (tables: processed.sales, final.revenue)');
      });

      it('requireTable says what to do when the catalog is empty', async () => {
        // Act
        const act = requireTable(catalog, 'processed.sales');

        // Assess
        await expect(act).rejects.toThrow(/it is empty: ingest a file first/);
      });
    });

    describe('schema change policies', () => {
      const usePolicy = (policy: SchemaChangePolicy) => {
        policyOf = () => policy;
      };

      it('passes the database and table to policyOf and applies each table its own policy', async () => {
        // Prepare
        const asked: string[] = [];
        policyOf = (database, table) => {
          asked.push(`${database}.${table}`);
          return table === 'sales' ? 'fail' : 'update';
        };
        await register();
        await register({ database: 'final', table: 'revenue', fileKey: 'revenue/a.parquet' });

        // Act
        const sales = await register({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] });
        const revenue = await register({
          database: 'final',
          table: 'revenue',
          fileKey: 'revenue/b.parquet',
          columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')],
        });

        // Assess
        expect(asked).toContain('processed.sales');
        expect(asked).toContain('final.revenue');
        expect(asked.every((t) => t === 'processed.sales' || t === 'final.revenue')).toBe(true);
        expect(sales.rejected?.added).toEqual([col('channel', 'VARCHAR', true)]);
        expect(revenue).toMatchObject({ version: 2, diff: { added: [col('channel', 'VARCHAR', true)] } });
        expect(revenue.rejected).toBeUndefined();
      });

      it('fail refuses a file with an extra column and leaves the table as it was', async () => {
        // Prepare
        usePolicy('fail');
        await register();
        const versionsBefore = await catalog.versions('processed', 'sales');
        clock.at += 1_000;

        // Act
        const change = await april([...SALES_COLUMNS, col('channel', 'VARCHAR')]);

        // Assess
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 1, rejected: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)] } });
        expect(await fileKeysOf('processed', 'sales')).toEqual(['sales/2024-03.parquet']);
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({
          columns: SALES_COLUMNS,
          version: 1,
          updatedAt: T0,
          stats: { rows: 100, bytes: 2_048, files: 1 },
        });
        expect(await catalog.versions('processed', 'sales')).toEqual(versionsBefore);
        expect(await catalog.sourceOfFile('processed', 'sales/2024-04.parquet')).toBeUndefined();
      });

      it('fail refuses a file that widens types, naming each widening', async () => {
        // Prepare
        usePolicy('fail');
        await register();
        clock.at += 1_000;

        // Act
        const change = await april([col('id', 'DOUBLE'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'TIMESTAMP')]);

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
        expect(await catalog.files('processed', 'sales')).toHaveLength(1);
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 });
        expect(await versionNumbers()).toEqual([1]);
      });

      it('fail refuses a DATE where the table has a BIGINT, as a widening to VARCHAR', async () => {
        // Prepare
        usePolicy('fail');
        await register({ columns: [col('code', 'BIGINT')] });

        // Act
        const change = await register({ fileKey: 'sales/b.parquet', columns: [col('code', 'DATE')] });

        // Assess
        expect(change.rejected).toEqual({ ...NO_CHANGE, widened: [{ name: 'code', from: 'BIGINT', to: 'VARCHAR' }] });
        expect(await salesColumns()).toEqual([col('code', 'BIGINT')]);
      });

      it('fail keeps the registered version of a file when its replacement does not fit', async () => {
        // Prepare
        usePolicy('fail');
        await register();
        clock.at += 1_000;

        // Act
        const change = await register({ sha256: 'sha-2', rows: 5, columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] });

        // Assess
        expect(change.rejected?.added).toEqual([col('channel', 'VARCHAR', true)]);
        expect(await catalog.files('processed', 'sales')).toMatchObject([
          { fileKey: 'sales/2024-03.parquet', sha256: 'sha-of-sales/2024-03.parquet', rows: 100, updatedAt: T0 },
        ]);
      });

      it('fail accepts a file with the same columns in narrower types without a new version', async () => {
        // Prepare
        usePolicy('fail');
        await register();
        clock.at += 1_000;

        // Act
        const change = await april([col('id', 'INTEGER'), col('amount', 'DECIMAL(10,2)'), col('sold_on', 'DATE')]);

        // Assess
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 1 });
        expect(await fileKeysOf('processed', 'sales')).toEqual(['sales/2024-03.parquet', 'sales/2024-04.parquet']);
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 + 1_000, stats: { files: 2 } });
      });

      it('fail accepts a file with fewer columns and keeps the schema as it is', async () => {
        // Prepare
        usePolicy('fail');
        await register();
        clock.at += 1_000;

        // Act
        const change = await april([col('id', 'INTEGER'), col('amount', 'DECIMAL(18,2)')]);

        // Assess: under fail the schema is the contract; the missing column reads as NULL for this file.
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 1 });
        expect(await catalog.files('processed', 'sales')).toHaveLength(2);
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 + 1_000 });
        expect(await versionNumbers()).toEqual([1]);
      });

      it('fail accepts a whole-number column checked by value (fitByValue) that misfit would call a widening', async () => {
        // Prepare
        usePolicy('fail');
        await register();
        const file = { fileKey: 'sales/2024-04.parquet', columns: [col('id', 'BIGINT'), col('amount', 'BIGINT'), col('sold_on', 'DATE')] };

        // Act
        const unchecked = await register(file);
        const checked = await register(file, { fitByValue: ['amount'] });

        // Assess
        expect(unchecked.rejected).toEqual({ ...NO_CHANGE, widened: [{ name: 'amount', from: 'DECIMAL(18,2)', to: 'DECIMAL(21,2)' }] });
        expect(checked).toEqual({ database: 'processed', table: 'sales', version: 1 });
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, stats: { files: 2 } });
      });

      it('fail accepts the first file of a new table', async () => {
        // Prepare
        usePolicy('fail');

        // Act
        const change = await register();

        // Assess
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 1, diff: { ...NO_CHANGE, added: SALES_COLUMNS } });
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, stats: { files: 1 } });
      });

      it('fail refuses a file whose partition value does not fit the partition key type', async () => {
        // Prepare
        usePolicy('fail');
        await register({ fileKey: 'sales/day=2024-03-01/a.parquet', partitionValues: { day: '2024-03-01' } });

        // Act
        const fits = await register({ fileKey: 'sales/day=2024-03-02/a.parquet', partitionValues: { day: '2024-03-02' } });
        const refused = await register({ fileKey: 'sales/day=latest/a.parquet', partitionValues: { day: 'latest' } });

        // Assess
        expect(fits).toEqual({ database: 'processed', table: 'sales', version: 1 });
        expect(refused.rejected).toEqual({ ...NO_CHANGE, widened: [{ name: 'day', from: 'DATE', to: 'VARCHAR' }] });
        expect(await salesPartitionKeys()).toEqual([col('day', 'DATE')]);
        expect(await catalog.files('processed', 'sales')).toHaveLength(2);
      });

      it('fail keeps a column in the schema when the only file with it is removed', async () => {
        // Prepare
        usePolicy('fail');
        await register({ fileKey: 'sales/a.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] });
        await register({ fileKey: 'sales/b.parquet' });

        // Act
        const change = await catalog.removeFile('processed', 'sales', 'sales/a.parquet');

        // Assess
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 1 });
        expect(await salesColumns()).toEqual([...SALES_COLUMNS, col('channel', 'VARCHAR')]);
        expect(await fileKeysOf('processed', 'sales')).toEqual(['sales/b.parquet']);
      });

      it('fail lets a new file define the schema afresh once every file of the table is removed', async () => {
        // Prepare
        usePolicy('fail');
        await register();
        await catalog.removeFile('processed', 'sales', 'sales/2024-03.parquet');
        clock.at += 1_000;

        // Act
        const change = await register({ fileKey: 'sales/new.parquet', columns: [col('code', 'VARCHAR'), col('qty', 'DOUBLE')] });

        // Assess
        expect(change).toEqual({
          database: 'processed',
          table: 'sales',
          version: 3,
          diff: { ...NO_CHANGE, added: [col('code', 'VARCHAR'), col('qty', 'DOUBLE')] },
        });
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({ columns: [col('code', 'VARCHAR'), col('qty', 'DOUBLE')], version: 3 });
        expect(await versionNumbers()).toEqual([1, 2, 3]);
      });

      it('log registers a file with an extra column but keeps the columns and the version, and returns the drift', async () => {
        // Prepare
        usePolicy('log');
        await register();
        clock.at += 1_000;

        // Act
        const change = await april([...SALES_COLUMNS, col('channel', 'VARCHAR')]);

        // Assess
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 1, drift: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)] } });
        expect(await fileKeysOf('processed', 'sales')).toEqual(['sales/2024-03.parquet', 'sales/2024-04.parquet']);
        expect(await catalog.getTable('processed', 'sales')).toMatchObject({ columns: SALES_COLUMNS, version: 1, updatedAt: T0 + 1_000, stats: { files: 2 } });
        expect(await versionNumbers()).toEqual([1]);
      });

      it('log: tableWarnings names the columns and types the schema does not show', async () => {
        // Prepare
        usePolicy('log');
        await register({ fileKey: 'sales/a.parquet' });
        await register({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] });
        await register({ fileKey: 'sales/c.parquet', columns: [col('id', 'DOUBLE')] });

        // Act
        const warnings = await warningsOf('processed.sales');

        // Assess
        expect(warnings).toEqual([
          'the files hold columns or types the schema does not show (schemaChange: log): + channel VARCHAR, ~ id BIGINT → DOUBLE; ' +
            'set schemaChange to update and run `sluice catalog crawl --full` to take them in',
        ]);
      });

      it('log reports a widened type as drift and keeps the narrower type', async () => {
        // Prepare
        usePolicy('log');
        await register({ fileKey: 'sales/a.parquet', columns: [col('qty', 'INTEGER')] });

        // Act
        const change = await register({ fileKey: 'sales/b.parquet', columns: [col('qty', 'BIGINT')] });

        // Assess
        expect(change).toEqual({
          database: 'processed',
          table: 'sales',
          version: 1,
          drift: { ...NO_CHANGE, widened: [{ name: 'qty', from: 'INTEGER', to: 'BIGINT' }] },
        });
        expect(await salesColumns()).toEqual([col('qty', 'INTEGER')]);
      });

      it('log has no drift or warning for a file that fits, and none once the drifting file is gone', async () => {
        // Prepare
        usePolicy('log');
        await register({ fileKey: 'sales/a.parquet' });
        const fitting = await register({ fileKey: 'sales/b.parquet', columns: [col('id', 'INTEGER')] });
        await register({ fileKey: 'sales/c.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] });
        const warningsWithDrift = await warningsOf('processed.sales');

        // Act
        await catalog.removeFile('processed', 'sales', 'sales/c.parquet');

        // Assess
        expect(fitting).toEqual({ database: 'processed', table: 'sales', version: 1 });
        expect(warningsWithDrift).toHaveLength(1);
        expect(warningsWithDrift[0]).toContain('+ channel VARCHAR');
        expect(await warningsOf('processed.sales')).toEqual([]);
      });

      it('log lets a new file define the schema afresh once every file of the table is removed', async () => {
        // Prepare
        usePolicy('log');
        await register();
        await catalog.removeFile('processed', 'sales', 'sales/2024-03.parquet');

        // Act
        const change = await register({ fileKey: 'sales/new.parquet', columns: [col('code', 'VARCHAR')] });

        // Assess
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 3, diff: { ...NO_CHANGE, added: [col('code', 'VARCHAR')] } });
        expect(await salesColumns()).toEqual([col('code', 'VARCHAR')]);
        expect(await warningsOf('processed.sales')).toEqual([]);
      });

      it('update makes a new version with the diff and reports neither drift nor rejection', async () => {
        // Prepare
        usePolicy('update');
        await register();
        clock.at += 1_000;

        // Act
        const change = await april([col('id', 'DOUBLE'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'DATE'), col('channel', 'VARCHAR')]);

        // Assess
        expect(change).toEqual({
          database: 'processed',
          table: 'sales',
          version: 2,
          diff: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)], widened: [{ name: 'id', from: 'BIGINT', to: 'DOUBLE' }] },
        });
        expect(await salesColumns()).toEqual([col('id', 'DOUBLE'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'DATE'), col('channel', 'VARCHAR', true)]);
        expect(await warningsOf('processed.sales')).toEqual([]);
      });

      it('update: removing the only file with a column makes a version whose diff names it as removed', async () => {
        // Prepare
        usePolicy('update');
        await register({ fileKey: 'sales/a.parquet' });
        await register({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, col('note', 'VARCHAR')] });
        clock.at += 1_000;

        // Act
        const change = await catalog.removeFile('processed', 'sales', 'sales/b.parquet');

        // Assess
        expect(change).toEqual({ database: 'processed', table: 'sales', version: 3, diff: { ...NO_CHANGE, removed: [col('note', 'VARCHAR', true)] } });
        expect((await catalog.versions('processed', 'sales')).at(-1)).toMatchObject({ version: 3, columns: SALES_COLUMNS, createdAt: T0 + 1_000 });
      });

      it('tableWarnings names files at inconsistent folder depths', async () => {
        // Prepare
        await register({ fileKey: 'sales/a.parquet' });
        await register({ fileKey: 'sales/year=2024/b.parquet', partitionValues: { year: '2024' } });
        await register({ fileKey: 'sales/year=2025/c.parquet', partitionValues: { year: '2025' } });

        // Act
        const warnings = await warningsOf('processed.sales');

        // Assess
        expect(warnings).toEqual([
          'files of processed.sales are at inconsistent folder depths: 2 at year=/ (e.g. sales/year=2024/b.parquet); 1 at the top level (e.g. sales/a.parquet). ' +
            'They stay one table and partition columns are NULL where a file has no such folder; move the files into one layout.',
        ]);
      });

      it('tableWarnings is empty for a consistent table; a table that does not exist has none to show', async () => {
        // Prepare
        await register({ fileKey: 'sales/year=2024/a.parquet', partitionValues: { year: '2024' } });
        await register({ fileKey: 'sales/year=2025/b.parquet', partitionValues: { year: '2025' } });

        // Act & Assess
        expect(await warningsOf('processed.sales')).toEqual([]);
        await expect(warningsOf('final.nothing')).rejects.toThrow(CatalogError);
        expect(await catalog.files('final', 'nothing')).toEqual([]);
      });
    });

    describe('partition key types', () => {
      const partitioned = (key: string, partitionValues: Record<string, string>) => register({ fileKey: `sales/${key}/a.parquet`, partitionValues });

      it('types integer values BIGINT, including leading zeros and negatives', async () => {
        // Act
        await partitioned('month=03/shift=-1', { month: '03', shift: '-1' });
        await partitioned('month=12/shift=2', { month: '12', shift: '2' });

        // Assess
        expect(await salesPartitionKeys()).toEqual([col('month', 'BIGINT'), col('shift', 'BIGINT')]);
      });

      it('types YYYY-MM-DD values DATE', async () => {
        // Act
        await partitioned('day=2024-03-01', { day: '2024-03-01' });
        await partitioned('day=2024-12-31', { day: '2024-12-31' });

        // Assess
        expect(await salesPartitionKeys()).toEqual([col('day', 'DATE')]);
      });

      it.each(VARCHAR_PARTITION_VALUES)('types %s VARCHAR', async (_what, value) => {
        // Act
        await partitioned(`p=${value}`, { p: value });

        // Assess
        expect(await salesPartitionKeys()).toEqual([col('p', 'VARCHAR')]);
      });

      it('types a key VARCHAR once its values mix dates and integers, in a new version', async () => {
        // Prepare
        await partitioned('p=2024-03-01', { p: '2024-03-01' });

        // Act
        const change = await partitioned('p=20240301', { p: '20240301' });

        // Assess
        expect(change).toMatchObject({ version: 2, diff: { widened: [{ name: 'p', from: 'DATE', to: 'VARCHAR' }] } });
        expect(await salesPartitionKeys()).toEqual([col('p', 'VARCHAR')]);
      });

      it('keeps a DATE key DATE and nullable when a file lacks it', async () => {
        // Prepare
        await partitioned('day=2024-03-01', { day: '2024-03-01' });

        // Act
        await register({ fileKey: 'sales/b.parquet', partitionValues: {} });

        // Assess
        expect(await salesPartitionKeys()).toEqual([col('day', 'DATE', true)]);
      });

      it('types each key from its own values, in the order keys first appear', async () => {
        // Act
        await partitioned('region=eu/day=2024-03-01/year=2024', { region: 'eu', day: '2024-03-01', year: '2024' });

        // Assess
        expect(await salesPartitionKeys()).toEqual([col('region', 'VARCHAR'), col('day', 'DATE'), col('year', 'BIGINT')]);
        expect((await catalog.versions('processed', 'sales'))[0]?.diff.added).toEqual([
          ...SALES_COLUMNS,
          col('region', 'VARCHAR'),
          col('day', 'DATE'),
          col('year', 'BIGINT'),
        ]);
      });
    });
  });
}
