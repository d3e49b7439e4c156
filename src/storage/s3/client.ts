/**
 * The S3 client's configuration, from the standard AWS settings only: the
 * default credential chain, `AWS_REGION`, and `AWS_ENDPOINT_URL_S3` (or
 * `AWS_ENDPOINT_URL`) for an S3-compatible store, as the AWS CLI reads them.
 * With an endpoint set, buckets are addressed by path (`host/bucket/key`),
 * which every S3-compatible server understands; checksums are computed and
 * checked only where an operation requires them, which such servers accept.
 * Throttling (`SlowDown`) and 5xx answers are retried with backoff as
 * `../aws-retry.ts` states.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { type RetryOptions, retryStrategy } from '../aws-retry.js';

export function s3ClientConfig(env: NodeJS.ProcessEnv = process.env, opts: { retry?: RetryOptions } = {}): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    retryStrategy: retryStrategy(env, opts.retry),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}
