/**
 * The Lambda as `sluice deploy aws` deploys it: composed from its environment
 * (SLUICE_ZONE_*, SLUICE_SNS_TOPIC_ARN, SLUICE_EVENT_BUS, SLUICE_CATALOG,
 * SLUICE_GLUE_JOBS) over a bundled sluice.yaml written for local folders, and
 * invoked with what the stack delivers: an EventBridge "Object Created" event
 * inside an SQS message. Every zone is in S3 (s3rver), the run queue,
 * bookmarks and catalog in DynamoDB (dynalite), preprocessing on real DuckDB.
 *
 * Glue, SNS and EventBridge are the control plane and cannot run here: their
 * clients are mocked at the SDK boundary with aws-sdk-client-mock, and the
 * tests check the exact requests — the tables created in the Glue Data
 * Catalog, the StartJobRun requests (which Glue job, how many times), the
 * topic and bus each event went to.
 */

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ConcurrentRunsExceededException,
  CreateDatabaseCommand,
  CreateTableCommand,
  EntityNotFoundException,
  GetPartitionsCommand,
  GlueClient,
  StartJobRunCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-glue';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Engine } from '../../src/engine/duckdb.js';
import { createHandler, type LambdaPorts } from '../../src/runtime/lambda/handler.js';
import { composeFromEnvironment } from '../../src/runtime/lambda/main.js';
import { documentClient } from '../../src/state/dynamodb/client.js';
import { DynamoRunQueue } from '../../src/state/dynamodb/queue.js';
import { createTables } from '../../src/state/dynamodb/tables.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

const glue = mockClient(GlueClient);
const sns = mockClient(SNSClient);
const eventBridge = mockClient(EventBridgeClient);
let s3: RunningS3;
let dynamo: RunningDynamo;
let base: NodeJS.ProcessEnv;
const engines: Engine[] = [];

/** The bundled sluice.yaml: written for `sluice start` on a laptop, every zone a folder. */
const LOCAL_ZONES = `zones:
  raw: data/raw
  processed: data/processed
  final: data/final
  quarantine: data/quarantine
`;
const JOBS = `jobs:
  orders_clean:
    source: processed.orders
    mappings: [[id, bigint, id, bigint], [amount, double, amount, double]]
    output: { table: orders_clean }
  revenue:
    source: final.orders_clean
    aggregate: { measures: { revenue: "sum(amount)" } }
    output: { table: revenue }
`;
const GLUE_JOBS = JSON.stringify({ orders_clean: 'sluice-orders-clean', revenue: 'sluice-revenue' });

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(['lake', 'config']), startDynamo()]);
  base = { ...dynamo.env, ...s3.env, AWS_REGION: 'eu-west-1', SLUICE_LOG_LEVEL: 'warn' };
  // The SDK's default credential chain reads the process environment.
  for (const [k, v] of Object.entries(base)) vi.stubEnv(k, v as string);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  for (const engine of engines) engine.close();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

beforeEach(() => {
  glue.reset();
  sns.reset();
  eventBridge.reset();
  glue.on(UpdateTableCommand).rejects(new EntityNotFoundException({ message: 'not found', $metadata: {} }));
  glue.on(CreateTableCommand).resolves({});
  glue.on(CreateDatabaseCommand).resolves({});
  glue.on(GetPartitionsCommand).resolves({ Partitions: [] });
});

/**
 * One deployment: its sluice.yaml in the config bucket, its state tables,
 * and the environment the stack gives the function, with every zone under
 * s3://lake/<name>/.
 */
async function deploy(name: string, yaml: string, more: Record<string, string> = {}) {
  await s3.client().send(new PutObjectCommand({ Bucket: 'config', Key: `${name}/sluice.yaml`, Body: yaml }));
  const names = await createTables(dynamo.client(), `${name}-`);
  const env: NodeJS.ProcessEnv = {
    ...base,
    SLUICE_CONFIG_URI: `s3://config/${name}/sluice.yaml`,
    SLUICE_STATE_PREFIX: `${name}-`,
    SLUICE_ZONE_RAW: `s3://lake/${name}/raw`,
    SLUICE_ZONE_PROCESSED: `s3://lake/${name}/processed`,
    SLUICE_ZONE_FINAL: `s3://lake/${name}/final`,
    SLUICE_ZONE_QUARANTINE: `s3://lake/${name}/quarantine`,
    ...more,
  };
  const doc = documentClient(dynamo.client());
  return { env, doc, names, queue: new DynamoRunQueue(doc, names.runs) };
}

async function compose(env: NodeJS.ProcessEnv, change: (p: LambdaPorts) => LambdaPorts = (p) => p): Promise<LambdaPorts> {
  const ports = await composeFromEnvironment(env);
  engines.push(ports.engine);
  return change(ports);
}

async function put(key: string, body: string): Promise<void> {
  await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: body }));
}

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key as string).sort();
}

/** An EventBridge "Object Created" event as S3 sends it, inside the SQS message the stack's rule queues it in. */
function sqsMessage(key: string, messageId: string) {
  const event = {
    version: '0',
    id: `e-${messageId}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-29T08:00:00Z',
    region: 'eu-west-1',
    resources: ['arn:aws:s3:::lake'],
    detail: {
      version: '0',
      bucket: { name: 'lake' },
      object: { key, size: 64, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '0064D3901D00059242' },
      'request-id': 'XRRTKJXSZQCWNQR1',
      requester: '123456789012',
      'source-ip-address': '203.0.113.7',
      reason: 'PutObject',
    },
  };
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: JSON.stringify(event),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1764403200000', SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: '1764403200001' },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:sluice-raw-events',
    awsRegion: 'eu-west-1',
  };
}

const batch = (...messages: ReturnType<typeof sqsMessage>[]) => ({ Records: messages });
const SWEEP = { version: '0', id: 'sweep', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: '2026-11-29T08:00:00Z' };
const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 900_000 });
const startedJobs = () => glue.commandCalls(StartJobRunCommand).map((c) => c.args[0].input);
/** The Glue tables created (the mock always answers UpdateTable with not found, so a table is created once per change). */
const createdTables = () => [
  ...new Set(
    glue
      .commandCalls(CreateTableCommand)
      .map((c) => `${c.args[0].input.DatabaseName}.${c.args[0].input.TableInput?.Name} ${c.args[0].input.TableInput?.StorageDescriptor?.Location}`)
      .sort(),
  ),
];

describe('the deployed Lambda, configured by its environment', () => {
  it('runs a sluice.yaml written for local folders on the S3 zones and notify targets the environment names', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
    const { env } = await deploy('zones', `${LOCAL_ZONES}notify:\n  snsTopicArn: arn:aws:sns:eu-west-1:123456789012:from-yaml\n`, {
      SLUICE_SNS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:stack-events',
      SLUICE_EVENT_BUS: 'sluice-bus',
    });
    const handler = createHandler(() => compose(env));
    await put('zones/raw/orders/a.csv', 'id,amount\n1,2.5\n2,4\n');

    // Act
    const result = await handler(batch(sqsMessage('zones/raw/orders/a.csv', 'm-1')), context('zones-1'));

    // Assess
    expect(result).toEqual({
      queued: ['orders/a.csv'],
      skipped: [],
      runs: { completed: 3, retrying: 0, failed: 0, lost: 0 },
      leftover: false,
      batchItemFailures: [],
    });
    expect(await keys('zones/processed/')).toEqual(['zones/processed/orders/a.parquet']);
    expect(await keys('zones/final/')).toEqual(['zones/final/orders/a.parquet']);
    expect(createdTables()).toEqual(['sluice_final.orders s3://lake/zones/final/orders/', 'sluice_processed.orders s3://lake/zones/processed/orders/']);
    const types = ['object.created', 'schema.changed', 'table.updated', 'table.updated'];
    expect(sns.commandCalls(PublishCommand).map((c) => [c.args[0].input.TopicArn, c.args[0].input.MessageAttributes?.type?.StringValue])).toEqual(
      types.map((t) => ['arn:aws:sns:eu-west-1:123456789012:stack-events', t]),
    );
    expect(
      eventBridge.commandCalls(PutEventsCommand).map((c) => [c.args[0].input.Entries?.[0]?.EventBusName, c.args[0].input.Entries?.[0]?.DetailType]),
    ).toEqual(types.map((t) => ['sluice-bus', t]));
  });

  it('in crawler mode only preprocesses: no crawl is queued and nothing is written to Glue', async () => {
    // Prepare
    const { env, queue } = await deploy('crawler', LOCAL_ZONES, { SLUICE_CATALOG: 'crawler' });
    const handler = createHandler(() => compose(env));
    await put('crawler/raw/orders/a.csv', 'id,amount\n1,2.5\n2,4\n');

    // Act
    const result = await handler(batch(sqsMessage('crawler/raw/orders/a.csv', 'm-1')), context('crawler-1'));

    // Assess
    expect(result).toMatchObject({ queued: ['orders/a.csv'], runs: { completed: 1, retrying: 0, failed: 0, lost: 0 }, batchItemFailures: [] });
    expect(await keys('crawler/processed/')).toEqual(['crawler/processed/orders/a.parquet']);
    expect(await keys('crawler/final/')).toEqual([]);
    const runs = await queue.list();
    expect(runs.map((r) => [r.stage, r.status, r.result?.catalog])).toEqual([['preprocess', 'succeeded', 'crawler']]);
    expect(glue.calls()).toHaveLength(0);
  });

  it('with SLUICE_GLUE_JOBS starts the Glue job of each job reading a processed table it updated, once per update, and runs none itself', async () => {
    // Prepare
    glue.on(StartJobRunCommand).resolvesOnce({ JobRunId: 'jr_1' }).resolvesOnce({ JobRunId: 'jr_2' });
    const { env, queue } = await deploy('jobs', `${LOCAL_ZONES}${JOBS}`, { SLUICE_GLUE_JOBS: GLUE_JOBS });
    const handler = createHandler(() => compose(env));
    await put('jobs/raw/orders/a.csv', 'id,amount\n1,2.5\n2,4\n');

    // Act: a file of orders, the same message delivered again, then a file of returns (no job reads them) and a second file of orders.
    const first = await handler(batch(sqsMessage('jobs/raw/orders/a.csv', 'm-1')), context('jobs-1'));
    const callsAfterFirst = startedJobs().length;
    const again = await handler(batch(sqsMessage('jobs/raw/orders/a.csv', 'm-1')), context('jobs-2'));
    const callsAfterDuplicate = startedJobs().length;
    await put('jobs/raw/returns/r.csv', 'id,reason\n1,damaged\n');
    await put('jobs/raw/orders/b.csv', 'id,amount\n3,7\n');
    const more = await handler(batch(sqsMessage('jobs/raw/returns/r.csv', 'm-2'), sqsMessage('jobs/raw/orders/b.csv', 'm-3')), context('jobs-3'));

    // Assess
    expect(first.runs).toEqual({ completed: 3, retrying: 0, failed: 0, lost: 0 });
    expect(callsAfterFirst).toBe(1);
    expect(again).toMatchObject({ queued: [], runs: { completed: 0, retrying: 0, failed: 0, lost: 0 } });
    expect(callsAfterDuplicate).toBe(1);
    expect(more.runs).toEqual({ completed: 5, retrying: 0, failed: 0, lost: 0 });
    expect(startedJobs()).toEqual([{ JobName: 'sluice-orders-clean' }, { JobName: 'sluice-orders-clean' }]);
    const jobRuns = await queue.list({ stage: 'job' });
    expect(jobRuns.map((r) => [r.subject, r.status, (r.result?.started as { runId?: string } | undefined)?.runId])).toEqual([
      ['orders_clean', 'succeeded', 'jr_2'],
      ['orders_clean', 'succeeded', 'jr_1'],
    ]);
    // The final zone is the Glue jobs' alone: no built-in publish of returns either; it stays a processed table.
    expect(await keys('jobs/final/')).toEqual([]);
    expect(createdTables()).toEqual(['sluice_processed.orders s3://lake/jobs/processed/orders/', 'sluice_processed.returns s3://lake/jobs/processed/returns/']);
  });

  it('waits for a Glue job already running and starts it again after, however long it takes, so no new data is missed', async () => {
    // Prepare: Glue is busy for the first two starts; the queue's clock can be moved on.
    glue
      .on(StartJobRunCommand)
      .rejectsOnce(new ConcurrentRunsExceededException({ message: 'Concurrent runs exceeded for sluice-orders-clean', $metadata: {} }))
      .rejectsOnce(new ConcurrentRunsExceededException({ message: 'Concurrent runs exceeded for sluice-orders-clean', $metadata: {} }))
      .resolves({ JobRunId: 'jr_after' });
    const { env, doc, names, queue } = await deploy('busy', `${LOCAL_ZONES}${JOBS}`, { SLUICE_GLUE_JOBS: GLUE_JOBS });
    let skew = 0;
    const handler = createHandler(() => compose(env, (p) => ({ ...p, queue: new DynamoRunQueue(doc, names.runs, () => Date.now() + skew) })));
    await put('busy/raw/orders/a.csv', 'id,amount\n1,2.5\n');
    await put('busy/raw/orders/b.csv', 'id,amount\n2,4\n');

    // Act: a file while Glue is busy; a sweep before the wait is over; a second file (its update supersedes the waiting start); a sweep after.
    const first = await handler(batch(sqsMessage('busy/raw/orders/a.csv', 'm-1')), context('busy-1'));
    const waiting = (await queue.list({ stage: 'job' }))[0];
    const early = await handler(SWEEP, context('busy-2'));
    const second = await handler(batch(sqsMessage('busy/raw/orders/b.csv', 'm-2')), context('busy-3'));
    skew += 61_000;
    const later = await handler(SWEEP, context('busy-4'));

    // Assess
    expect(first.runs).toEqual({ completed: 2, retrying: 1, failed: 0, lost: 0 });
    expect(waiting).toMatchObject({
      status: 'queued',
      attempts: 0,
      error:
        'Glue job sluice-orders-clean (job orders_clean) is running already; it is started again once that run ends, so it reads the new data (trying again in 60 s)',
    });
    expect(early.runs).toEqual({ completed: 0, retrying: 0, failed: 0, lost: 0 });
    expect(second.runs).toEqual({ completed: 2, retrying: 1, failed: 0, lost: 0 });
    expect(later.runs).toEqual({ completed: 1, retrying: 0, failed: 0, lost: 0 });
    expect(startedJobs()).toEqual([{ JobName: 'sluice-orders-clean' }, { JobName: 'sluice-orders-clean' }, { JobName: 'sluice-orders-clean' }]);
    const jobRuns = await queue.list({ stage: 'job' });
    expect(jobRuns.map((r) => [r.status, r.attempts, (r.result?.started as { runId?: string } | undefined)?.runId])).toEqual([
      ['succeeded', 1, 'jr_after'],
      ['superseded', 0, undefined],
    ]);
  });

  it('retries a start Glue refuses for another reason like any run, then fails it with the reason', async () => {
    // Prepare
    glue.on(StartJobRunCommand).rejects(new EntityNotFoundException({ message: 'Job not found: sluice-orders-clean', $metadata: {} }));
    const { env, doc, names, queue } = await deploy('refused', `${LOCAL_ZONES}${JOBS}`, {
      SLUICE_GLUE_JOBS: GLUE_JOBS,
      // The failures are expected here: keep them out of the test's output.
      SLUICE_LOG_LEVEL: 'silent',
    });
    let skew = 0;
    const handler = createHandler(() => compose(env, (p) => ({ ...p, queue: new DynamoRunQueue(doc, names.runs, () => Date.now() + skew) })));
    await put('refused/raw/orders/a.csv', 'id,amount\n1,2.5\n');

    // Act: the file, then sweeps past each retry delay until the job run has ended (a bounded number of them).
    await handler(batch(sqsMessage('refused/raw/orders/a.csv', 'm-1')), context('refused-0'));
    for (let i = 1; i <= 5 && (await queue.list({ stage: 'job' }))[0]?.status === 'queued'; i++) {
      skew += 31_000;
      await handler(SWEEP, context(`refused-${i}`));
    }

    // Assess
    expect(await queue.list({ stage: 'job' })).toMatchObject([
      {
        status: 'failed',
        attempts: 3,
        error: 'Glue job sluice-orders-clean (job orders_clean) was not started: EntityNotFoundException: Job not found: sluice-orders-clean',
      },
    ]);
    expect(startedJobs()).toEqual([{ JobName: 'sluice-orders-clean' }, { JobName: 'sluice-orders-clean' }, { JobName: 'sluice-orders-clean' }]);
  });

  it('refuses bad values at composition, naming the variable', async () => {
    // Prepare
    const { env } = await deploy('refusals', `${LOCAL_ZONES}${JOBS}`);

    // Act
    const attempts = [
      { SLUICE_ZONE_RAW: 'data/raw' },
      { SLUICE_EVENT_BUS: 'a bus' },
      { SLUICE_CATALOG: 'athena' },
      { SLUICE_GLUE_JOBS: JSON.stringify({ orders_clean: 'sluice-orders-clean' }) },
    ].map((more) =>
      composeFromEnvironment({ ...env, ...more }).then(
        () => 'composed',
        (err: Error) => err.message,
      ),
    );
    const noZone = composeFromEnvironment({ ...env, SLUICE_ZONE_FINAL: '' }).then(
      () => 'composed',
      (err: Error) => err.message,
    );

    // Assess
    const messages = await Promise.all(attempts);
    expect(messages[0]).toMatch(/^Lambda environment: SLUICE_ZONE_RAW: "data\/raw" is not an s3:\/\/ location/);
    expect(messages[1]).toMatch(/^Lambda environment: SLUICE_EVENT_BUS: "a bus": give the event bus name/);
    expect(messages[2]).toMatch(/^Lambda environment: SLUICE_CATALOG: "athena" must be "direct"/);
    expect(messages[3]).toBe(
      'Lambda environment: SLUICE_GLUE_JOBS: no Glue job for "revenue" of s3://config/refusals/sluice.yaml; every job runs on Glue when SLUICE_GLUE_JOBS is set: add "revenue": "<Glue job name>"',
    );
    expect(await noZone).toBe(
      's3://config/refusals/sluice.yaml: zones.final: "data/final" is not an s3:// location; in AWS Lambda every zone is an S3 prefix (set it here or in SLUICE_ZONE_FINAL)',
    );
  });
});
