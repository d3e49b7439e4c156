/**
 * The DynamoDB tables of the run state, in one place: their names under a
 * prefix, their keys and indexes, and `createTables` (used by the tests, and
 * by the CDK deploy to declare the same shapes).
 *
 * `bookmarks`: partition key `job`, sort key `inputKey`; one item per
 * bookmark, so a job's bookmarks are one partition read in key order.
 *
 * `runs` holds several kinds of item under generic keys `pk`/`sk`:
 *
 * | item | pk | sk | what for |
 * |---|---|---|---|
 * | run | `R#<stage>#<subject>` | `H#<input hash>` | the run; the key is the dedupe key, and a stage+subject's runs are one partition |
 * | id pointer | `I#<id>` | `-` | finds a run by id with a consistent read |
 * | lock member | `L#<lock key>` | `Q#<id, zero-padded>` | one per queued or running run: the lock's queue, in id order |
 * | lock holder | `L#<lock key>` | `HOLD` | the run that holds the lock, and until when |
 * | counter | `COUNTER` | `-` | run ids (`next`) and the change mark (`mark`) |
 *
 * Indexes (on run items only; other items lack their keys, so they stay out):
 * `byStatus` (`status`, `id`) finds queued and running runs and lists runs by
 * status; `byRoot` (`root`, `id`) gives a raw version's chain.
 *
 * `catalog` holds the catalog's tables, files and schema versions under
 * `pk`/`sk` (see catalog.ts for how they are written):
 *
 * | item | pk | sk |
 * |---|---|---|
 * | table | `D#<database>` | `<table>` |
 * | file | `F#<database>#<table>` | `<file key>` |
 * | schema version | `V#<database>#<table>` | `<version, zero-padded>` |
 *
 * so a database's tables, a table's files and its versions are each one
 * partition, read consistently in order. Indexes on file items only:
 * `byFile` (`fileRef` = `<database>#<file key>`) finds a database's file
 * without knowing its table; `bySource` (`sourceRef` = `<database>#<raw key>`)
 * the files that came from a raw key.
 *
 * `idempotency` (its name is the Lambda's SLUICE_IDEMPOTENCY_TABLE) holds
 * Powertools idempotency records with Powertools' default attributes:
 * partition key `id` (string), status, `expiration` in epoch seconds (the
 * table's TTL attribute: enable TTL on it so expired records are removed),
 * `in_progress_expiration` and `data`. One record per raw object version
 * (bucket, key, ETag or version id) a delivery noted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { stateFailure } from './client.js';

export interface TableNames {
  runs: string;
  bookmarks: string;
  catalog: string;
}

export const RUNS_BY_STATUS = 'byStatus';
export const RUNS_BY_ROOT = 'byRoot';
export const CATALOG_BY_FILE = 'byFile';
export const CATALOG_BY_SOURCE = 'bySource';

/** The idempotency table's TTL attribute (Powertools' `expiration`, epoch seconds). */
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

/** The idempotency table's name under the state tables' prefix, as the deploy names it (`sluice-prod-idempotency`). */
export function idempotencyTableName(prefix: string): string {
  return `${prefix}idempotency`;
}

/** The idempotency table's CreateTable input (on-demand); TTL on IDEMPOTENCY_TTL_ATTRIBUTE is set apart (UpdateTimeToLive, or the CDK table's `timeToLiveAttribute`). */
export function idempotencyTableDefinition(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  };
}

/** The tables' names under a prefix (`sluice-prod-` → `sluice-prod-runs`, `sluice-prod-bookmarks`, `sluice-prod-catalog`). */
export function tableNames(prefix: string): TableNames {
  return { runs: `${prefix}runs`, bookmarks: `${prefix}bookmarks`, catalog: `${prefix}catalog` };
}

type GlobalIndex = NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>[number];

/** A table of several kinds of item under generic keys `pk`/`sk`, with indexes over the attributes named (and typed) in `indexed`. */
function genericTable(name: string, indexed: Record<string, 'S' | 'N'>, indexes: GlobalIndex[]): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: Object.entries({ pk: 'S', sk: 'S', ...indexed }).map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType: AttributeType as 'S' | 'N',
    })),
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes,
  };
}

/** The CreateTable input of each table, on-demand billing. */
export function tableDefinitions(prefix: string): CreateTableCommandInput[] {
  const names = tableNames(prefix);
  const byId = (name: string, hashKey: string) => ({
    IndexName: name,
    KeySchema: [
      { AttributeName: hashKey, KeyType: 'HASH' as const },
      { AttributeName: 'id', KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  return [
    {
      TableName: names.bookmarks,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'job', AttributeType: 'S' },
        { AttributeName: 'inputKey', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'job', KeyType: 'HASH' },
        { AttributeName: 'inputKey', KeyType: 'RANGE' },
      ],
    },
    genericTable(names.runs, { status: 'S', root: 'S', id: 'N' }, [byId(RUNS_BY_STATUS, 'status'), byId(RUNS_BY_ROOT, 'root')]),
    genericTable(names.catalog, { fileRef: 'S', sourceRef: 'S' }, [
      {
        IndexName: CATALOG_BY_FILE,
        KeySchema: [{ AttributeName: 'fileRef', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['sourceRawKey'] },
      },
      { IndexName: CATALOG_BY_SOURCE, KeySchema: [{ AttributeName: 'sourceRef', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
    ]),
  ];
}

/** Create the tables (those that exist already are left as they are) and wait until they are active. */
export async function createTables(client: DynamoDBClient, prefix: string): Promise<TableNames> {
  for (const def of tableDefinitions(prefix)) await createTable(client, def);
  return tableNames(prefix);
}

/** Create the idempotency table (left as it is if it exists) and wait until it is active. */
export async function createIdempotencyTable(client: DynamoDBClient, name: string): Promise<string> {
  await createTable(client, idempotencyTableDefinition(name));
  return name;
}

async function createTable(client: DynamoDBClient, def: CreateTableCommandInput): Promise<void> {
  const table = def.TableName ?? '';
  try {
    await client.send(new CreateTableCommand(def));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw stateFailure(err, 'CreateTable', table);
  }
  await waitUntilActive(client, table);
}

/** Poll a new table until it and its indexes are active: soon at first (a local endpoint takes milliseconds), then every 2 s, for up to 5 minutes. */
async function waitUntilActive(client: DynamoDBClient, table: string): Promise<void> {
  const deadline = Date.now() + 5 * 60_000;
  for (let delay = 20; ; delay = Math.min(delay * 2, 2_000)) {
    let described: DescribeTableCommandOutput;
    try {
      described = await client.send(new DescribeTableCommand({ TableName: table }));
    } catch (err) {
      throw stateFailure(err, 'DescribeTable', table);
    }
    const t = described.Table;
    if (t?.TableStatus === 'ACTIVE' && (t.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE')) return;
    if (Date.now() > deadline) throw stateFailure(new Error(`table is still ${t?.TableStatus ?? 'missing'} after 5 minutes`), 'DescribeTable', table);
    await sleep(delay);
  }
}
