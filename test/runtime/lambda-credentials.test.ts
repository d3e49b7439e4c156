/**
 * Credentials never leave the Lambda in a log line, a result or an error.
 * The deployed composition (`composeFromEnvironment`) runs with recognizable
 * credentials in the environment, as a function's role gives them, against
 * real protocol servers on loopback whose calls fail: s3rver refuses the
 * unknown key (403 InvalidAccessKeyId, which echoes the key id in its
 * answer), and a fault proxy in front of dynalite answers every call with
 * DynamoDB's AccessDeniedException, then with its InvalidSignatureException,
 * whose message echoes the signed request, session token included. Everything written to stderr or the
 * console, every result and every thrown error (as the Lambda runtime logs
 * it, and its causes' messages) is searched for the secret key, the session
 * token and the access key id. Nothing is mocked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../src/runtime/lambda/handler.js';
import { composeFromEnvironment } from '../../src/runtime/lambda/main.js';
import { createLogger, redactCredentials } from '../../src/runtime/logger.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { DYNAMO_ACCESS_DENIED, DYNAMO_INVALID_SIGNATURE, type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { sqsRecord } from '../helpers/lambda-events.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';

const ACCESS_KEY_ID = 'AKIASLUICELEAKTEST01';
const SECRET = 'sluiceLeakTestSecret/0123456789+abcdefghij';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEsluiceLeakTestSessionToken/0123456789+abcdefghijklmnopqrstuvwxyzABCDEFGH==';
const CREDENTIALS = [ACCESS_KEY_ID, SECRET, SESSION_TOKEN];

let s3: RunningS3;
let dynamo: RunningDynamo;
let dynamoProxy: FaultProxy;
let env: NodeJS.ProcessEnv;
const written: string[] = [];

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(['lake']), startDynamo()]);
  dynamoProxy = await startFaultProxy(dynamo.endpoint);
  dynamoProxy.inject({ fault: DYNAMO_ACCESS_DENIED });
  const config = path.join(tempDir('sluice-creds-'), 'sluice.yaml');
  fs.writeFileSync(config, 'zones:\n  raw: s3://lake/raw\n  processed: s3://lake/processed\n  final: s3://lake/final\n  quarantine: s3://lake/quarantine\n');
  env = {
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint,
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: SESSION_TOKEN,
    SLUICE_CONFIG_URI: config,
    SLUICE_STATE_PREFIX: 'creds-',
    SLUICE_LOG_LEVEL: 'info',
  };
  // The SDK's default credential chain, and the log's redaction, read the process environment.
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v as string);
  // Every line the function writes, wherever it writes it.
  const keep = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, m).mockImplementation((...args) => keep(args.join(' ')));
});

afterAll(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await dynamoProxy?.stop();
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

/** An error as the Lambda runtime logs it (name, message, stack, enumerable fields), with its causes' messages and stacks. */
function asLogged(err: unknown): string {
  const parts: string[] = [];
  for (let e = err; e instanceof Error; e = e.cause) {
    parts.push(JSON.stringify({ errorType: e.name, errorMessage: e.message, ...e, stack: e.stack }));
  }
  return parts.join('\n');
}

const sqsOf = (key: string, id: string) =>
  sqsRecord({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lake' }, object: { key } } }] }, id);

describe('credentials in the Lambda', () => {
  it('appear in no log line, result or error when S3 and DynamoDB refuse the calls', async () => {
    // Prepare
    const handler = createHandler(() => composeFromEnvironment(env));
    const fromS3Config = createHandler(() => composeFromEnvironment({ ...env, SLUICE_CONFIG_URI: 's3://lake/config/sluice.yaml' }));
    const direct = {
      Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'lake' }, object: { key: 'raw/orders/a.csv' } } }],
    };

    // Act
    const batch = await handler({ Records: [sqsOf('raw/orders/a.csv', 'm-1')] });
    const thrown = [
      await handler(direct).catch((e: unknown) => e),
      await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }).catch((e: unknown) => e),
      await fromS3Config({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }).catch((e: unknown) => e),
    ];

    // Assess: the calls failed, and said why by AWS's error codes.
    expect(batch).toMatchObject({ queued: [], batchItemFailures: [{ itemIdentifier: 'm-1' }], leftover: true });
    expect(thrown.map((e) => (e as Error).message)).toEqual([
      // S3 answers a HEAD with a status only: no error code.
      'cannot look up "orders/a.csv" in s3://lake/raw: Forbidden (HTTP 403)',
      'DynamoDB Query on creds-runs failed: AccessDeniedException (HTTP 400); check that the table exists, that this process may use it and that the endpoint answers',
      'cannot read "config/sluice.yaml" in s3://lake: InvalidAccessKeyId (HTTP 403)',
    ]);
    const logged = written.join('');
    expect(logged).toContain('"message":"raw object not queued"');
    expect(logged).toContain('Forbidden (HTTP 403)');
    expect(logged).toContain('AccessDeniedException (HTTP 400)');
    // Assess: no credential anywhere.
    const everything = [logged, JSON.stringify(batch), ...thrown.map(asLogged)].join('\n');
    for (const secret of CREDENTIALS) expect(everything).not.toContain(secret);
  });

  it('appear in no error when DynamoDB refuses the signature and echoes the signed request, session token included', async () => {
    // Prepare
    dynamoProxy.clear();
    dynamoProxy.inject({ fault: DYNAMO_INVALID_SIGNATURE });
    const handler = createHandler(() => composeFromEnvironment(env));
    const from = written.length;

    // Act
    const err = await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }).catch((e: unknown) => e);

    // Assess: AWS's answer did echo the token; what leaves the handler does not.
    expect(dynamoProxy.requests.at(-1)?.headers['x-amz-security-token']).toBe(SESSION_TOKEN);
    expect((err as Error).message).toMatch(/^DynamoDB Query on creds-runs failed: InvalidSignatureException \(HTTP 400\)/);
    expect(((err as Error).cause as Error).message).toContain('x-amz-security-token:[redacted]');
    const everything = [asLogged(err), ...written.slice(from)].join('\n');
    for (const secret of CREDENTIALS) expect(everything).not.toContain(secret);
  });

  it('are redacted from any log line that holds them, such as an AWS message echoing the signed request', () => {
    // Prepare
    const lines: string[] = [];
    const log = createLogger({ json: true, write: (l) => lines.push(l) });
    const echoed = `The request signature we calculated does not match the signature you provided.\n\nThe Canonical String for this request should have been\n'POST\n/\n\nhost:dynamodb.eu-west-1.amazonaws.com\nx-amz-security-token:${SESSION_TOKEN}\n'`;

    // Act
    log.error('call failed', { error: echoed, key: ACCESS_KEY_ID, secret: SECRET });
    const text = redactCredentials(`X-Amz-Security-Token=${SESSION_TOKEN}&X-Amz-Credential=${ACCESS_KEY_ID}%2F20261129`);

    // Assess
    expect(lines).toHaveLength(1);
    for (const secret of CREDENTIALS) expect(lines[0]).not.toContain(secret);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ key: '[redacted]', secret: '[redacted]' });
    expect(JSON.parse(lines[0] as string).error).toContain('x-amz-security-token:[redacted]\n');
    expect(text).toBe('X-Amz-Security-Token=[redacted]&X-Amz-Credential=[redacted]%2F20261129');
  });
});
