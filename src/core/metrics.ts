/**
 * The pipeline's CloudWatch metrics and event source: a contract between the
 * Lambda that emits them (runtime/lambda/powertools.ts, notify/aws.ts) and the
 * deployed dashboard, alarms and rules that read them (infra/monitoring.ts).
 */

/** Default namespace (POWERTOOLS_METRICS_NAMESPACE overrides it in the Lambda; the stack sets the same). */
export const METRIC_NAMESPACE = 'Sluice';

/** Every metric carries `service` (the stack name); the per-stage ones carry `stage` too. */
export const METRIC_DIMENSIONS = { service: 'service', stage: 'stage' } as const;

export const METRICS = {
  /** Count: raw objects whose preprocess run was queued (a repeat delivery is not counted). */
  filesIn: 'FilesIn',
  /** Count: preprocess runs that wrote their file's rows (not quarantined, not superseded by a newer version). */
  filesProcessed: 'FilesProcessed',
  /** Count: runs that quarantined their raw file (unreadable in preprocess, or refused by its table's `schemaChange: fail` in crawl). */
  filesQuarantined: 'FilesQuarantined',
  /** Count: rows written by preprocess runs. */
  rowsOut: 'RowsOut',
  /** Count: rows preprocess runs sent to the rejects file instead (unreadable rows and rows breaking a rule). */
  rowsRejected: 'RowsRejected',
  /** Count, dimension `stage`: run attempts that failed (to be retried, or for good) or ended the invocation. */
  runErrors: 'RunErrors',
  /** Milliseconds, dimension `stage`: how long each run worked. */
  runDuration: 'RunDuration',
} as const;

/** The per-invocation counts (dimension `service` only). */
export const COUNT_METRICS = [METRICS.filesIn, METRICS.filesProcessed, METRICS.filesQuarantined, METRICS.rowsOut, METRICS.rowsRejected] as const;

/** The `source` of the pipeline's own events on EventBridge. */
export const EVENT_SOURCE = 'sluice';
