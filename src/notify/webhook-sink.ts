/**
 * The event log, with each event also turned into webhook events
 * (`core/webhook-events.ts`) and queued in the outbox for every endpoint that
 * subscribes to it, in the process that recorded the event. Queuing needs no
 * secret and sends nothing: a deliverer (`webhook-delivery.ts`) does that, so
 * a slow receiver never holds up a run.
 */
import type { WebhookConfig } from '../config/notifications.js';
import { errorMessage } from '../core/errors.js';
import type { PipelineEvent } from '../core/events.js';
import { datasetOf } from '../core/keys.js';
import { type EventFacts, endpointWants, type FileFacts, type JobFacts, toWebhookEvents } from '../core/webhook-events.js';
import type { Logger } from '../stages/deps.js';
import type { Catalog, EventLog, JobRunLog, JobRunRecord, LoggedEvent, ReportStore, RunQueue } from '../stages/ports.js';
import type { PreprocessReport } from '../stages/preprocess/report.js';
import type { NewMessage, SqliteWebhookOutbox } from '../state/webhook-outbox.js';

export interface WebhookSinkDeps {
  outbox: SqliteWebhookOutbox;
  webhooks: readonly WebhookConfig[];
  /** Job name by the final table it writes (`final.orders_clean` → `orders_clean`). */
  jobTables: ReadonlyMap<string, string>;
  catalog: Pick<Catalog, 'sourceOfFile'>;
  reports: ReportStore;
  queue: Pick<RunQueue, 'get'>;
  jobRuns: Pick<JobRunLog, 'list'>;
  log: Logger;
  now?: () => number;
  /** Called after messages were queued (wakes a deliverer in this process). */
  onQueued?: () => void;
}

function jobFacts(job: string, table: string, r: JobRunRecord | undefined): JobFacts | undefined {
  if (!r) return undefined;
  return { job, table, runId: r.id, rowsRead: r.rowsRead, rowsWritten: r.rowsWritten, filesWritten: r.filesWritten, ...(r.error ? { error: r.error } : {}) };
}

export class WebhookEventLog implements EventLog {
  constructor(
    private readonly inner: EventLog,
    private readonly deps: WebhookSinkDeps,
  ) {}

  recent(limit?: number, filter?: { types?: readonly string[]; table?: string }): Promise<LoggedEvent[]> {
    return this.inner.recent(limit, filter);
  }

  async append(event: PipelineEvent): Promise<void> {
    await this.inner.append(event);
    if (!this.deps.webhooks.length) return;
    try {
      const at = new Date((this.deps.now ?? Date.now)());
      const events = toWebhookEvents(event, await this.facts(event), at);
      const messages: NewMessage[] = [];
      for (const e of events) {
        this.deps.webhooks.forEach((w, endpoint) => {
          if (endpointWants(w, e)) messages.push({ endpoint, url: w.url, type: e.type, payload: JSON.stringify(e), maxAttempts: w.maxAttempts });
        });
      }
      if (messages.length) {
        this.deps.outbox.add(messages);
        this.deps.onQueued?.();
      }
    } catch (err) {
      // The event itself is recorded; a webhook that cannot be queued must not fail the run.
      this.deps.log.error('webhook events not queued', { type: event.type, error: errorMessage(err) });
    }
  }

  /** What the webhook events of `event` need besides the event. */
  private async facts(event: PipelineEvent): Promise<EventFacts> {
    const d = this.deps;
    if (event.type === 'table.updated') {
      if (event.table.startsWith('processed.')) {
        const files: FileFacts[] = [];
        for (const file of event.files) {
          const rawKey = await d.catalog.sourceOfFile('processed', file);
          if (!rawKey) continue;
          const report = (await d.reports.get(rawKey))?.report as PreprocessReport | undefined;
          files.push({
            rawKey,
            dataset: report?.dataset ?? datasetOf(rawKey),
            processedKey: report?.outputs?.processed ?? file,
            rowsWritten: report?.rows.written ?? 0,
            rowsRejected: report?.rows.rejected ?? 0,
            rowsInvalid: report?.rows.invalid ?? 0,
            rejectedCells: report?.rejectedCells ?? 0,
            ...(report?.outputs?.rejects ? { rejectsKey: report.outputs.rejects } : {}),
          });
        }
        return { files };
      }
      const job = d.jobTables.get(event.table);
      if (job) {
        const facts = jobFacts(job, event.table, (await d.jobRuns.list(job, 1))[0]);
        return facts ? { job: facts } : {};
      }
      return {};
    }
    if (event.type === 'run.quarantined' || event.type === 'run.failed') {
      const run = await d.queue.get(event.runId);
      if (run?.stage === 'job') {
        const job = run.payload.job;
        const table = [...d.jobTables].find(([, name]) => name === job)?.[0] ?? '';
        const facts = jobFacts(job, table, (await d.jobRuns.list(job, 1))[0]);
        return facts ? { job: facts } : {};
      }
      return run && 'rawKey' in run.payload ? { rawKey: run.payload.rawKey } : {};
    }
    return {};
  }
}
