/**
 * The Prometheus metrics of `sluice start` (`GET /metrics`), on prom-client.
 *
 * - One Registry per server, never prom-client's global one: two servers in
 *   one process (tests, an embedding app) each count their own project.
 * - What the pipeline has done and holds (files, rows, retries, queue,
 *   catalog, webhook messages) is read from the state database when scraped
 *   (state/stats.ts), so it counts the work of every process on the project
 *   (a `sluice ingest` beside the server too) and survives restarts. Those
 *   reads pass over the `runs` table (about 70 ms for 10,000 files, 1.4 s
 *   for 100,000), so a scrape reads again only when the database changed
 *   since the last read (SQLite's data_version for other processes' commits,
 *   total_changes() for this one's), and at most every `minRefreshMs`. A
 *   counter read that way can go down: a replay reopens a file's runs, a dead
 *   webhook message is retried. Prometheus would take a drop for a restart
 *   and count the whole value again, so each counter series reports at least
 *   what it reported before in this process.
 * - Run durations are observed as this server's workers finish runs, into a
 *   histogram seeded at start from the durations the run records hold (one
 *   grouped read, about 0.4 s for 300,000 runs), so a restart continues the
 *   series instead of zeroing it. Runs that another
 *   process works while the server runs join at its next start.
 * - The process's default metrics (`process_*`, `nodejs_*`) keep their
 *   standard names, which dashboards for any Node.js service read; they are
 *   the process's, so one collector per process serves every server in it.
 */
import type { EventEmitter } from 'node:events';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Run } from '../stages/runs.js';
import { STAGES } from '../stages/runs.js';
import type { Db } from '../state/database.js';
import {
  type CatalogCounts,
  catalogCounts,
  type FileCounts,
  fileCounts,
  type RunCounts,
  runCounts,
  runDurations,
  type WebhookDeliveryCounts,
  webhookDeliveryCounts,
} from '../state/stats.js';

/** Per-table series are kept to this many tables (those with the most schema versions); `sluice_catalog_tables` counts them all. */
export const TABLE_SERIES_LIMIT = 100;

/** Seconds: from a fast publish (tens of ms) to a large file's preprocess or a job (minutes). */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The names Sluice's own metrics carry (the default process metrics keep theirs). */
export const METRIC_NAMES = {
  files: 'sluice_files_total',
  rowsWritten: 'sluice_rows_written_total',
  rowsRejected: 'sluice_rows_rejected_total',
  rejectedCells: 'sluice_rejected_cells_total',
  retries: 'sluice_run_retries_total',
  stageDuration: 'sluice_stage_duration_seconds',
  queueDepth: 'sluice_queue_depth',
  oldestWaiting: 'sluice_queue_oldest_waiting_seconds',
  catalogTables: 'sluice_catalog_tables',
  tableVersions: 'sluice_catalog_table_versions',
  webhookDeliveries: 'sluice_webhook_deliveries_total',
  webhookPending: 'sluice_webhook_deliveries_pending',
} as const;

let processRegistry: Registry | undefined;

/** The process's default metrics, collected once per process whatever the number of servers. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

interface Readings {
  work: FileCounts;
  runs: RunCounts;
  catalog: CatalogCounts;
  webhooks: WebhookDeliveryCounts;
}

export interface MetricsSource {
  /** The project's state database. */
  db: Db;
  /** Emits 'run' (a Run, or undefined) as this process's workers end a run: Pipeline.events. */
  runs: EventEmitter;
  now?: () => number;
  /** A scrape sooner than this after the last read of a changed database is answered from that read (default 5 s). */
  minRefreshMs?: number;
}

/** Whether anything was written to the database since: another connection's commit, or a change through this one. */
function changeMark(db: Db): string {
  const version = db.pragma('data_version', { simple: true }) as number;
  const changes = (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  return `${version}:${changes}`;
}

export class ServerMetrics {
  /** Sluice's own metrics; `scrape()` adds the process's. */
  readonly registry = new Registry();
  private readonly db: Db;
  private readonly runs: EventEmitter;
  private readonly now: () => number;
  private readonly durations: Histogram<'stage'>;
  /** What each counter series last reported, by counter and labels. */
  private readonly reported = new Map<object, Map<string, number>>();
  private readonly minRefreshMs: number;
  /** The state read for the scrape in progress; every collector reads from it. */
  private reading?: Readings;
  /** The last read, kept while the database does not change. */
  private last?: { mark: string; at: number; readings: Readings };
  private readonly onRun = (run: Run | undefined) => this.observeRun(run);

  constructor(source: MetricsSource) {
    this.db = source.db;
    this.runs = source.runs;
    this.now = source.now ?? Date.now;
    this.minRefreshMs = source.minRefreshMs ?? 5_000;
    const registers = [this.registry];
    const metrics = this;

    new Counter({
      name: METRIC_NAMES.files,
      help: 'Raw file versions whose runs have ended, by outcome: processed (rows written), quarantined, failed (a run failed for good)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const { files } = metrics.read().work;
        for (const outcome of ['processed', 'quarantined', 'failed'] as const) metrics.setCounter(this, { outcome }, files[outcome]);
      },
    });
    new Counter({
      name: METRIC_NAMES.rowsWritten,
      help: 'Rows written to the processed zone by the preprocess runs of processed files',
      registers,
      collect() {
        metrics.setCounter(this, {}, metrics.read().work.rows.written);
      },
    });
    new Counter({
      name: METRIC_NAMES.rowsRejected,
      help: 'Rows of processed files sent to their rejects file instead, by reason: unreadable (ragged, bad quoting) or rule (broke a rule in sluice.yaml)',
      labelNames: ['reason'],
      registers,
      collect() {
        const { rows } = metrics.read().work;
        metrics.setCounter(this, { reason: 'unreadable' }, rows.unreadable);
        metrics.setCounter(this, { reason: 'rule' }, rows.rule);
      },
    });
    new Counter({
      name: METRIC_NAMES.rejectedCells,
      help: 'Cells of processed files listed in their rejects file (a value that does not parse as its column type, invalid UTF-8); their rows were kept',
      registers,
      collect() {
        metrics.setCounter(this, {}, metrics.read().work.rejectedCells);
      },
    });
    new Counter({
      name: METRIC_NAMES.retries,
      help: 'Run attempts beyond the first (retries after a failure, or after the process running it died), by stage',
      labelNames: ['stage'],
      registers,
      collect() {
        const { retries } = metrics.read().runs;
        for (const stage of STAGES) metrics.setCounter(this, { stage }, retries[stage] ?? 0);
      },
    });
    this.durations = new Histogram({
      name: METRIC_NAMES.stageDuration,
      help: 'How long finished runs worked (their last attempt), by stage: preprocess, crawl, publish, job (transform)',
      labelNames: ['stage'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: METRIC_NAMES.queueDepth,
      help: 'Runs in the queue by status (queued: waiting, a retry delay included; running) and stage',
      labelNames: ['status', 'stage'],
      registers,
      collect() {
        const { runs } = metrics.read();
        for (const status of ['queued', 'running'] as const) for (const stage of STAGES) this.set({ status, stage }, runs[status][stage] ?? 0);
      },
    });
    new Gauge({
      name: METRIC_NAMES.oldestWaiting,
      help: 'How long the longest-waiting queued run has waited, 0 when none waits',
      registers,
      collect() {
        const at = metrics.read().runs.oldestQueuedAt;
        this.set(at === undefined ? 0 : Math.max(0, metrics.now() - at) / 1000);
      },
    });
    new Gauge({
      name: METRIC_NAMES.catalogTables,
      help: 'Tables in the catalog, by database (processed, final)',
      labelNames: ['database'],
      registers,
      collect() {
        const { tables } = metrics.read().catalog;
        for (const database of new Set(['processed', 'final', ...Object.keys(tables)])) this.set({ database }, tables[database] ?? 0);
      },
    });
    new Gauge({
      name: METRIC_NAMES.tableVersions,
      help: `Current schema version of each catalog table (database.table), for the ${TABLE_SERIES_LIMIT} tables with the most versions`,
      labelNames: ['table'],
      registers,
      collect() {
        // Tables come and go from the top list: only those in it now are reported.
        this.reset();
        for (const t of metrics.read().catalog.versions) this.set({ table: t.table }, t.version);
      },
    });
    new Counter({
      name: METRIC_NAMES.webhookDeliveries,
      help: 'Webhook messages that ended, by outcome: delivered (acknowledged) or dead (given up after the last attempt)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const { webhooks } = metrics.read();
        metrics.setCounter(this, { outcome: 'delivered' }, webhooks.delivered);
        metrics.setCounter(this, { outcome: 'dead' }, webhooks.dead);
      },
    });
    new Gauge({
      name: METRIC_NAMES.webhookPending,
      help: 'Webhook messages waiting to be sent or retried',
      registers,
      collect() {
        this.set(metrics.read().webhooks.pending);
      },
    });

    this.seedDurations();
    this.runs.on('run', this.onRun);
  }

  /** The exposition text of this server's metrics and the process's, read from the state database once. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    this.reading = this.readIfChanged();
    try {
      const merged = Registry.merge([processMetrics(), this.registry]);
      return { contentType: merged.contentType, text: await merged.metrics() };
    } finally {
      this.reading = undefined;
    }
  }

  /** Stop observing runs (the server closed). */
  close(): void {
    this.runs.off('run', this.onRun);
  }

  private read(): Readings {
    // Outside a scrape (the registry read directly) each collector reads for itself.
    return this.reading ?? this.readNow();
  }

  private readIfChanged(): Readings {
    const mark = changeMark(this.db);
    const last = this.last;
    if (last && (last.mark === mark || this.now() - last.at < this.minRefreshMs)) return last.readings;
    const readings = this.readNow();
    // Reading writes nothing, so the mark taken before it still stands for what was read.
    this.last = { mark, at: this.now(), readings };
    return readings;
  }

  private readNow(): Readings {
    return {
      work: fileCounts(this.db),
      runs: runCounts(this.db),
      catalog: catalogCounts(this.db, TABLE_SERIES_LIMIT),
      webhooks: webhookDeliveryCounts(this.db),
    };
  }

  /** A counter series set to `value`, or kept at what it reported before if that was more (see the file's note). */
  private setCounter<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string>>, value: number): void {
    const series = this.reported.get(counter) ?? new Map<string, number>();
    this.reported.set(counter, series);
    const key = JSON.stringify(labels);
    const before = series.get(key) ?? 0;
    const shown = Math.max(value, before);
    series.set(key, shown);
    // The counter holds what was reported before: the difference brings it to the new value (0 makes the series exist).
    counter.inc(labels, shown - before);
  }

  private seedDurations(): void {
    for (const { stage, ms, n } of runDurations(this.db)) {
      for (let i = 0; i < n; i++) this.durations.observe({ stage }, ms / 1000);
    }
  }

  private observeRun(run: Run | undefined): void {
    if (!run || !['succeeded', 'quarantined', 'failed'].includes(run.status) || run.startedAt === null || run.finishedAt === null) return;
    this.durations.observe({ stage: run.stage }, Math.max(0, run.finishedAt - run.startedAt) / 1000);
  }
}
