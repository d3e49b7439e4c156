/**
 * How Sluice's S3 and DynamoDB clients retry, stated here rather than left to
 * the SDK's defaults, so a reader knows what a throttled call costs.
 *
 * - The SDK's standard retry mode: throttling answers (S3 `SlowDown`,
 *   DynamoDB `ProvisionedThroughputExceededException`, `ThrottlingException`,
 *   HTTP 429), 5xx answers and dropped connections are retried; anything else
 *   (access denied, a missing table, a refused condition) fails at once.
 * - At most {@link DEFAULT_MAX_ATTEMPTS} attempts per call (the first and four
 *   retries), or `AWS_MAX_ATTEMPTS` when it is set, as the AWS CLI reads it.
 * - Exponential backoff with full jitter, as the SDK computes it: before
 *   retry i (0-based), a random wait in [0, min(base × 2^i, 20 s)), with base
 *   1 s after a throttling answer and 50 ms after any other. Five attempts
 *   wait at most 15 s in all for throttling, which a Lambda invocation can
 *   afford; past them the error goes to the caller (a run is then retried by
 *   the run queue, an SQS record is reported as a batch item failure).
 * - The SDK's retry quota still applies: a client that keeps failing stops
 *   retrying early instead of multiplying the load on a struggling service.
 *
 * `delayScale` multiplies every wait; tests set it small to exercise the same
 * strategy in milliseconds.
 */
import { StandardRetryStrategy, type StandardRetryStrategyOptions } from '@smithy/core/retry';

export const DEFAULT_MAX_ATTEMPTS = 5;
/** The SDK's cap on one backoff wait. */
const MAX_DELAY_MS = 20_000;

export interface RetryOptions {
  /** Attempts per call, the first included (default: AWS_MAX_ATTEMPTS, else 5). */
  maxAttempts?: number;
  /** Factor on every backoff wait (default 1). */
  delayScale?: number;
}

type Backoff = NonNullable<StandardRetryStrategyOptions['backoff']>;

/** The SDK's exponential backoff with full jitter, its base set per answer by the strategy, scaled. */
function scaledBackoff(scale: number): Backoff {
  let base = 50;
  return {
    setDelayBase: (delay: number) => {
      base = delay;
    },
    computeNextBackoffDelay: (retry: number) => Math.floor(Math.random() * Math.min(base * 2 ** retry, MAX_DELAY_MS) * scale),
  };
}

/** Attempts per call: the option, else `AWS_MAX_ATTEMPTS` when it is a positive integer, else the default. */
export function maxAttemptsOf(env: NodeJS.ProcessEnv, opts: RetryOptions = {}): number {
  if (opts.maxAttempts !== undefined) return opts.maxAttempts;
  const fromEnv = Number(env.AWS_MAX_ATTEMPTS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_MAX_ATTEMPTS;
}

/** The `retryStrategy` an S3 or DynamoDB client is made with. */
export function retryStrategy(env: NodeJS.ProcessEnv, opts: RetryOptions = {}): StandardRetryStrategy {
  return new StandardRetryStrategy({ maxAttempts: maxAttemptsOf(env, opts), backoff: scaledBackoff(opts.delayScale ?? 1) });
}
