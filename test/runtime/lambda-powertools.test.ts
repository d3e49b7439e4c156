/**
 * Powertools for AWS Lambda in the Lambda runtime: its logs, its CloudWatch
 * metrics (EMF lines on stdout) and its idempotency records, with the
 * handler invoked in-process over real protocol servers on loopback: every
 * zone in S3 (s3rver), the run queue and the idempotency table in DynamoDB
 * (dynalite). Nothing is mocked. What the tests observe they read from the
 * process's stdout and stderr (where Powertools writes) and from spies that
 * call through to the real run queue; two tests make one queue call fail (a
 * state store failing) or never return (an invocation that died).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sluiceConfigSchema } from '../../src/config/schema.js';
import { Engine } from '../../src/engine/duckdb.js';
import { createHandler, type LambdaContext, type LambdaPorts } from '../../src/runtime/lambda/handler.js';
import { logLevelFrom, powertoolsFromEnvironment } from '../../src/runtime/lambda/powertools.js';
import { SqliteCatalog } from '../../src/state/catalog.js';
import { openStateDb } from '../../src/state/database.js';
import { DynamoBookmarks } from '../../src/state/dynamodb/bookmarks.js';
import { documentClient } from '../../src/state/dynamodb/client.js';
import { DynamoRunQueue } from '../../src/state/dynamodb/queue.js';
import { createIdempotencyTable, createTables, idempotencyTableName } from '../../src/state/dynamodb/tables.js';
import { SqliteJobRuns, SqliteReports } from '../../src/state/records.js';
import { s3ClientConfig } from '../../src/storage/s3/client.js';
import { S3ObjectStore } from '../../src/storage/s3/s3-object-store.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { sqsRecord } from '../helpers/lambda-events.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

let s3: RunningS3;
let dynamo: RunningDynamo;
let engine: Engine;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(['lake']), startDynamo()]);
  engine = await Engine.open({ tempDir: tempDir('sluice-powertools-engine-') });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

afterAll(async () => {
  engine?.close();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

/** A handler over fresh tables (run queue, bookmarks, idempotency) with Powertools from `env`. */
async function setup(opts: { env?: Record<string, string>; idempotency?: boolean; config?: unknown; rawClient?: S3Client } = {}) {
  const client = dynamo.client();
  const prefix = `p${randomBytes(4).toString('hex')}-`;
  const names = await createTables(client, prefix);
  const idempotencyTable = await createIdempotencyTable(client, idempotencyTableName(prefix));
  const doc = documentClient(client);
  const db = openStateDb(path.join(tempDir('sluice-powertools-state-'), 'state.db'));
  const zone = (p: string, c = s3.client()) => new S3ObjectStore({ bucket: 'lake', prefix: p }, { client: c });
  const tools = powertoolsFromEnvironment(
    { POWERTOOLS_SERVICE_NAME: 'sluice-test', ...(opts.idempotency === false ? {} : { SLUICE_IDEMPOTENCY_TABLE: idempotencyTable }), ...opts.env },
    { dynamo: client },
  );
  const ports: LambdaPorts = {
    raw: { bucket: 'lake', prefix: 'raw/' },
    zones: { raw: zone('raw/', opts.rawClient), processed: zone('processed/'), final: zone('final/'), quarantine: zone('quarantine/') },
    engine,
    config: sluiceConfigSchema.parse(opts.config ?? {}),
    catalog: new SqliteCatalog(db),
    bookmarks: new DynamoBookmarks(doc, names.bookmarks),
    queue: new DynamoRunQueue(doc, names.runs),
    events: { append: async () => {} },
    reports: new SqliteReports(db),
    jobRuns: new SqliteJobRuns(db),
    log: tools.log,
    hooks: tools.hooks,
  };
  return { ports, tools, handler: createHandler(async () => ports), idempotencyTable };
}

/** Every line written to stdout and stderr from now on (Powertools' logs and EMF lines), parsed where it is JSON. */
function captureOutput() {
  const lines: string[] = [];
  const grab = ((chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  vi.spyOn(process.stdout, 'write').mockImplementation(grab);
  vi.spyOn(process.stderr, 'write').mockImplementation(grab);
  const json = () =>
    lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return { lines, json, emf: () => json().filter((j) => j._aws), logs: () => json().filter((j) => !j._aws) };
}

const context = (id: string, remainingMs = 900_000): LambdaContext => ({
  awsRequestId: id,
  functionName: 'sluice-intake',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:sluice-intake',
  memoryLimitInMB: '2048',
  getRemainingTimeInMillis: () => remainingMs,
});

async function put(key: string, body: string | Buffer): Promise<string> {
  const out = await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: body }));
  // S3 event notifications carry the ETag without its quotes.
  return (out.ETag ?? '').replaceAll('"', '');
}

function s3Record(key: string, eTag?: string) {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: '2026-11-29T08:00:00.000Z',
    eventName: 'ObjectCreated:Put',
    s3: { s3SchemaVersion: '1.0', bucket: { name: 'lake', arn: 'arn:aws:s3:::lake' }, object: { key, size: 10, ...(eTag ? { eTag } : {}), sequencer: '01' } },
  };
}

const s3Event = (key: string, eTag?: string) => ({ Records: [s3Record(key, eTag)] });

function sqsBatch(...messages: { id: string; body: unknown }[]) {
  return {
    Records: messages.map((m) => sqsRecord(m.body, m.id)),
  };
}

describe('metrics', () => {
  it('counts one good file and one quarantined file of an invocation, and times each run by stage', async () => {
    // Prepare: two readable rows, one ragged row, one breaking the rule; and a file that is not text.
    const { handler, ports } = await setup({ config: { datasets: { metrics: { rules: [{ column: 'amount', min: 0 }] } } } });
    const good = await put('raw/metrics/good.csv', 'id,amount\n1,2\n2,3\n3,4,5\n4,-1\n');
    const bad = await put('raw/metrics/bad.csv', Buffer.from([0, 1, 2, 3, 0, 255, 0, 7]));
    const out = captureOutput();

    // Act
    const result = await handler(
      sqsBatch({ id: 'm-1', body: s3Event('raw/metrics/good.csv', good) }, { id: 'm-2', body: s3Event('raw/metrics/bad.csv', bad) }),
      context('req-metrics'),
    );

    // Assess
    expect(result).toMatchObject({ queued: ['metrics/good.csv', 'metrics/bad.csv'], batchItemFailures: [], runs: { completed: 4, failed: 0, retrying: 0 } });
    const report = (await ports.reports.get('metrics/good.csv'))?.report as { rows: { written: number; rejected: number; invalid: number } };
    expect(report.rows).toMatchObject({ written: 2, rejected: 1, invalid: 1 });
    const [counts, ...more] = out.emf().filter((e) => 'FilesIn' in e);
    expect(more).toEqual([]);
    expect(counts).toMatchObject({ service: 'sluice-test', FilesIn: 2, FilesProcessed: 1, FilesQuarantined: 1, RowsOut: 2, RowsRejected: 2 });
    expect(counts?._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: 'Sluice',
          Dimensions: [['service']],
          Metrics: ['FilesIn', 'FilesProcessed', 'FilesQuarantined', 'RowsOut', 'RowsRejected'].map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    });
    const durations = out.emf().filter((e) => 'RunDuration' in e);
    expect(durations.map((d) => d.stage).sort()).toEqual(['crawl', 'preprocess', 'preprocess', 'publish']);
    for (const d of durations) {
      expect(d).toMatchObject({
        service: 'sluice-test',
        _aws: { CloudWatchMetrics: [{ Namespace: 'Sluice', Dimensions: [['service', 'stage']], Metrics: [{ Name: 'RunDuration', Unit: 'Milliseconds' }] }] },
      });
      expect(d.RunDuration).toBeGreaterThanOrEqual(0);
    }
    expect(out.emf().filter((e) => 'RunErrors' in e)).toEqual([]);
  });

  it('counts a run whose commit failed under RunErrors for its stage, in POWERTOOLS_METRICS_NAMESPACE', async () => {
    // Prepare: the state store refuses the first commit.
    const { handler, ports } = await setup({ env: { POWERTOOLS_METRICS_NAMESPACE: 'SluiceProd' } });
    const etag = await put('raw/errors/a.csv', 'id\n1\n');
    vi.spyOn(ports.queue, 'complete').mockRejectedValueOnce(new Error('DynamoDB TransactWriteItems failed: ProvisionedThroughputExceededException (HTTP 400)'));
    const out = captureOutput();

    // Act
    const result = await handler(s3Event('raw/errors/a.csv', etag), context('req-errors'));

    // Assess
    expect(result.runs).toEqual({ completed: 0, retrying: 1, failed: 0, lost: 0 });
    const errors = out.emf().filter((e) => 'RunErrors' in e);
    expect(errors).toMatchObject([
      {
        service: 'sluice-test',
        stage: 'preprocess',
        RunErrors: 1,
        _aws: { CloudWatchMetrics: [{ Namespace: 'SluiceProd', Dimensions: [['service', 'stage']], Metrics: [{ Name: 'RunErrors', Unit: 'Count' }] }] },
      },
    ]);
    expect(out.emf().find((e) => 'FilesIn' in e)).toMatchObject({ FilesIn: 1, FilesProcessed: 0 });
  });

  it('are flushed when the invocation fails, with what it counted before', async () => {
    // Prepare: a direct S3 event (no batch to report a failed item in) whose second object cannot be queued.
    const { handler, ports } = await setup();
    const first = await put('raw/flush/a.csv', 'id\n1\n');
    const second = await put('raw/flush/b.csv', 'id\n2\n');
    const enqueue = ports.queue.enqueue.bind(ports.queue);
    vi.spyOn(ports.queue, 'enqueue').mockImplementation(async (spec, force) => {
      if (spec.subject === 'flush/b.csv') throw new Error('DynamoDB TransactWriteItems failed: InternalServerError (HTTP 500)');
      return enqueue(spec, force);
    });
    const out = captureOutput();

    // Act
    const failed = handler({ Records: [s3Record('raw/flush/a.csv', first), s3Record('raw/flush/b.csv', second)] }, context('req-flush'));

    // Assess
    await expect(failed).rejects.toThrow('InternalServerError');
    expect(out.emf().filter((e) => 'FilesIn' in e)).toMatchObject([{ FilesIn: 1, FilesProcessed: 0, FilesQuarantined: 0 }]);
  });
});

describe('logs', () => {
  it('are JSON lines with the service, the level and the request context, cold start on the first invocation only', async () => {
    // Prepare: Lambda tells a container started for a request by this variable.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const { handler } = await setup();
    const out = captureOutput();

    // Act
    await handler({ hello: 'world' }, context('req-a'));
    await handler({ hello: 'again' }, context('req-b'));

    // Assess
    const refused = out.logs().filter((l) => l.message === 'event refused');
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({
      level: 'ERROR',
      service: 'sluice-test',
      reason: 'the event is not an S3 notification, an SQS batch or an EventBridge "Object Created" event',
      cold_start: true,
      function_name: 'sluice-intake',
      function_request_id: 'req-a',
      function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:sluice-intake',
    });
    expect(refused[1]).toMatchObject({ cold_start: false, function_request_id: 'req-b' });
  });

  it('take their level from POWERTOOLS_LOG_LEVEL, else SLUICE_LOG_LEVEL (info, warn, error, silent)', async () => {
    // Prepare
    const levels = {
      sluiceWarn: powertoolsFromEnvironment({ SLUICE_LOG_LEVEL: 'warn' }).log,
      sluiceSilent: powertoolsFromEnvironment({ SLUICE_LOG_LEVEL: 'silent' }).log,
      powertoolsFirst: powertoolsFromEnvironment({ POWERTOOLS_LOG_LEVEL: 'INFO', SLUICE_LOG_LEVEL: 'error' }).log,
    };
    const out = captureOutput();

    // Act
    for (const [name, log] of Object.entries(levels)) {
      log.info('an info line', { logger: name });
      log.warn('a warn line', { logger: name });
    }

    // Assess
    expect(out.logs().map((l) => `${l.logger} ${l.level} ${l.service}`)).toEqual([
      'sluiceWarn WARN sluice',
      'powertoolsFirst INFO sluice',
      'powertoolsFirst WARN sluice',
    ]);
    expect([
      logLevelFrom({}),
      logLevelFrom({ SLUICE_LOG_LEVEL: 'error' }),
      logLevelFrom({ POWERTOOLS_LOG_LEVEL: 'nonsense', SLUICE_LOG_LEVEL: 'warn' }),
    ]).toEqual(['INFO', 'ERROR', 'WARN']);
  });

  it('never hold the access key, secret or session token, even when an SDK error that names the key is logged', async () => {
    // Prepare: credentials s3rver does not know, from the environment as in a Lambda.
    const secrets = {
      AWS_ACCESS_KEY_ID: 'AKIASLUICETESTKEY742',
      AWS_SECRET_ACCESS_KEY: 'sluiceTestSecret/8f3kQ2lmPz9XwYv',
      AWS_SESSION_TOKEN: 'sluiceTestSessionToken+IQoJb3JpZ2luX2VjEJr',
    };
    for (const [k, v] of Object.entries(secrets)) vi.stubEnv(k, v);
    const foreign = new S3Client(s3ClientConfig(s3.env));
    const { handler, tools } = await setup({ rawClient: foreign });
    const etag = await put('raw/secrets/a.csv', 'id\n1\n');
    const store = new S3ObjectStore({ bucket: 'lake', prefix: 'raw/' }, { client: foreign });
    const readError = (await store.get('secrets/a.csv').then(
      () => undefined,
      (err: unknown) => err,
    )) as Error;
    // The SDK's own error really does carry the key (S3's InvalidAccessKeyId answer names it); the store keeps a reduced copy as its cause.
    const sdkError = (await foreign.send(new GetObjectCommand({ Bucket: 'lake', Key: 'raw/secrets/a.csv' })).then(
      () => undefined,
      (err: unknown) => err,
    )) as Record<string, unknown>;
    expect(sdkError.AWSAccessKeyId).toBe(secrets.AWS_ACCESS_KEY_ID);
    const out = captureOutput();

    // Act
    tools.log.error('raw object not read', { key: 'secrets/a.csv', error: readError, nested: { cause: sdkError } });
    const result = await handler(sqsBatch({ id: 'm-secret', body: s3Event('raw/secrets/a.csv', etag) }), context('req-secrets'));

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-secret' }]);
    const logged = out.logs().filter((l) => l.message === 'raw object not read' || l.message === 'raw object not queued');
    expect(logged.map((l) => l.message)).toEqual(['raw object not read', 'raw object not queued']);
    expect(logged[0]).toMatchObject({ error: { name: 'StorageError', cause: { name: 'InvalidAccessKeyId' } } });
    const text = out.lines.join('\n');
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
  });
});

describe('idempotency', () => {
  it('queues the same S3 event delivered twice once; the second delivery returns before touching the run queue', async () => {
    // Prepare
    const { handler, ports } = await setup();
    const etag = await put('raw/twice/a.csv', 'id\n1\n');
    const enqueue = vi.spyOn(ports.queue, 'enqueue');
    const stat = vi.spyOn(ports.zones.raw, 'stat');
    const out = captureOutput();

    // Act
    const first = await handler(s3Event('raw/twice/a.csv', etag), context('req-1'));
    const calls = { enqueue: enqueue.mock.calls.length, stat: stat.mock.calls.length };
    const second = await handler(s3Event('raw/twice/a.csv', etag), context('req-2'));

    // Assess
    expect(first.queued).toEqual(['twice/a.csv']);
    expect(calls.enqueue).toBe(1);
    expect(second).toMatchObject({ queued: [], skipped: [{ reason: `s3://lake/raw/twice/a.csv (version ${etag}) was noted by an earlier delivery` }] });
    expect({ enqueue: enqueue.mock.calls.length, stat: stat.mock.calls.length }).toEqual(calls);
    expect(
      out
        .emf()
        .filter((e) => 'FilesIn' in e)
        .map((e) => e.FilesIn),
    ).toEqual([1, 0]);
  });

  it('takes the same object through SQS and as a direct S3 event as one delivery', async () => {
    // Prepare
    const { handler, ports } = await setup();
    const etag = await put('raw/paths/a.csv', 'id\n1\n');
    const enqueue = vi.spyOn(ports.queue, 'enqueue');
    captureOutput();

    // Act
    const viaSqs = await handler(sqsBatch({ id: 'm-1', body: s3Event('raw/paths/a.csv', etag) }), context('req-1'));
    const direct = await handler(s3Event('raw/paths/a.csv', etag), context('req-2'));

    // Assess
    expect(viaSqs).toMatchObject({ queued: ['paths/a.csv'], batchItemFailures: [] });
    expect(direct.queued).toEqual([]);
    expect(enqueue.mock.calls.map(([spec]) => spec.subject).filter((s) => s === 'paths/a.csv')).toEqual(['paths/a.csv']);
  });

  it('notes a key again when a new version (new ETag) arrives', async () => {
    // Prepare
    const { handler, ports } = await setup();
    captureOutput();
    const v1 = await put('raw/versions/a.csv', 'id\n1\n');
    await handler(s3Event('raw/versions/a.csv', v1), context('req-1'));
    const v2 = await put('raw/versions/a.csv', 'id\n1\n2\n');
    const enqueue = vi.spyOn(ports.queue, 'enqueue');

    // Act
    const result = await handler(s3Event('raw/versions/a.csv', v2), context('req-2'));

    // Assess
    expect(v2).not.toBe(v1);
    expect(result).toMatchObject({ queued: ['versions/a.csv'], runs: { completed: 3 } });
    expect(enqueue.mock.calls.map(([spec]) => spec.subject)).toContain('versions/a.csv');
  });

  it('lets a delivery through once the in-progress record of an invocation that died has expired, and sends back one still in progress', async () => {
    // Prepare: two invocations die while queuing (their enqueue never returns); one had no time left, the other had minutes.
    const { handler, ports } = await setup();
    const expired = await put('raw/crash/expired.csv', 'id\n1\n');
    const live = await put('raw/crash/live.csv', 'id\n1\n');
    const enqueue = vi.spyOn(ports.queue, 'enqueue');
    enqueue.mockImplementationOnce(() => new Promise(() => {}));
    void handler(s3Event('raw/crash/expired.csv', expired), context('req-dead-1', 1));
    await vi.waitFor(() => expect(enqueue).toHaveBeenCalledTimes(1));
    enqueue.mockImplementationOnce(() => new Promise(() => {}));
    void handler(s3Event('raw/crash/live.csv', live), context('req-dead-2', 900_000));
    await vi.waitFor(() => expect(enqueue).toHaveBeenCalledTimes(2));
    captureOutput();

    // Act: SQS delivers both again.
    const result = await handler(
      sqsBatch({ id: 'm-expired', body: s3Event('raw/crash/expired.csv', expired) }, { id: 'm-live', body: s3Event('raw/crash/live.csv', live) }),
      context('req-3'),
    );

    // Assess: the expired one is queued; the live one is left for SQS to deliver again, the queue untouched for it.
    expect(result).toMatchObject({ queued: ['crash/expired.csv'], batchItemFailures: [{ itemIdentifier: 'm-live' }] });
    expect(enqueue.mock.calls.map(([spec]) => spec.subject)).toEqual(['crash/expired.csv', 'crash/live.csv', 'crash/expired.csv']);
  });

  it('keeps no record for an object gone before it was read, so the same version uploaded again is noted', async () => {
    // Prepare: the object is deleted before its event arrives, then uploaded again with the same content (same ETag).
    const { handler, ports } = await setup();
    const etag = await put('raw/gone/a.csv', 'id\n1\n');
    await s3.client().send(new DeleteObjectCommand({ Bucket: 'lake', Key: 'raw/gone/a.csv' }));
    captureOutput();
    const gone = await handler(s3Event('raw/gone/a.csv', etag), context('req-1'));
    const again = await put('raw/gone/a.csv', 'id\n1\n');
    const enqueue = vi.spyOn(ports.queue, 'enqueue');

    // Act
    const result = await handler(s3Event('raw/gone/a.csv', again), context('req-2'));

    // Assess
    expect(again).toBe(etag);
    expect(gone).toMatchObject({ queued: [], skipped: [{ reason: 's3://lake/raw/gone/a.csv was removed before it was read' }] });
    expect(result.queued).toEqual(['gone/a.csv']);
    expect(enqueue.mock.calls.map(([spec]) => spec.subject)).toContain('gone/a.csv');
  });

  it('keeps no record for an event without a version, which keyed by bucket and key alone would hide the next upload', async () => {
    // Prepare
    const { handler, idempotencyTable } = await setup();
    await put('raw/unversioned/a.csv', 'id\n1\n');
    const etag = await put('raw/unversioned/b.csv', 'id\n2\n');
    const records = async () => (await dynamo.client().send(new ScanCommand({ TableName: idempotencyTable }))).Items ?? [];
    captureOutput();

    // Act
    const unversioned = await handler(s3Event('raw/unversioned/a.csv'), context('req-1'));
    const before = await records();
    const versioned = await handler(s3Event('raw/unversioned/b.csv', etag), context('req-2'));

    // Assess
    expect([unversioned.queued, versioned.queued]).toEqual([['unversioned/a.csv'], ['unversioned/b.csv']]);
    expect(before).toEqual([]);
    expect((await records()).map((r) => r.status?.S)).toEqual(['COMPLETED']);
  });

  it('is off without SLUICE_IDEMPOTENCY_TABLE: the run queue then turns a repeat into nothing', async () => {
    // Prepare
    const { handler, ports, tools, idempotencyTable } = await setup({ idempotency: false });
    const etag = await put('raw/off/a.csv', 'id\n1\n');
    const enqueue = vi.spyOn(ports.queue, 'enqueue');
    captureOutput();

    // Act
    const first = await handler(s3Event('raw/off/a.csv', etag), context('req-1'));
    const second = await handler(s3Event('raw/off/a.csv', etag), context('req-2'));

    // Assess
    expect(tools.hooks.noteOnce).toBeUndefined();
    expect([first.queued, second.queued]).toEqual([['off/a.csv'], []]);
    expect(enqueue.mock.calls.filter(([spec]) => spec.subject === 'off/a.csv')).toHaveLength(2);
    expect((await dynamo.client().send(new ScanCommand({ TableName: idempotencyTable }))).Count).toBe(0);
  });
});
