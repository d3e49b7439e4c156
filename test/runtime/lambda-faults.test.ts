/**
 * Faults on the AWS backends, through the Lambda handler: every zone in S3
 * (s3rver) and the run queue and bookmarks in DynamoDB (dynalite), real
 * protocol servers on loopback, each behind a fault proxy
 * (test/helpers/fault-proxy.ts) that answers chosen requests with AWS's own
 * throttling answers. The clients' retry strategy is the production one
 * (storage/aws-retry.ts) with its waits scaled down, so what is tested is
 * backoff, attempts and what happens once they are spent. The catalog,
 * reports and job runs are the SQLite backends in a temp folder, as in
 * lambda-handler.test.ts. Nothing is mocked.
 */
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { StorageError } from '../../src/core/errors.js';
import type { PipelineEvent } from '../../src/core/events.js';
import { Engine } from '../../src/engine/duckdb.js';
import { createHandler, type LambdaPorts } from '../../src/runtime/lambda/handler.js';
import { createLogger } from '../../src/runtime/logger.js';
import { SqliteCatalog } from '../../src/state/catalog.js';
import { openStateDb } from '../../src/state/database.js';
import { DynamoBookmarks } from '../../src/state/dynamodb/bookmarks.js';
import { documentClient, dynamoClientConfig } from '../../src/state/dynamodb/client.js';
import { DynamoRunQueue } from '../../src/state/dynamodb/queue.js';
import { createTables } from '../../src/state/dynamodb/tables.js';
import { SqliteJobRuns, SqliteReports } from '../../src/state/records.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../src/storage/aws-retry.js';
import { s3ClientConfig } from '../../src/storage/s3/client.js';
import { S3ObjectStore } from '../../src/storage/s3/s3-object-store.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { DYNAMO_THROTTLING, DYNAMO_THROUGHPUT_EXCEEDED, type FaultProxy, S3_SLOW_DOWN, startFaultProxy } from '../helpers/fault-proxy.js';
import { sqsRecord } from '../helpers/lambda-events.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

/** The production retry strategy, its waits a hundredth as long (a throttled call waits ms, not seconds). */
const FAST_RETRY = { retry: { delayScale: 0.01 } };

let s3: RunningS3;
let dynamo: RunningDynamo;
let s3Proxy: FaultProxy;
let dynamoProxy: FaultProxy;
let engine: Engine;
let direct: S3Client;
/** How far the run queue's clock is ahead of the wall clock (a retry's delay passes without waiting for it). */
let clockShift = 0;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(['lake']), startDynamo()]);
  [s3Proxy, dynamoProxy] = await Promise.all([startFaultProxy(s3.endpoint), startFaultProxy(dynamo.endpoint)]);
  engine = await Engine.open({ tempDir: tempDir('sluice-faults-engine-') });
  direct = s3.client();
});

afterAll(async () => {
  engine?.close();
  await Promise.all([s3Proxy?.stop(), dynamoProxy?.stop()]);
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

/** A handler over ports reaching S3 and DynamoDB through the proxies, its log lines kept as parsed JSON. */
async function compose(yaml = '') {
  const s3Client = new S3Client({ ...s3ClientConfig({ ...s3.env, AWS_ENDPOINT_URL_S3: s3Proxy.endpoint }, FAST_RETRY), credentials: CREDENTIALS.s3 });
  const dynamoClient = new DynamoDBClient({
    ...dynamoClientConfig({ ...dynamo.env, AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint }, FAST_RETRY),
    credentials: CREDENTIALS.dynamo,
  });
  const names = await createTables(dynamo.client(), `f${Math.random().toString(36).slice(2, 8)}-`);
  const doc = documentClient(dynamoClient);
  const db = openStateDb(path.join(tempDir('sluice-faults-state-'), 'state.db'));
  const zone = (prefix: string) => new S3ObjectStore({ bucket: 'lake', prefix }, { client: s3Client });
  const lines: Record<string, unknown>[] = [];
  const published: PipelineEvent[] = [];
  const ports: LambdaPorts = {
    raw: { bucket: 'lake', prefix: 'raw/' },
    zones: { raw: zone('raw/'), processed: zone('processed/'), final: zone('final/'), quarantine: zone('quarantine/') },
    engine,
    config: parseConfig(yaml, 'sluice.yaml'),
    catalog: new SqliteCatalog(db),
    bookmarks: new DynamoBookmarks(doc, names.bookmarks),
    queue: new DynamoRunQueue(doc, names.runs, () => Date.now() + clockShift),
    events: {
      append: async (e) => {
        published.push(e);
      },
    },
    reports: new SqliteReports(db),
    jobRuns: new SqliteJobRuns(db),
    log: createLogger({ json: true, level: 'info', write: (line) => lines.push(JSON.parse(line)) }),
  };
  return { ports, handler: createHandler(async () => ports), lines, published, s3Client };
}

const CREDENTIALS = { s3: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, dynamo: { accessKeyId: 'DYNALITE', secretAccessKey: 'DYNALITE' } };
const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 900_000 });

function s3Event(key: string) {
  return { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lake' }, object: { key, size: 10 } } }] };
}

function sqsBatch(...records: { key: string; id: string }[]) {
  return {
    Records: records.map(({ key, id }) => sqsRecord(s3Event(key), id)),
  };
}

async function keys(prefix: string): Promise<string[]> {
  const out = await direct.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

async function text(key: string): Promise<string> {
  const out = await direct.send(new GetObjectCommand({ Bucket: 'lake', Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

/** Requests the proxy saw since `from` (an index into its log). */
const since = (proxy: FaultProxy, from: number) => proxy.requests.slice(from);

describe('an object over defaults.maxFileBytes', () => {
  it('ends quarantined with its size, the limit and how to raise it, reported, without its bytes passing through the Lambda', async () => {
    // Prepare
    const { handler, ports, lines, published } = await compose('defaults:\n  maxFileBytes: 64\n');
    const body = `id,amount\n${Array.from({ length: 20 }, (_, i) => `${i},${i}.5`).join('\n')}\n`;
    await direct.send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/huge/big.csv', Body: body }));
    const from = s3Proxy.requests.length;

    // Act
    const result = await handler(s3Event('raw/huge/big.csv'), context('big-1'));
    const again = await handler(s3Event('raw/huge/big.csv'), context('big-2'));

    // Assess
    const reason = `huge/big.csv: file is ${body.length} bytes, over the limit of 64 bytes (defaults.maxFileBytes in sluice.yaml); raise defaults.maxFileBytes to take it, or split the file`;
    expect(result).toMatchObject({ queued: ['huge/big.csv'], runs: { completed: 1, retrying: 0, failed: 0 } });
    // The same object delivered again is the same run: its identity needs no read either.
    expect(again).toMatchObject({ queued: [], runs: { completed: 0 } });
    // Never read through the Lambda: no GET of the raw object; the quarantined copy was made inside S3.
    const seen = since(s3Proxy, from);
    expect(seen.filter((r) => r.method === 'GET' && r.url.startsWith('/lake/raw/'))).toEqual([]);
    expect(await text('quarantine/huge/big.csv')).toBe(body);
    expect(JSON.parse(await text('quarantine/huge/big.csv.error.json'))).toMatchObject({ rawKey: 'huge/big.csv', reason });
    expect(await keys('processed/huge/')).toEqual([]);
    const report = (await ports.reports.get('huge/big.csv'))?.report;
    expect(report).toMatchObject({ quarantine: { reason }, outputs: { quarantined: 'huge/big.csv' } });
    expect(published.map((e) => e.type)).toEqual(['object.created', 'run.quarantined']);
    expect(lines.find((l) => l.message === 'run.quarantined')).toMatchObject({ level: 'info', subject: 'huge/big.csv', error: reason });
    const runs = await ports.queue.list();
    expect(runs.map((r) => [r.stage, r.status, r.error])).toEqual([['preprocess', 'quarantined', reason]]);
  });
});

describe('throttled S3 and DynamoDB calls', () => {
  it('are retried with backoff: throttled a few times, the file still goes raw → processed → final once', async () => {
    // Prepare
    const { handler, ports, lines } = await compose();
    await direct.send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/calm/a.csv', Body: 'id,amount\n1,2.5\n2,4\n' }));
    const s3From = s3Proxy.requests.length;
    const dynamoFrom = dynamoProxy.requests.length;
    s3Proxy.inject({ fault: S3_SLOW_DOWN, times: 2, when: (r) => r.method === 'HEAD' });
    s3Proxy.inject({ fault: S3_SLOW_DOWN, times: 3, when: (r) => r.method === 'PUT' && r.url.startsWith('/lake/processed/') });
    dynamoProxy.inject({ fault: DYNAMO_THROTTLING, times: 3, when: (r) => r.operation === 'TransactWriteItems' });
    dynamoProxy.inject({ fault: DYNAMO_THROUGHPUT_EXCEEDED, times: 2, when: (r) => r.operation === 'Query' });

    // Act
    const result = await handler(s3Event('raw/calm/a.csv'), context('calm-1'));
    s3Proxy.clear();
    dynamoProxy.clear();

    // Assess
    expect(result).toMatchObject({ queued: ['calm/a.csv'], runs: { completed: 3, retrying: 0, failed: 0 }, leftover: false });
    // Every fault was answered, and retried past.
    expect(since(s3Proxy, s3From).filter((r) => r.fault === 'SlowDown')).toHaveLength(5);
    expect(since(dynamoProxy, dynamoFrom).filter((r) => r.fault)).toHaveLength(5);
    // Nothing doubled: one processed file, one final file, one run per stage, the rows once.
    expect(await keys('processed/calm/')).toEqual(['processed/calm/a.parquet']);
    expect(await keys('final/calm/')).toEqual(['final/calm/a.parquet']);
    expect((await ports.queue.list()).map((r) => `${r.stage} ${r.status}`).sort()).toEqual(['crawl succeeded', 'preprocess succeeded', 'publish succeeded']);
    expect((await ports.catalog.getTable('final', 'calm'))?.stats).toMatchObject({ rows: 2, files: 1 });
    expect(lines.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('report a run whose S3 write stays throttled past the attempts as retrying, with S3 error code, and leave nothing in processed', async () => {
    // Prepare
    const { handler, ports, lines } = await compose();
    await direct.send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/slow/a.csv', Body: 'id,amount\n1,2.5\n' }));
    const from = s3Proxy.requests.length;
    s3Proxy.inject({ fault: S3_SLOW_DOWN, when: (r) => r.method === 'PUT' && r.url.startsWith('/lake/processed/') });

    // Act
    const result = await handler(s3Event('raw/slow/a.csv'), context('slow-1'));
    s3Proxy.clear();

    // Assess
    expect(result).toMatchObject({ queued: ['slow/a.csv'], runs: { completed: 0, retrying: 1, failed: 0 } });
    expect(since(s3Proxy, from).filter((r) => r.method === 'PUT' && r.url.startsWith('/lake/processed/slow/a.parquet'))).toHaveLength(DEFAULT_MAX_ATTEMPTS);
    expect(await keys('processed/slow/')).toEqual([]);
    expect(lines.find((l) => l.message === 'run.retrying')).toMatchObject({
      level: 'error',
      stage: 'preprocess',
      subject: 'slow/a.csv',
      attempt: 1,
      error: 'cannot write "slow/a.parquet" in s3://lake/processed: SlowDown (HTTP 503)',
    });
    const [run] = await ports.queue.list({ stage: 'preprocess' });
    expect(run).toMatchObject({ status: 'queued', attempts: 1, error: 'cannot write "slow/a.parquet" in s3://lake/processed: SlowDown (HTTP 503)' });

    // Act: the retry's delay passes, S3 answers again, and the sweep takes the run.
    clockShift += 60_000;
    const sweep = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, context('slow-2'));

    // Assess
    expect(sweep).toMatchObject({ runs: { completed: 3, retrying: 0 } });
    expect(await keys('processed/slow/')).toEqual(['processed/slow/a.parquet']);
  });

  it('leave no part of a multipart upload visible when one part stays throttled, and abort the upload', async () => {
    // Prepare
    const { s3Client } = await compose();
    const store = new S3ObjectStore({ bucket: 'lake', prefix: 'processed/' }, { client: s3Client });
    const body = Buffer.alloc(9 * 1024 * 1024, 1);
    const from = s3Proxy.requests.length;
    s3Proxy.inject({ fault: S3_SLOW_DOWN, when: (r) => r.method === 'PUT' && /[?&]partNumber=2(&|$)/.test(r.url) });

    // Act
    const err = await store.put('parts/big.parquet', body).catch((e: unknown) => e);
    s3Proxy.clear();

    // Assess
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toBe('cannot write "parts/big.parquet" in s3://lake/processed: SlowDown (HTTP 503)');
    const seen = since(s3Proxy, from);
    expect(seen.filter((r) => /[?&]partNumber=2(&|$)/.test(r.url))).toHaveLength(DEFAULT_MAX_ATTEMPTS);
    expect(seen.filter((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).toHaveLength(1);
    expect(seen.filter((r) => r.method === 'POST' && r.url.includes('uploadId='))).toEqual([]);
    expect(await keys('processed/parts/')).toEqual([]);
  });

  it('report SQS records whose run could not be queued (DynamoDB throttled past the attempts) as batch item failures, without throwing', async () => {
    // Prepare
    const { handler, ports, lines } = await compose();
    await direct.send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/busy/a.csv', Body: 'id\n1\n' }));
    await direct.send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/busy/b.csv', Body: 'id\n2\n' }));
    const from = dynamoProxy.requests.length;
    dynamoProxy.inject({ fault: DYNAMO_THROUGHPUT_EXCEEDED });
    const batch = sqsBatch({ key: 'raw/busy/a.csv', id: 'm-1' }, { key: 'raw/busy/b.csv', id: 'm-2' });

    // Act
    const result = await handler(batch, context('busy-1'));
    dynamoProxy.clear();

    // Assess
    expect(result).toMatchObject({ queued: [], batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }], leftover: true });
    // Each record's lookup was tried as often as configured (the claim after them too), and every try was throttled.
    const seen = since(dynamoProxy, from);
    expect(seen.length).toBeGreaterThan(2 * DEFAULT_MAX_ATTEMPTS);
    expect(seen.every((r) => r.fault === 'ProvisionedThroughputExceededException')).toBe(true);
    const notQueued = lines.filter((l) => l.message === 'raw object not queued');
    expect(notQueued.map((l) => l.key)).toEqual(['busy/a.csv', 'busy/b.csv']);
    for (const l of notQueued) expect(l.error).toMatch(/^DynamoDB \w+ on f\w+-runs failed: ProvisionedThroughputExceededException \(HTTP 400\)/);
    expect(lines.find((l) => l.message === 'queue not worked; its runs are left to the next invocation')?.error).toMatch(
      /ProvisionedThroughputExceededException \(HTTP 400\)/,
    );
    expect(await ports.queue.list()).toEqual([]);

    // Act: SQS delivers the failed records again, and DynamoDB answers.
    const redelivered = await handler(batch, context('busy-2'));

    // Assess
    expect(redelivered).toMatchObject({ queued: ['busy/a.csv', 'busy/b.csv'], batchItemFailures: [], runs: { completed: 6 } });
    expect(await keys('final/busy/')).toEqual(['final/busy/a.parquet', 'final/busy/b.parquet']);
  });
});
