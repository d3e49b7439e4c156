/**
 * Powertools for AWS Lambda around the deployed handler, and nowhere else:
 * the stages and the local runtime never import it. The handler sees it only
 * as its `Logger` port and its `InvocationHooks` (handler.ts).
 *
 * - Logs: Powertools' `Logger`, one JSON object per line, with the request
 *   context (request id, function name and version, cold start) added per
 *   invocation. Service `POWERTOOLS_SERVICE_NAME` (default `sluice`); level
 *   `POWERTOOLS_LOG_LEVEL`, else `SLUICE_LOG_LEVEL`, else info. An error in a
 *   log field keeps only its name, message and cause: an SDK error's other
 *   fields can echo the request (S3's InvalidAccessKeyId names the key).
 * - Metrics: Powertools' `Metrics` as CloudWatch EMF on stdout, namespace
 *   `POWERTOOLS_METRICS_NAMESPACE` (default `Sluice`), dimension `service`.
 *   The names are a contract (the deployed dashboard and alarms read them):
 *   see METRICS. Per-invocation counts go out at the end of every invocation,
 *   errors or not (zeros included, so graphs have no gaps); `RunDuration` and
 *   `RunErrors` go out as each run ends, with a `stage` dimension.
 * - Idempotency: with `SLUICE_IDEMPOTENCY_TABLE` set, Powertools'
 *   `makeIdempotent` with its DynamoDB persistence layer wraps the noting of
 *   one raw object, keyed by bucket, full key and version (ETag or version
 *   id): a repeat delivery returns before reading the object or touching the
 *   run queue. Unset, it is off, and the run queue's key (stage, key, content
 *   hash) still keeps a repeat from queuing anything. An event with no version
 *   is noted without a record: keyed by bucket and key alone it would hide the
 *   next upload to that key.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { LogLevel, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { METRIC_DIMENSIONS, METRIC_NAMESPACE, METRICS } from '../../core/metrics.js';
import type { Logger } from '../../stages/deps.js';
import type { Run } from '../../stages/runs.js';
import type { RunEnd } from '../../stages/work-run.js';
import { dynamoClientConfig } from '../../state/dynamodb/client.js';
import type { InvocationHooks, Noted, NoteObject } from './handler.js';

export { METRICS };

/** How long a noted version is remembered (7 days). */
export const IDEMPOTENCY_EXPIRY_SECONDS = 7 * 24 * 3600;
// S3 repeats a notification within minutes; SQS redelivers until its retention ends (4 days by default);
// Lambda retries a failed asynchronous invocation for up to 6 hours. A week covers these and a dead-letter
// queue redriven within a working week. Later repeats are still no-ops through the run queue's key, so the
// expiry only bounds the table's size.

type PowertoolsLevel = (typeof LogLevel)[keyof typeof LogLevel];
const LEVELS = Object.values(LogLevel) as readonly string[];

/** POWERTOOLS_LOG_LEVEL, else SLUICE_LOG_LEVEL (info, warn, error, silent, or any Powertools level), else INFO. */
export function logLevelFrom(env: NodeJS.ProcessEnv): PowertoolsLevel {
  for (const value of [env.POWERTOOLS_LOG_LEVEL, env.SLUICE_LOG_LEVEL]) {
    const level = value?.trim().toUpperCase();
    if (level && LEVELS.includes(level)) return level as PowertoolsLevel;
  }
  return LogLevel.INFO;
}

export interface Powertools {
  /** The handler's Logger port, over `logger`. */
  log: Logger;
  hooks: InvocationHooks;
  logger: PowertoolsLogger;
  metrics: Metrics;
}

/**
 * Logger, metrics and (with SLUICE_IDEMPOTENCY_TABLE) idempotency from the
 * environment, once per container. `dynamo` is the idempotency table's
 * client (by default one from the standard AWS settings).
 */
export function powertoolsFromEnvironment(env: NodeJS.ProcessEnv = process.env, opts: { dynamo?: DynamoDBClient } = {}): Powertools {
  const serviceName = env.POWERTOOLS_SERVICE_NAME || 'sluice';
  const logger = new PowertoolsLogger({ serviceName, logLevel: logLevelFrom(env), jsonReplacerFn: errorsWithoutDetail });
  const metrics = new Metrics({ serviceName, namespace: env.POWERTOOLS_METRICS_NAMESPACE || METRIC_NAMESPACE, logger });
  const table = env.SLUICE_IDEMPOTENCY_TABLE;
  const idempotency = table ? idempotencyFor(table, opts.dynamo ?? new DynamoDBClient(dynamoClientConfig(env))) : undefined;
  const log: Logger = {
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };

  let counts = zeroCounts();
  const perStage = (run: Run, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number) => {
    const single = metrics.singleMetric();
    single.addDimension(METRIC_DIMENSIONS.stage, run.stage);
    single.addMetric(name, unit, value);
  };
  const hooks: InvocationHooks = {
    begin(context) {
      counts = zeroCounts();
      if (!context) return;
      // Both read only the fields a Context has; a test's partial context leaves the others out of the log.
      logger.addContext(context as Context);
      idempotency?.config.registerLambdaContext(context as Context);
    },
    end() {
      for (const [name, value] of Object.entries(counts)) metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
      counts = zeroCounts();
    },
    ...(idempotency ? { noteOnce: idempotency.noteOnce } : {}),
    queued() {
      counts[METRICS.filesIn]++;
    },
    runEnded(run, end, ms) {
      perStage(run, METRICS.runDuration, MetricUnit.Milliseconds, ms);
      if (!end || end.outcome === 'retrying' || end.outcome === 'failed') perStage(run, METRICS.runErrors, MetricUnit.Count, 1);
      countOutcome(counts, run, end);
    },
  };
  return { log, hooks, logger, metrics };
}

type Counts = Record<(typeof METRICS)['filesIn' | 'filesProcessed' | 'filesQuarantined' | 'rowsOut' | 'rowsRejected'], number>;

function zeroCounts(): Counts {
  return { FilesIn: 0, FilesProcessed: 0, FilesQuarantined: 0, RowsOut: 0, RowsRejected: 0 };
}

/** A completed run's files and rows; a preprocess completion carries its report's row counts (chain.ts, afterPreprocess). */
function countOutcome(counts: Counts, run: Run, end: RunEnd | undefined): void {
  if (end?.outcome !== 'completed') return;
  const { status, result } = end.completion;
  if (status === 'quarantined') {
    counts[METRICS.filesQuarantined]++;
    return;
  }
  if (run.stage !== 'preprocess' || status !== 'succeeded' || result?.superseded) return;
  const rows = (result?.rows ?? {}) as { written?: unknown; rejected?: unknown; invalid?: unknown };
  counts[METRICS.filesProcessed]++;
  counts[METRICS.rowsOut] += Number(rows.written ?? 0);
  counts[METRICS.rowsRejected] += Number(rows.rejected ?? 0) + Number(rows.invalid ?? 0);
}

/** The identity of one object version: what a repeat delivery shares with the first. */
interface ObjectVersion {
  bucket: string;
  key: string;
  version: string;
}

function idempotencyFor(tableName: string, client: DynamoDBClient) {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const config = new IdempotencyConfig({
    expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
    // A repeat gets the first delivery's stored answer; the handler needs to know it is a repeat.
    responseHook: () => ({ outcome: 'repeat' }) satisfies Noted,
  });
  const noteOnce = (note: NoteObject, raw: { prefix: string }): NoteObject => {
    // Hashed: the second argument, the version's identity (not the SQS message id, which differs per delivery).
    const once = makeIdempotent((o: Parameters<NoteObject>[0], _version: ObjectVersion) => note(o), { persistenceStore, config, dataIndexArgument: 1 });
    return (o) => (o.version ? once(o, { bucket: o.bucket, key: `${raw.prefix}${o.key}`, version: o.version }) : note(o));
  };
  return { config, noteOnce };
}

/** Errors in log fields as their name, message and cause only (see the file's note). */
function errorsWithoutDetail(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return { name: value.name, message: value.message, ...(value.cause !== undefined ? { cause: value.cause } : {}) };
}
