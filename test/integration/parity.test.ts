/**
 * Same pipeline locally and on AWS: the same sluice.yaml and the same messy
 * file, once through `sluice ingest` on folders and a SQLite state file, and
 * once through the deployed Lambda's handler with every zone on S3 (s3rver)
 * and the queue, bookmarks and catalog on DynamoDB (dynalite). The processed
 * and final tables must be equal row for row, with the same types, and the
 * rejected rows the same. Glue, which cannot run here, is mocked at the SDK
 * boundary; only its acknowledgements are stubbed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetPartitionsCommand,
  GetTableCommand,
  GlueClient,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler, type LambdaPorts } from '../../src/runtime/lambda/handler.js';
import { composeFromEnvironment } from '../../src/runtime/lambda/main.js';
import { openProject } from '../../src/runtime/project.js';
import { createTables } from '../../src/state/dynamodb/tables.js';
import { queryCatalog } from '../../src/views/query.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { rowsMissingFrom, sluice, tempDir, writeSample } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

const glue = mockClient(GlueClient);
let s3: RunningS3;
let dynamo: RunningDynamo;

/** Cleaning settings beyond the defaults, so the comparison covers them too. */
const DATASETS = `datasets:
  orders:
    columns:
      amount: { missing: median }
    rules:
      - { column: quantity, min: 0 }
`;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(['lake']), startDynamo()]);
  await createTables(dynamo.client(), 'parity-');
  const env = { ...dynamo.env, ...s3.env, AWS_REGION: 'eu-west-1', SLUICE_LOG_LEVEL: 'warn' };
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

const rowsOf = (result: { columns: { name: string }[]; rows: unknown[][] }) =>
  JSON.parse(JSON.stringify(result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c.name, r[i]]))))) as Record<string, unknown>[];

describe('parity', () => {
  it('gives the same processed and final tables, types and rejects locally and on AWS', async () => {
    const sample = path.join(tempDir('sluice-parity-sample-'), 'orders.csv');
    writeSample(sample, { rows: 500, seed: 23 });

    // Locally, as a user runs it.
    const local = tempDir('sluice-parity-local-');
    fs.writeFileSync(path.join(local, 'sluice.yaml'), DATASETS);
    const ingested = await sluice(['ingest', sample, '--dataset', 'orders', '--dir', local]);
    expect(ingested.code, ingested.stderr).toBe(0);

    // On AWS, as the deployed function runs it.
    const config = `zones:\n  raw: s3://lake/raw\n  processed: s3://lake/processed\n  final: s3://lake/final\n  quarantine: s3://lake/quarantine\n${DATASETS}`;
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'config/sluice.yaml', Body: config }));
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/orders/orders.csv', Body: fs.readFileSync(sample) }));
    glue.on(GetTableCommand).rejects(new EntityNotFoundException({ message: 'not found', $metadata: {} }));
    glue.on(UpdateTableCommand).rejects(new EntityNotFoundException({ message: 'not found', $metadata: {} }));
    glue.on(CreateTableCommand).resolves({});
    glue.on(CreateDatabaseCommand).resolves({});
    glue.on(GetPartitionsCommand).resolves({ Partitions: [] });
    let ports: LambdaPorts | undefined;
    const handler = createHandler(async () => {
      ports = await composeFromEnvironment({ ...process.env, SLUICE_CONFIG_URI: 's3://lake/config/sluice.yaml', SLUICE_STATE_PREFIX: 'parity-' });
      return ports;
    });
    const result = await handler({
      Records: [{ eventName: 'ObjectCreated:Put', eventSource: 'aws:s3', s3: { bucket: { name: 'lake' }, object: { key: 'raw/orders/orders.csv' } } }],
    });
    expect(result).toMatchObject({ queued: ['orders/orders.csv'], runs: { completed: 3, failed: 0 } });
    const aws = { ...(ports as LambdaPorts), queries: { run: <T>(fn: () => Promise<T>) => fn() }, tmpDir: path.join(os.tmpdir(), 'sluice-parity-query') };

    for (const table of ['processed.orders', 'final.orders']) {
      const sql = `select * from ${table} order by all`;
      const [here, there] = [await catalogRows(local, sql), rowsOf(await queryCatalog(aws, sql))];
      expect(there.length, table).toBeGreaterThan(400);
      expect(rowsMissingFrom(here, there), table).toEqual([]);
      expect(rowsMissingFrom(there, here), table).toEqual([]);
      const database = table.split('.')[0] as 'processed' | 'final';
      const types = async (catalog: LambdaPorts['catalog']) => (await catalog.getTable(database, 'orders'))?.columns.map((c) => `${c.name} ${c.type}`);
      const localCatalog = openProject(local);
      try {
        expect(await types((ports as LambdaPorts).catalog), table).toEqual(await types(localCatalog.catalog));
      } finally {
        localCatalog.close();
      }
    }
    const rejects = await s3.client().send(new GetObjectCommand({ Bucket: 'lake', Key: 'quarantine/orders/orders.rejects.csv' }));
    expect(await rejects.Body?.transformToString()).toBe(fs.readFileSync(path.join(local, 'data/quarantine/orders/orders.rejects.csv'), 'utf8'));
    (ports as LambdaPorts).engine.close();
  });
});
