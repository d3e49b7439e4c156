/**
 * The Lambda handler invoked in-process with the event JSON AWS delivers, over
 * real protocol servers on loopback: every zone in S3 (s3rver) and the run
 * queue and bookmarks in DynamoDB (dynalite). The catalog, reports and job
 * runs are the SQLite backends in a temp folder here (the catalog's AWS
 * backend has its own contract suite). Nothing is mocked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sluiceConfigSchema } from '../../src/config/schema.js';
import type { PipelineEvent } from '../../src/core/events.js';
import { Engine } from '../../src/engine/duckdb.js';
import { createHandler, type LambdaPorts } from '../../src/runtime/lambda/handler.js';
import { SqliteCatalog } from '../../src/state/catalog.js';
import { openStateDb } from '../../src/state/database.js';
import { DynamoBookmarks } from '../../src/state/dynamodb/bookmarks.js';
import { documentClient } from '../../src/state/dynamodb/client.js';
import { DynamoRunQueue } from '../../src/state/dynamodb/queue.js';
import { createTables } from '../../src/state/dynamodb/tables.js';
import { SqliteJobRuns, SqliteReports } from '../../src/state/records.js';
import { S3ObjectStore } from '../../src/storage/s3/s3-object-store.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { SILENT } from '../helpers/factories.js';
import { sqsRecord } from '../helpers/lambda-events.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

let s3: RunningS3;
let dynamo: RunningDynamo;
let engine: Engine;
let ports: LambdaPorts & { published: PipelineEvent[] };
let handler: ReturnType<typeof createHandler>;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(['lake']), startDynamo()]);
  engine = await Engine.open({ tempDir: tempDir('sluice-lambda-engine-') });
  const names = await createTables(dynamo.client(), 'lambda-');
  const doc = documentClient(dynamo.client());
  const db = openStateDb(path.join(tempDir('sluice-lambda-state-'), 'state.db'));
  const zone = (prefix: string) => new S3ObjectStore({ bucket: 'lake', prefix }, { client: s3.client() });
  const published: PipelineEvent[] = [];
  ports = {
    raw: { bucket: 'lake', prefix: 'raw/' },
    zones: { raw: zone('raw/'), processed: zone('processed/'), final: zone('final/'), quarantine: zone('quarantine/') },
    engine,
    config: sluiceConfigSchema.parse({}),
    catalog: new SqliteCatalog(db),
    bookmarks: new DynamoBookmarks(doc, names.bookmarks),
    queue: new DynamoRunQueue(doc, names.runs),
    events: {
      append: async (e) => {
        published.push(e);
      },
    },
    reports: new SqliteReports(db),
    jobRuns: new SqliteJobRuns(db),
    log: SILENT,
    published,
  };
  handler = createHandler(async () => ports);
});

afterAll(async () => {
  engine?.close();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 900_000 });

function s3Event(key: string) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2026-11-29T08:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: 'lake', arn: 'arn:aws:s3:::lake' }, object: { key, size: 10, eTag: 'x', sequencer: '01' } },
      },
    ],
  };
}

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

describe('the Lambda handler', () => {
  it('takes a file from raw to final on S3 for an S3 notification, with key encoding undone', async () => {
    await s3
      .client()
      .send(
        new PutObjectCommand({ Bucket: 'lake', Key: 'raw/orders/jan 2024.csv', Body: 'id,amount,day\n1,10.5,2024-01-02\n2,7,2024-01-03\n2,7,2024-01-03\n' }),
      );
    const result = await handler(s3Event('raw/orders/jan+2024.csv'), context('req-1'));
    expect(result).toEqual({ queued: ['orders/jan 2024.csv'], skipped: [], runs: { completed: 3, retrying: 0, failed: 0, lost: 0 }, leftover: false });
    expect(await keys('final/')).toEqual(['final/orders/jan 2024.parquet']);
    expect((await ports.catalog.getTable('final', 'orders'))?.stats).toMatchObject({ rows: 2, files: 1 });
    expect(ports.published.map((e) => e.type)).toEqual(['object.created', 'schema.changed', 'table.updated', 'table.updated']);
    // Scratch space is gone after the invocation.
    expect(fs.existsSync(path.join(os.tmpdir(), 'sluice-req-1'))).toBe(false);
  });

  it('changes nothing when the same event is delivered again', async () => {
    const before = { final: await keys('final/'), events: ports.published.length, runs: (await ports.queue.list()).length };
    const result = await handler(s3Event('raw/orders/jan+2024.csv'), context('req-2'));
    expect(result).toMatchObject({ queued: [], runs: { completed: 0, retrying: 0, failed: 0, lost: 0 } });
    expect(await keys('final/')).toEqual(before.final);
    expect(ports.published.length).toBe(before.events);
    expect((await ports.queue.list()).length).toBe(before.runs);
  });

  it('reads SQS batches: skips the S3 test event and a vanished object, reporting no failed item', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/orders/feb.csv', Body: 'id,amount,day\n3,1,2024-02-01\n' }));
    const result = await handler(
      {
        Records: [
          sqsRecord(s3Event('raw/orders/feb.csv'), 'm-1'),
          sqsRecord({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'lake' }, 'm-2'),
          sqsRecord(s3Event('raw/orders/gone.csv'), 'm-3'),
        ],
      },
      context('req-3'),
    );
    expect(result.queued).toEqual(['orders/feb.csv']);
    expect(result.batchItemFailures).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'an S3 test event (sent once when a notification is set up)',
      's3://lake/raw/orders/gone.csv was removed before it was read',
    ]);
    expect((await ports.catalog.getTable('final', 'orders'))?.stats.rows).toBe(3);
  });

  it('takes EventBridge events, and quarantines a file that is not text, as locally', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/orders/bad.csv', Body: Buffer.from([0, 1, 2, 3, 0, 255, 0, 7]) }));
    const result = await handler(
      {
        version: '0',
        id: 'e',
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '123456789012',
        time: '2026-11-29T08:00:00Z',
        region: 'eu-west-1',
        resources: [],
        detail: { version: '0', bucket: { name: 'lake' }, object: { key: 'raw/orders/bad.csv', size: 8 } },
      },
      context('req-4'),
    );
    expect(result).toMatchObject({ queued: ['orders/bad.csv'], runs: { completed: 1 } });
    expect(await keys('quarantine/orders/')).toContain('quarantine/orders/bad.csv');
    expect(ports.published.at(-1)).toMatchObject({ type: 'run.quarantined', subject: 'orders/bad.csv' });
  });

  it('logs and ends on a malformed event or a key no zone may hold, without throwing (no retry loop)', async () => {
    expect(await handler({ hello: 'world' }, context('req-5'))).toMatchObject({
      queued: [],
      skipped: [{ reason: 'the event is not an S3 notification, an SQS batch or an EventBridge "Object Created" event', refused: true }],
    });
    const bad = await handler(s3Event('raw/orders/..%2F..%2Fsecrets.csv'), context('req-6'));
    expect(bad.skipped).toEqual([{ reason: 'invalid key "orders/../../secrets.csv": empty, "." and ".." path segments are not allowed', refused: true }]);
  });

  it('works what is left in the queue on a scheduled sweep', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/orders/mar.csv', Body: 'id,amount,day\n4,2,2024-03-01\n' }));
    // A file noted with no time left: queued, left over for the next invocation.
    const short = await handler(s3Event('raw/orders/mar.csv'), { awsRequestId: 'req-7', getRemainingTimeInMillis: () => 1_000 });
    expect(short).toMatchObject({ queued: ['orders/mar.csv'], runs: { completed: 0 }, leftover: true });
    const sweep = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, context('req-8'));
    expect(sweep).toMatchObject({ queued: [], runs: { completed: 3 }, leftover: false });
    expect(await keys('final/orders/')).toContain('final/orders/mar.parquet');
  });
});
