/**
 * A DynamoDB protocol server on loopback for tests: `dynalite` from npm, in
 * memory, on a free port. Clients reach it as any DynamoDB endpoint, through
 * `AWS_ENDPOINT_URL_DYNAMODB`.
 *
 * dynalite 4.0.0 has no transactions (they are on its TODO list), so this
 * helper adds TransactWriteItems in front of it: requests are served one at a
 * time, and a transaction applies its writes one by one with their
 * conditions, undoing those already applied when one is refused, before the
 * next request is served. Nobody sees a half-applied transaction, as on
 * DynamoDB; a refused transaction is a TransactionCanceledException with one
 * cancellation reason per item. Like DynamoDB, it refuses more than 100 items
 * and two items on the same key.
 */

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { documentClient, dynamoClientConfig } from '../../src/state/dynamodb/client.js';
import { createTables } from '../../src/state/dynamodb/tables.js';

export interface RunningDynamo {
  endpoint: string;
  /** The environment a client (or a sluice process) needs to reach it. */
  env: Record<string, string>;
  client(): DynamoDBClient;
  stop(): Promise<void>;
}

const API = 'DynamoDB_20120810';
/** Marks the helper's own requests, made while a transaction holds the server. */
const STEP_HEADER = 'x-sluice-transaction-step';
const CREDENTIALS = { accessKeyId: 'DYNALITE', secretAccessKey: 'DYNALITE' };

type Json = Record<string, unknown>;
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function startDynamo(): Promise<RunningDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const serve = server.listeners('request')[0] as Handler;
  server.removeAllListeners('request');
  let endpoint = '';
  let turn: Promise<void> = Promise.resolve();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers[STEP_HEADER]) return serve(req, res);
    turn = turn.then(
      () =>
        new Promise<void>((done) => {
          res.on('close', () => done());
          if (req.headers['x-amz-target'] === `${API}.TransactWriteItems`) {
            transactWriteItems(endpoint, req, res).catch((err: unknown) => reply(res, 500, { __type: 'InternalServerError', message: String(err) }));
          } else serve(req, res);
        }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  };
  return {
    endpoint,
    env,
    client: () => new DynamoDBClient({ ...dynamoClientConfig(env), credentials: CREDENTIALS }),
    stop: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** Tables of their own under a fresh prefix, a client and a document client for them. */
export async function freshTables(dynamo: RunningDynamo) {
  const client = dynamo.client();
  const names = await createTables(client, `t${randomBytes(5).toString('hex')}-`);
  const doc = documentClient(client);
  return { client, doc, names, cleanup: async () => client.destroy() };
}

function reply(res: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function bodyOf(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
}

/** One call to dynalite itself, past the one-at-a-time queue (the transaction holds it). */
async function call(endpoint: string, operation: string, input: Json): Promise<{ status: number; body: Json }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `${API}.${operation}`,
      'x-amz-date': '20260101T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=DYNALITE/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      [STEP_HEADER]: '1',
    },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

const EXPRESSION_FIELDS = ['ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues', 'UpdateExpression'] as const;

function pick(op: Json, fields: readonly string[]): Json {
  return Object.fromEntries(fields.filter((f) => op[f] !== undefined).map((f) => [f, op[f]]));
}

async function transactWriteItems(endpoint: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const items = ((await bodyOf(req)).TransactItems ?? []) as Record<string, Json>[];
  if (items.length > 100) {
    return reply(res, 400, {
      __type: 'com.amazon.coral.validate#ValidationException',
      message: `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100`,
    });
  }
  const keySchemas = new Map<string, string[]>();
  const keyOf = async (table: string, op: Json): Promise<Json> => {
    if (op.Key) return op.Key as Json;
    let names = keySchemas.get(table);
    if (!names) {
      const described = await call(endpoint, 'DescribeTable', { TableName: table });
      names = ((described.body.Table as Json).KeySchema as { AttributeName: string }[]).map((k) => k.AttributeName);
      keySchemas.set(table, names);
    }
    return pick(op.Item as Json, names);
  };
  const steps: { kind: string; op: Json; table: string; key: Json }[] = [];
  for (const entry of items) {
    const [kind, op] = Object.entries(entry)[0] as [string, Json];
    const table = String(op.TableName);
    steps.push({ kind, op, table, key: await keyOf(table, op) });
  }
  const ids = steps.map((s) => `${s.table}\u0000${JSON.stringify(Object.entries(s.key).sort())}`);
  if (new Set(ids).size !== ids.length) {
    return reply(res, 400, {
      __type: 'com.amazon.coral.validate#ValidationException',
      message: 'Transaction request cannot include multiple operations on one item',
    });
  }

  const undo: { operation: string; input: Json }[] = [];
  const rollBack = async () => {
    for (const u of undo.reverse()) await call(endpoint, u.operation, u.input);
  };
  for (const [i, { kind, op, table, key }] of steps.entries()) {
    const operation = kind === 'Put' ? 'PutItem' : kind === 'Update' ? 'UpdateItem' : 'DeleteItem';
    const input = { TableName: table, ...(kind === 'Put' ? { Item: op.Item } : { Key: key }), ...pick(op, EXPRESSION_FIELDS), ReturnValues: 'ALL_OLD' };
    const out = await call(endpoint, operation, input);
    if (out.status !== 200) {
      await rollBack();
      if (!String(out.body.__type).endsWith('ConditionalCheckFailedException')) return reply(res, out.status, out.body);
      const reasons = steps.map((_, j) => (j === i ? { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' } : { Code: 'None' }));
      return reply(res, 400, {
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      });
    }
    const old = out.body.Attributes as Json | undefined;
    const restore = old ? { operation: 'PutItem', input: { TableName: table, Item: old } } : { operation: 'DeleteItem', input: { TableName: table, Key: key } };
    // A condition check only checks: its delete is put back at once.
    if (kind === 'ConditionCheck') {
      if (old) await call(endpoint, restore.operation, restore.input);
    } else undo.push(restore);
  }
  reply(res, 200, {});
}
