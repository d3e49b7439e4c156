/**
 * How a new raw object reaches the Lambda: the raw bucket's EventBridge
 * notifications → a rule matching `Object Created` for input files → an SQS
 * queue → the function (an SQS event source).
 *
 * Why SQS behind EventBridge, rather than S3 invoking the Lambda directly:
 * - Fan-out: S3 allows one notification target per event type and prefix;
 *   on EventBridge any number of rules read the same events (monitoring,
 *   other consumers) without touching the bucket.
 * - Suffix lists: one rule matches every input ending (case-insensitively,
 *   as the local watcher does), where S3 filters take one suffix each and
 *   refuse overlapping ones.
 * - Buffering: with reserved concurrency, a burst of uploads waits in the
 *   queue (up to its retention) instead of being throttled and, after the
 *   asynchronous retries, dropped.
 * - A dead-letter queue: a message that fails three times is kept for a
 *   look and a redrive, not lost.
 * - Partial batch failures: the handler reports the failed messages of a
 *   batch (reportBatchItemFailures), so only those come back.
 *
 * The input endings are the pipeline's own (core/keys.ts), not a second list.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INPUT_ENDINGS } from '../core/keys.js';

/** AWS's advice for an SQS event source: a visibility timeout at least six times the function's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
export const MAX_RECEIVE_COUNT = 3;

export class RawTrigger extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: { raw: s3.IBucket; functionTimeout: Duration }) {
    super(scope, id);
    const secure = { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true } satisfies sqs.QueueProps;
    // Kept 14 days (SQS's longest), longer than the source queue's messages live, so a redrive is possible.
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', { ...secure, retentionPeriod: Duration.days(14) });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...secure,
      visibilityTimeout: Duration.seconds(props.functionTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.rule = new events.Rule(this, 'ObjectCreated', {
      description: 'New input files (CSV, TSV, TAB, TXT, PSV, plain or compressed, or zipped) in the raw bucket, to the preprocess queue',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.raw.bucketName] },
          object: { key: events.Match.anyOf(...INPUT_ENDINGS.map((ending) => events.Match.suffixEqualsIgnoreCase(ending))) },
        },
      },
      // Events EventBridge could not deliver to the queue go to the same dead-letter queue as the ones the function failed on.
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });
  }
}
