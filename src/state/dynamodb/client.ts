/**
 * The DynamoDB client's configuration, from the standard AWS settings only:
 * the default credential chain, `AWS_REGION`, and `AWS_ENDPOINT_URL_DYNAMODB`
 * (or `AWS_ENDPOINT_URL`) for a DynamoDB-compatible endpoint, as the AWS CLI
 * reads them. Throttling (`ProvisionedThroughputExceededException`,
 * `ThrottlingException`) and 5xx answers are retried with backoff as
 * `storage/aws-retry.ts` states.
 *
 * Errors leave here as ours: `stateFailure` turns an SDK error into a
 * StateError naming the operation, the table and DynamoDB's error code (never
 * the credentials), with the original, scrubbed of what echoes the signed
 * request (`storage/aws-errors.ts`), as its cause.
 */
import { DynamoDBClient, type DynamoDBClientConfig, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StateError } from '../../core/errors.js';
import { scrubAwsError } from '../../storage/aws-errors.js';
import { type RetryOptions, retryStrategy } from '../../storage/aws-retry.js';

export function dynamoClientConfig(env: NodeJS.ProcessEnv = process.env, opts: { retry?: RetryOptions } = {}): DynamoDBClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    retryStrategy: retryStrategy(env, opts.retry),
    ...(endpoint ? { endpoint } : {}),
  };
}

/** An SDK error as a StateError: `DynamoDB <command> on <table> failed: <code> (HTTP <status>)`. */
export function stateFailure(err: unknown, command: string, table: string): StateError {
  if (err instanceof StateError) return err;
  scrubAwsError(err);
  const operation = `DynamoDB ${command} on ${table}`;
  const code =
    err instanceof DynamoDBServiceException
      ? `${err.name} (HTTP ${err.$metadata.httpStatusCode ?? '?'})`
      : err instanceof Error
        ? `${err.name}: ${err.message}`
        : String(err);
  return new StateError(`${operation} failed: ${code}; check that the table exists, that this process may use it and that the endpoint answers`, operation, {
    cause: err,
  });
}

/** Run one call to DynamoDB, its errors as StateErrors. */
export async function withStateErrors<T>(command: string, table: string, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (err) {
    throw stateFailure(err, command, table);
  }
}

/** Whether an error is DynamoDB refusing a write because its condition did not hold. */
export function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** A document client (plain JS values in and out) over a client made from the standard settings unless one is given. */
export function documentClient(client: DynamoDBClient = new DynamoDBClient(dynamoClientConfig())): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** One entry of a TransactWriteItems call, as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Every item a query finds, page after page (or the first `max` of them). */
export async function queryAll<T>(doc: DynamoDBDocumentClient, input: QueryCommandInput, max = Number.POSITIVE_INFINITY): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out: QueryCommandOutput = await withStateErrors('Query', input.TableName ?? '?', () =>
      doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start })),
    );
    items.push(...((out.Items ?? []) as T[]));
    start = out.LastEvaluatedKey;
  } while (start && items.length < max);
  return items.slice(0, max);
}

/** DynamoDB's limit on the writes of one TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Write all or nothing. 'done', or the index of the first write whose
 * condition failed, or 'conflict' when another transaction touched the same
 * items at the same moment (plan again). More writes than one transaction
 * takes are a StateError naming `what`, and nothing is written.
 */
export async function transactWrite(doc: DynamoDBDocumentClient, table: string, what: string, items: TransactItem[]): Promise<'done' | 'conflict' | number> {
  if (items.length === 0) return 'done';
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new StateError(
      `${what} needs ${items.length} writes in one transaction, and DynamoDB takes at most ${MAX_TRANSACTION_ITEMS}; nothing was changed`,
      `DynamoDB TransactWriteItems on ${table}`,
    );
  }
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
    return 'done';
  } catch (err) {
    const reasons = (err as { name?: string; CancellationReasons?: { Code?: string }[] }).CancellationReasons;
    if ((err as Error).name !== 'TransactionCanceledException' || !reasons) throw stateFailure(err, 'TransactWriteItems', table);
    const failed = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (failed >= 0) return failed;
    if (reasons.some((r) => r.Code === 'TransactionConflict')) return 'conflict';
    throw stateFailure(err, 'TransactWriteItems', table);
  }
}
