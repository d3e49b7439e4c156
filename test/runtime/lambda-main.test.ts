/**
 * The deployed Lambda's composition, from its environment: sluice.yaml read
 * from S3, every zone in S3 (s3rver) and the queue, bookmarks and catalog in
 * DynamoDB (dynalite), all real protocol servers on loopback. The Glue Data
 * Catalog cannot run here: its client is mocked at the SDK boundary
 * (aws-sdk-client-mock), and the test checks the tables the handler asked
 * Glue to create.
 */
import { CreateDatabaseCommand, CreateTableCommand, EntityNotFoundException, GetPartitionsCommand, GlueClient, UpdateTableCommand } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../src/runtime/lambda/handler.js';
import { composeFromEnvironment } from '../../src/runtime/lambda/main.js';
import { createTables } from '../../src/state/dynamodb/tables.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

const glue = mockClient(GlueClient);
let s3: RunningS3;
let dynamo: RunningDynamo;
let env: NodeJS.ProcessEnv;

const CONFIG = `zones:
  raw: s3://lake/raw
  processed: s3://lake/processed
  final: s3://lake/final
  quarantine: s3://lake/quarantine
`;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(['lake', 'config']), startDynamo()]);
  await createTables(dynamo.client(), 'prod-');
  await s3.client().send(new PutObjectCommand({ Bucket: 'config', Key: 'sluice/sluice.yaml', Body: CONFIG }));
  // One key pair for both servers, as a function has one role: s3rver checks its own fixed pair, dynalite any.
  env = {
    ...dynamo.env,
    ...s3.env,
    AWS_REGION: 'eu-west-1',
    SLUICE_LOG_LEVEL: 'warn',
    SLUICE_CONFIG_URI: 's3://config/sluice/sluice.yaml',
    SLUICE_STATE_PREFIX: 'prod-',
  };
  // The SDK's default credential chain reads the process environment.
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v as string);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

describe('the deployed handler', () => {
  it('composes itself from the environment and takes a file from the raw bucket to the final one, publishing tables to Glue', async () => {
    glue.on(UpdateTableCommand).rejects(new EntityNotFoundException({ message: 'not found', $metadata: {} }));
    glue.on(CreateTableCommand).resolves({});
    glue.on(CreateDatabaseCommand).resolves({});
    glue.on(GetPartitionsCommand).resolves({ Partitions: [] });
    const handler = createHandler(() => composeFromEnvironment(env));
    await s3.client().send(new PutObjectCommand({ Bucket: 'lake', Key: 'raw/orders/a.csv', Body: 'id,amount\n1,2.5\n2,4\n' }));
    const result = await handler({
      Records: [{ eventName: 'ObjectCreated:Put', eventSource: 'aws:s3', s3: { bucket: { name: 'lake' }, object: { key: 'raw/orders/a.csv', size: 20 } } }],
    });
    expect(result).toMatchObject({ queued: ['orders/a.csv'], runs: { completed: 3, failed: 0 } });
    const final = await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'final/' }));
    expect(final.Contents?.map((o) => o.Key)).toEqual(['final/orders/a.parquet']);
    // The report is kept beside the rejected rows, in the quarantine zone.
    const reports = await s3.client().send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'quarantine/.sluice/reports/' }));
    expect(reports.Contents?.map((o) => o.Key)).toEqual(['quarantine/.sluice/reports/orders/a.csv.json']);
    const created = glue
      .commandCalls(CreateTableCommand)
      .map((c) => `${c.args[0].input.DatabaseName}.${c.args[0].input.TableInput?.Name} ${c.args[0].input.TableInput?.StorageDescriptor?.Location}`);
    expect(created).toEqual(['sluice_processed.orders s3://lake/processed/orders/', 'sluice_final.orders s3://lake/final/orders/']);
  });

  it('refuses a sluice.yaml whose zones are folders, naming the key', async () => {
    await s3.client().send(new PutObjectCommand({ Bucket: 'config', Key: 'sluice/local.yaml', Body: 'zones:\n  raw: data/raw\n' }));
    await expect(composeFromEnvironment({ ...env, SLUICE_CONFIG_URI: 's3://config/sluice/local.yaml' })).rejects.toThrow(
      's3://config/sluice/local.yaml: zones.raw: "data/raw" is not an s3:// location; in AWS Lambda every zone is an S3 prefix',
    );
  });
});
