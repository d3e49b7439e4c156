/**
 * The catalog on AWS: DynamoCatalog wrapped in GlueCatalog, which mirrors each
 * changed table into the Glue Data Catalog. The catalog contract runs against
 * it with DynamoDB served by dynalite on loopback. The Glue control plane has
 * no local server to run here, so its client is mocked (aws-sdk-client-mock)
 * at the SDK boundary: in the contract run by a small in-memory Glue that
 * keeps tables and partitions and refuses what Glue refuses, in the cases
 * below by answers scripted per call, checking the exact requests.
 */
import {
  AccessDeniedException,
  AlreadyExistsException,
  BatchCreatePartitionCommand,
  type BatchCreatePartitionCommandInput,
  ConcurrentModificationException,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetPartitionsCommand,
  type GetPartitionsCommandInput,
  GetTableCommand,
  GlueClient,
  type TableInput,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CatalogFile, CatalogTable, TableChange } from '../../src/core/catalog.js';
import { StateError } from '../../src/core/errors.js';
import { DynamoBookmarks } from '../../src/state/dynamodb/bookmarks.js';
import { DynamoCatalog } from '../../src/state/dynamodb/catalog.js';
import type { TableNames } from '../../src/state/dynamodb/tables.js';
import { GlueCatalog } from '../../src/state/glue/catalog.js';
import { type CatalogReader, GluePublisher, PARQUET_INPUT_FORMAT, PARQUET_OUTPUT_FORMAT, PARQUET_SERDE } from '../../src/state/glue/publisher.js';
import { col, fileEntry, fileRegistration } from '../helpers/catalog-entries.js';
import { T0 } from '../helpers/contract-case.js';
import { freshTables, type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { catalogContract, type PolicyOf } from './catalog.contract.js';

let dynamo: RunningDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

const glueError = <E>(Type: new (opts: { message: string; $metadata: object }) => E, message = 'refused by the test') =>
  new Type({ message, $metadata: { httpStatusCode: 400 } });

/**
 * An in-memory Glue behind a mocked client: databases, tables and partitions,
 * EntityNotFound for what is missing and AlreadyExists for what is there, as
 * Glue answers. GetPartitions pages by two, so paging is exercised.
 */
function inMemoryGlue() {
  const client = new GlueClient({ region: 'us-east-1', credentials: { accessKeyId: 'TEST', secretAccessKey: 'TEST' } });
  const mock = mockClient(client);
  const databases = new Set<string>();
  const tables = new Map<string, TableInput>();
  const partitions = new Map<string, string[][]>();
  const tableId = (database = '', name = '') => `${database}.${name}`;
  const requireDatabase = (name = '') => {
    if (!databases.has(name)) throw glueError(EntityNotFoundException, `Database ${name} not found.`);
  };
  const requireTable = (id: string) => {
    if (!tables.has(id)) throw glueError(EntityNotFoundException, `Table ${id} not found.`);
  };
  mock.on(CreateDatabaseCommand).callsFake(({ DatabaseInput }) => {
    if (databases.has(DatabaseInput.Name)) throw glueError(AlreadyExistsException);
    databases.add(DatabaseInput.Name);
    return {};
  });
  mock.on(CreateTableCommand).callsFake(({ DatabaseName, TableInput: input }) => {
    requireDatabase(DatabaseName);
    const id = tableId(DatabaseName, input.Name);
    if (tables.has(id)) throw glueError(AlreadyExistsException);
    tables.set(id, input);
    return {};
  });
  mock.on(UpdateTableCommand).callsFake(({ DatabaseName, TableInput: input }) => {
    const id = tableId(DatabaseName, input.Name);
    requireTable(id);
    tables.set(id, input);
    return {};
  });
  mock.on(GetTableCommand).callsFake(({ DatabaseName, Name }) => {
    const id = tableId(DatabaseName, Name);
    requireTable(id);
    return { Table: tables.get(id) };
  });
  mock.on(DeleteTableCommand).callsFake(({ DatabaseName, Name }) => {
    const id = tableId(DatabaseName, Name);
    requireTable(id);
    tables.delete(id);
    partitions.delete(id);
    return {};
  });
  mock.on(GetPartitionsCommand).callsFake(({ DatabaseName, TableName, NextToken }: GetPartitionsCommandInput) => {
    const id = tableId(DatabaseName, TableName);
    requireTable(id);
    const start = Number(NextToken ?? 0);
    const all = partitions.get(id) ?? [];
    return { Partitions: all.slice(start, start + 2).map((Values) => ({ Values })), ...(start + 2 < all.length ? { NextToken: String(start + 2) } : {}) };
  });
  mock.on(BatchCreatePartitionCommand).callsFake(({ DatabaseName, TableName, PartitionInputList }: BatchCreatePartitionCommandInput) => {
    const id = tableId(DatabaseName, TableName);
    requireTable(id);
    const held = partitions.get(id) ?? [];
    const Errors = [];
    for (const p of PartitionInputList ?? []) {
      const values = p.Values ?? [];
      if (held.some((v) => JSON.stringify(v) === JSON.stringify(values)))
        Errors.push({ PartitionValues: values, ErrorDetail: { ErrorCode: 'AlreadyExistsException' } });
      else held.push(values);
    }
    partitions.set(id, held);
    return { Errors };
  });
  return { client, mock, databases, tables, partitions };
}

const toS3 = (location: string) => `s3://sluice-test/${location}`;

/** DynamoCatalog on fresh tables, published to Glue through `glue` (zones mapped to a test bucket, no waits between retries). */
function publishingCatalog(t: { doc: DynamoDBDocumentClient; names: TableNames }, glue: GlueClient, now: () => number, policyOf?: PolicyOf): GlueCatalog {
  const publisher = new GluePublisher(glue, { databasePrefix: 'sluice_', s3LocationOf: toS3, sleep: async () => {} });
  return new GlueCatalog(new DynamoCatalog(t.doc, t.names, now, policyOf), publisher);
}

catalogContract('DynamoDB, published to Glue (Glue mocked)', async ({ now, policyOf }) => {
  const t = await freshTables(dynamo);
  const glue = inMemoryGlue();
  return {
    catalog: publishingCatalog(t, glue.client, now, policyOf),
    bookmarks: new DynamoBookmarks(t.doc, t.names.bookmarks, now),
    cleanup: async () => {
      glue.mock.restore();
      await t.cleanup();
    },
  };
});

/** A table of processed.sales with two partition keys and commented columns, as a catalog holds it. */
function salesTable(overrides: Partial<CatalogTable> = {}): CatalogTable {
  return {
    database: 'processed',
    name: 'sales',
    location: 's3://lake/processed/sales',
    format: 'parquet',
    columns: [
      { ...col('id', 'BIGINT'), comment: 'from "Order ID"; integers in every row' },
      { ...col('amount', 'DECIMAL(18,2)', true), comment: 'from "Amount"; decimals with 2 places' },
      col('note', 'VARCHAR', true),
    ],
    partitionKeys: [col('year', 'BIGINT'), col('region', 'VARCHAR')],
    version: 3,
    createdAt: T0,
    updatedAt: T0,
    stats: { rows: 0, bytes: 0, files: 0 },
    ...overrides,
  };
}

/** A catalog reader holding one table and its files. */
function readerOf(table: CatalogTable | undefined, partitionValues: Record<string, string>[] = []): CatalogReader {
  const files: CatalogFile[] = partitionValues.map((pv, i) => ({ ...fileEntry({ fileKey: `sales/${i}.parquet`, partitionValues: pv }), updatedAt: T0 }));
  return { getTable: async () => table, files: async () => files };
}

/** A change that made version 3 of processed.sales. */
const CHANGE: TableChange = {
  database: 'processed',
  table: 'sales',
  version: 3,
  diff: { added: [col('note', 'VARCHAR', true)], removed: [], widened: [], changed: [] },
};

describe('Glue requests', () => {
  let glue: AwsClientStub<GlueClient>;
  let client: GlueClient;
  let waits: number[];
  let publisher: GluePublisher;

  beforeEach(() => {
    client = new GlueClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDSECRETTEST', secretAccessKey: 'SECRETKEYTEST' } });
    glue = mockClient(client);
    waits = [];
    publisher = new GluePublisher(client, {
      databasePrefix: 'sluice_',
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    return () => glue.restore();
  });

  const expectedInput: TableInput = {
    Name: 'sales',
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'sluice.version': '3' },
    PartitionKeys: [
      { Name: 'year', Type: 'bigint' },
      { Name: 'region', Type: 'string' },
    ],
    StorageDescriptor: {
      Columns: [
        { Name: 'id', Type: 'bigint', Comment: 'from "Order ID"; integers in every row' },
        { Name: 'amount', Type: 'decimal(18,2)', Comment: 'from "Amount"; decimals with 2 places' },
        { Name: 'note', Type: 'string' },
      ],
      Location: 's3://lake/processed/sales/',
      InputFormat: PARQUET_INPUT_FORMAT,
      OutputFormat: PARQUET_OUTPUT_FORMAT,
      SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } },
    },
  };

  it('updates the table with Parquet SerDe and formats, an s3 location ending in /, Hive types, comments and typed partition keys', async () => {
    // Prepare
    glue.on(UpdateTableCommand).resolves({});
    glue.on(GetPartitionsCommand).resolves({ Partitions: [] });

    // Act
    await publisher.publish(CHANGE, readerOf(salesTable()));

    // Assess
    expect(glue.commandCalls(UpdateTableCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseName: 'sluice_processed', TableInput: expectedInput }]);
    expect(glue.commandCalls(CreateTableCommand)).toHaveLength(0);
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0);
    expect(PARQUET_SERDE).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(PARQUET_INPUT_FORMAT).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
    expect(PARQUET_OUTPUT_FORMAT).toBe('org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat');
  });

  it('creates the table when Glue does not know it (EntityNotFoundException), with the same input', async () => {
    // Prepare
    glue.on(UpdateTableCommand).rejects(glueError(EntityNotFoundException));
    glue.on(CreateTableCommand).resolves({});
    glue.on(GetPartitionsCommand).resolves({ Partitions: [] });
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });

    // Act
    await publisher.publish(CHANGE, readerOf(salesTable(), [{ year: '2024', region: 'eu' }]));

    // Assess
    expect(glue.commandCalls(CreateTableCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseName: 'sluice_processed', TableInput: expectedInput }]);
    expect(glue.commandCalls(CreateDatabaseCommand)).toHaveLength(0);
    expect(glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input)).toEqual([
      {
        DatabaseName: 'sluice_processed',
        TableName: 'sales',
        PartitionInputList: [
          {
            Values: ['2024', 'eu'],
            StorageDescriptor: { ...expectedInput.StorageDescriptor, Location: 's3://lake/processed/sales/year=2024/region=eu/' },
          },
        ],
      },
    ]);
  });

  it('creates the database first when Glue lacks it too', async () => {
    // Prepare
    glue.on(UpdateTableCommand).rejects(glueError(EntityNotFoundException));
    glue.on(CreateTableCommand).rejectsOnce(glueError(EntityNotFoundException, 'Database sluice_final not found.')).resolves({});
    glue.on(CreateDatabaseCommand).resolves({});

    // Act
    await publisher.publish({ ...CHANGE, database: 'final' }, readerOf(salesTable({ database: 'final', partitionKeys: [] })));

    // Assess
    expect(glue.commandCalls(CreateDatabaseCommand).map((c) => c.args[0].input)).toEqual([{ DatabaseInput: { Name: 'sluice_final' } }]);
    expect(glue.commandCalls(CreateTableCommand)).toHaveLength(2);
    expect(glue.commandCalls(GetPartitionsCommand)).toHaveLength(0);
  });

  it('creates 250 new partitions in 3 calls of at most 100, after reading the existing ones page by page', async () => {
    // Prepare: 255 distinct partition values, 5 of which Glue has on two pages; one more was created meanwhile.
    const values = Array.from({ length: 255 }, (_, i) => ({ year: String(2000 + (i % 5)), region: `r${Math.floor(i / 5)}` }));
    const asValues = (pv: { year: string; region: string }) => [pv.year, pv.region];
    glue.on(UpdateTableCommand).resolves({});
    glue
      .on(GetPartitionsCommand)
      .resolvesOnce({ Partitions: values.slice(0, 3).map((pv) => ({ Values: asValues(pv) })), NextToken: 'page-2' })
      .resolvesOnce({ Partitions: values.slice(3, 5).map((pv) => ({ Values: asValues(pv) })) });
    glue
      .on(BatchCreatePartitionCommand)
      .resolvesOnce({
        Errors: [{ PartitionValues: asValues(values[5] as { year: string; region: string }), ErrorDetail: { ErrorCode: 'AlreadyExistsException' } }],
      })
      .resolves({ Errors: [] });

    // Act
    await publisher.publish(CHANGE, readerOf(salesTable(), [...values, ...values.slice(0, 10)]));

    // Assess
    expect(glue.commandCalls(GetPartitionsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    const batches = glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList ?? []);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat().map((p) => p.Values)).toEqual(values.slice(5).map(asValues));
  });

  it('a change that kept the schema updates no table Glue has, and publishes only the new partitions', async () => {
    // Prepare
    glue.on(GetTableCommand).resolves({ Table: { Name: 'sales' } });
    glue.on(GetPartitionsCommand).resolves({ Partitions: [{ Values: ['2024', 'eu'] }] });
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });

    // Act
    await publisher.publish(
      { database: 'processed', table: 'sales', version: 3 },
      readerOf(salesTable(), [
        { year: '2024', region: 'eu' },
        { year: '2025', region: 'eu' },
      ]),
    );

    // Assess
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0);
    expect(glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input.PartitionInputList?.map((p) => p.Values))).toEqual([[['2025', 'eu']]]);
  });

  it('a change that kept the schema still creates the table when Glue lacks it', async () => {
    // Prepare
    glue.on(GetTableCommand).rejects(glueError(EntityNotFoundException));
    glue.on(UpdateTableCommand).rejects(glueError(EntityNotFoundException));
    glue.on(CreateTableCommand).resolves({});

    // Act
    await publisher.publish({ database: 'processed', table: 'sales', version: 3 }, readerOf(salesTable({ partitionKeys: [] })));

    // Assess
    expect(glue.commandCalls(CreateTableCommand)).toHaveLength(1);
  });

  it('retries a call Glue refuses with ConcurrentModificationException, with growing waits, then succeeds', async () => {
    // Prepare
    glue.on(UpdateTableCommand).rejectsOnce(glueError(ConcurrentModificationException)).rejectsOnce(glueError(ConcurrentModificationException)).resolves({});
    glue.on(GetPartitionsCommand).resolves({ Partitions: [] });

    // Act
    await publisher.publish(CHANGE, readerOf(salesTable()));

    // Assess
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(3);
    expect(waits).toEqual([100, 200]);
  });

  it('gives up after the last attempt with a StateError', async () => {
    // Prepare
    glue.on(UpdateTableCommand).rejects(glueError(ConcurrentModificationException));

    // Act
    const act = publisher.publish(CHANGE, readerOf(salesTable()));

    // Assess
    await expect(act).rejects.toThrow(/Glue UpdateTable on sluice_processed\.sales failed: ConcurrentModificationException/);
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(6);
  });

  it('turns an unexpected Glue error into a StateError naming the table and the error code, without the credentials', async () => {
    // Prepare
    glue.on(UpdateTableCommand).rejects(glueError(AccessDeniedException, 'User AKIDSECRETTEST is not authorized'));

    // Act
    const act = publisher.publish(CHANGE, readerOf(salesTable()));

    // Assess
    await expect(act).rejects.toThrow(StateError);
    await expect(act).rejects.toThrow(/^Glue UpdateTable on sluice_processed\.sales failed: AccessDeniedException \(HTTP 400\)/);
    await expect(act).rejects.not.toThrow(/AKIDSECRETTEST|SECRETKEYTEST/);
    await expect(act).rejects.toMatchObject({ operation: 'Glue UpdateTable on sluice_processed.sales', cause: { name: 'AccessDeniedException' } });
  });

  it('a partition Glue refuses for another reason than AlreadyExists is a StateError naming it', async () => {
    // Prepare
    glue.on(UpdateTableCommand).resolves({});
    glue.on(GetPartitionsCommand).resolves({ Partitions: [] });
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [{ PartitionValues: ['2024', 'eu'], ErrorDetail: { ErrorCode: 'InvalidInputException' } }] });

    // Act
    const act = publisher.publish(CHANGE, readerOf(salesTable(), [{ year: '2024', region: 'eu' }]));

    // Assess
    await expect(act).rejects.toThrow(
      /Glue BatchCreatePartition on sluice_processed\.sales failed for 1 partition\(s\), first \[2024, eu\]: InvalidInputException/,
    );
  });

  it('deletes a dropped table (empty schema) from Glue, and a table Glue never had is fine', async () => {
    // Prepare
    glue.on(DeleteTableCommand).rejectsOnce(glueError(EntityNotFoundException)).resolves({});
    const dropped = readerOf(salesTable({ columns: [], partitionKeys: [], version: 4 }));

    // Act
    await publisher.publish({ ...CHANGE, version: 4, dropped: true }, dropped);
    await publisher.publish({ ...CHANGE, version: 4, dropped: true }, dropped);

    // Assess
    expect(glue.commandCalls(DeleteTableCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: 'sluice_processed', Name: 'sales' },
      { DatabaseName: 'sluice_processed', Name: 'sales' },
    ]);
    expect(glue.commandCalls(UpdateTableCommand)).toHaveLength(0);
  });

  it('publishes nothing for a refused file, and refuses a table whose location is not on S3', async () => {
    // Act
    await publisher.publish({ ...CHANGE, rejected: { added: [col('x', 'VARCHAR')], removed: [], widened: [], changed: [] } }, readerOf(salesTable()));
    const act = publisher.publish(CHANGE, readerOf(salesTable({ location: 'data/processed/sales' })));

    // Assess
    await expect(act).rejects.toThrow(/location "data\/processed\/sales" is not on S3/);
    expect(glue.calls()).toHaveLength(0);
  });
});

describe('GlueCatalog over DynamoCatalog', () => {
  it('mirrors each write: the table with its partitions, a swap, a removal that drops the table', async () => {
    // Prepare
    const t = await freshTables(dynamo);
    const glue = inMemoryGlue();
    const catalog = publishingCatalog(t, glue.client, () => T0);

    // Act
    await catalog.registerFile(fileRegistration({ fileKey: 'sales/year=2024/a.parquet', partitionValues: { year: '2024' } }));
    await catalog.registerFile(fileRegistration({ fileKey: 'sales/year=2025/b.parquet', partitionValues: { year: '2025' } }));
    const orders = { database: 'final', table: 'orders', location: 'data/final/orders' } as const;
    await catalog.replaceFiles({ ...orders, remove: [], add: [fileEntry({ fileKey: 'orders/a.parquet' })] });
    const sales = glue.tables.get('sluice_processed.sales');
    const partitions = glue.partitions.get('sluice_processed.sales');
    await catalog.removeFile('final', 'orders', 'orders/a.parquet');

    // Assess
    expect([...glue.databases].sort()).toEqual(['sluice_final', 'sluice_processed']);
    expect(sales?.StorageDescriptor?.Columns?.map((c) => `${c.Name} ${c.Type}`)).toEqual(['id bigint', 'amount decimal(18,2)', 'sold_on date']);
    expect(sales?.StorageDescriptor?.Location).toBe('s3://sluice-test/data/processed/sales/');
    expect(sales?.PartitionKeys).toEqual([{ Name: 'year', Type: 'bigint' }]);
    expect(partitions).toEqual([['2024'], ['2025']]);
    expect(glue.tables.has('sluice_final.orders')).toBe(false);
    expect(glue.mock.commandCalls(DeleteTableCommand)).toHaveLength(1);
    glue.mock.restore();
    await t.cleanup();
  });
});
