/**
 * The events Sluice sends to webhooks, and how each is made from a pipeline
 * event and the facts around it (the file's preprocess report, the run's raw
 * key, a job's run record). Pure: the facts are looked up by the caller.
 *
 * Every webhook event is `{ type, timestamp, data }` (Standard Webhooks'
 * recommended envelope); `timestamp` is when the pipeline event happened.
 */
import type { PipelineEvent } from './events.js';
import type { SchemaDiff } from './schema.js';

export const WEBHOOK_EVENT_TYPES = [
  'file.processed',
  'file.quarantined',
  'rows.rejected',
  'schema.changed',
  'table.updated',
  'job.succeeded',
  'job.failed',
  'run.failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The sample `sluice notifications test` sends; never derived from the pipeline. */
export const TEST_EVENT_TYPE = 'sluice.test';

export interface WebhookEvent {
  type: WebhookEventType | typeof TEST_EVENT_TYPE;
  timestamp: string;
  data: Record<string, unknown>;
}

/** What a processed raw file's preprocess report says, as far as webhooks tell it. */
export interface FileFacts {
  rawKey: string;
  dataset: string;
  processedKey?: string;
  rowsWritten: number;
  /** Rows that could not be read (ragged). */
  rowsRejected: number;
  /** Rows breaking a rule in sluice.yaml. */
  rowsInvalid: number;
  rejectedCells: number;
  rejectsKey?: string;
}

export interface JobFacts {
  job: string;
  table: string;
  runId: number;
  rowsRead: number;
  rowsWritten: number;
  filesWritten: number;
  error?: string;
}

/** What the caller looked up for one pipeline event. */
export interface EventFacts {
  /** table.updated of a processed table: each new file's report. */
  files?: FileFacts[];
  /** run.quarantined / run.failed: the raw file the run's chain started from. */
  rawKey?: string;
  /** table.updated of a job's output table, or run.failed of a job: the job's run. */
  job?: JobFacts;
}

function diffData(diff: SchemaDiff) {
  return {
    added: diff.added,
    widened: diff.widened,
    changed: diff.changed,
    removed: diff.removed,
  };
}

/** The webhook events one pipeline event makes: none, one or several. */
export function toWebhookEvents(event: PipelineEvent, facts: EventFacts, at: Date): WebhookEvent[] {
  const timestamp = at.toISOString();
  const out: WebhookEvent[] = [];
  const add = (type: WebhookEventType, data: Record<string, unknown>) => out.push({ type, timestamp, data });
  switch (event.type) {
    case 'schema.changed':
      add('schema.changed', {
        table: event.table,
        version: event.version,
        policy: event.policy,
        applied: event.applied,
        ...(event.file ? { file: event.file } : {}),
        ...(event.rawKey ? { rawKey: event.rawKey } : {}),
        diff: diffData(event.diff),
      });
      break;
    case 'table.updated':
      for (const f of facts.files ?? []) {
        add('file.processed', { rawKey: f.rawKey, dataset: f.dataset, processedKey: f.processedKey, table: event.table, rowsWritten: f.rowsWritten });
        if (f.rowsRejected > 0 || f.rowsInvalid > 0 || f.rejectedCells > 0) {
          add('rows.rejected', {
            rawKey: f.rawKey,
            dataset: f.dataset,
            rejectedRows: f.rowsRejected,
            invalidRows: f.rowsInvalid,
            rejectedCells: f.rejectedCells,
            ...(f.rejectsKey ? { rejects: f.rejectsKey } : {}),
          });
        }
      }
      add('table.updated', { table: event.table, version: event.version, files: event.files, ...(event.diff ? { diff: diffData(event.diff) } : {}) });
      if (facts.job) add('job.succeeded', { ...facts.job });
      break;
    case 'run.quarantined':
      add('file.quarantined', { rawKey: facts.rawKey ?? event.subject, stage: event.stage, runId: event.runId, reason: event.error ?? 'quarantined' });
      break;
    case 'run.failed':
      if (event.stage === 'job')
        add('job.failed', { job: event.subject, runId: event.runId, error: event.error ?? 'failed', ...(facts.job ? { jobRun: facts.job } : {}) });
      add('run.failed', {
        runId: event.runId,
        stage: event.stage,
        subject: event.subject,
        ...(facts.rawKey ? { rawKey: facts.rawKey } : {}),
        error: event.error ?? 'failed',
      });
      break;
    default:
      break;
  }
  return out;
}

/** Whether an endpoint takes an event: its type is subscribed and, when the endpoint names datasets, the event is about one of them. */
export function endpointWants(endpoint: { events: readonly string[]; datasets?: readonly string[] }, event: WebhookEvent): boolean {
  if (!endpoint.events.includes(event.type)) return false;
  if (!endpoint.datasets?.length) return true;
  const dataset = datasetOfEvent(event);
  return dataset !== undefined && endpoint.datasets.includes(dataset);
}

/** The dataset an event is about: its `dataset`, or the first segment of its raw key, or the name of its `processed.`/`final.` table. */
export function datasetOfEvent(event: WebhookEvent): string | undefined {
  const d = event.data;
  if (typeof d.dataset === 'string') return d.dataset;
  if (typeof d.rawKey === 'string') return d.rawKey.split('/')[0];
  if (typeof d.table === 'string') return d.table.replace(/^(processed|final)\./, '');
  return undefined;
}
