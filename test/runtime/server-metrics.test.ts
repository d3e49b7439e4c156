/**
 * The server's metrics over a real state database (SQLite in a temp folder),
 * driven through the run queue with a clock of the test's own: metric names,
 * queue and retry counts, counters that a replay does not take back, the
 * duration histogram (seeded from the run records, then observed), the
 * catalog's capped per-table series and the webhook outbox hook.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METRIC_NAMES, ServerMetrics, TABLE_SERIES_LIMIT } from '../../src/runtime/metrics.js';
import { preprocessRun } from '../../src/stages/chain.js';
import type { Run } from '../../src/stages/runs.js';
import { type Db, openStateDb } from '../../src/state/database.js';
import { SqliteRunQueue } from '../../src/state/queue.js';
import { webhookDeliveryCounts } from '../../src/state/stats.js';
import { T0 } from '../helpers/contract-case.js';
import { type Family, parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

const OWNER = 'test-host:1:abc';
const LEASE = 60_000;

let dir: string;
let db: Db;
let now: number;
let queue: SqliteRunQueue;
let runs: EventEmitter;
const opened: ServerMetrics[] = [];

function serverMetrics(minRefreshMs = 0): ServerMetrics {
  const m = new ServerMetrics({ db, runs, now: () => now, minRefreshMs });
  opened.push(m);
  return m;
}

async function scrape(m: ServerMetrics): Promise<Map<string, Family>> {
  return parsePrometheusText((await m.scrape()).text);
}

const value = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}) => sampleValue(families, name, name, labels);

/** One raw file's preprocess run, claimed and completed with `result` at the test's clock. */
async function preprocessed(key: string, result: Record<string, unknown>, workMs = 1500): Promise<Run> {
  const { id } = await queue.enqueue(preprocessRun(key, `sha-${key}`), true);
  const run = (await queue.claim(OWNER, LEASE)) as Run;
  expect(run.id).toBe(id);
  now += workMs;
  expect(await queue.complete(id, OWNER, { status: 'succeeded', result })).toBe(true);
  return (await queue.get(id)) as Run;
}

const WRITTEN = { processedKey: 'orders/a.parquet', rows: { read: 8, rejected: 1, invalid: 2, duplicates: 0, dropped: 0, written: 5 }, rejectedCells: 3 };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-metrics-'));
  db = openStateDb(path.join(dir, '.sluice', 'state.db'));
  now = T0;
  queue = new SqliteRunQueue(db, () => now);
  runs = new EventEmitter();
});

afterEach(() => {
  for (const m of opened.splice(0)) m.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('metric names', () => {
  it('follows the Prometheus conventions: sluice_ prefix, counters in _total, durations in _seconds', async () => {
    // Prepare
    const m = serverMetrics();

    // Act: as a scraper reads them.
    const all = await scrape(m);
    const own = [...all.values()].filter((f) => m.registry.getSingleMetric(f.name) !== undefined);

    // Assess
    expect(own.map((f) => f.name).sort()).toEqual(Object.values(METRIC_NAMES).sort());
    for (const family of own) {
      expect(family.name).toMatch(/^sluice_[a-z0-9_]+$/);
      expect(family.help?.length, family.name).toBeGreaterThan(20);
      if (family.type === 'counter') expect(family.name).toMatch(/_total$/);
      else expect(family.name).not.toMatch(/_total$/);
      if (family.type === 'histogram') expect(family.name).toMatch(/_seconds$/);
      for (const sample of family.samples) for (const label of Object.keys(sample.labels)) expect(label).toMatch(/^[a-z][a-z_]*$/);
    }
    // The scrape adds the process's default metrics under their standard names, and nothing else.
    const others = [...all.keys()].filter((name) => !name.startsWith('sluice_'));
    expect(others.length).toBeGreaterThan(0);
    for (const name of others) expect(name).toMatch(/^(process|nodejs)_[a-z0-9_]+$/);
  });

  it('keeps two servers’ registries apart in one process', async () => {
    // Prepare
    const first = serverMetrics();
    await preprocessed('orders/a.csv', WRITTEN);

    // Act
    const second = serverMetrics();
    const [a, b] = [await scrape(first), await scrape(second)];

    // Assess: each reads the state database; neither registered into the other or into prom-client's global registry.
    expect(value(a, 'sluice_files_total', { outcome: 'processed' })).toBe(1);
    expect(value(b, 'sluice_files_total', { outcome: 'processed' })).toBe(1);
    expect(first.registry).not.toBe(second.registry);
    expect((await import('prom-client')).register.getSingleMetric('sluice_files_total')).toBeUndefined();
  });
});

describe('what the state database holds', () => {
  it('shows waiting and running runs by stage, how long the oldest has waited, and retries', async () => {
    // Prepare: one run fails its first attempt and waits for its retry; another is queued 30 s later.
    const m = serverMetrics();
    await queue.enqueue(preprocessRun('orders/a.csv', 'sha-a'));
    const first = (await queue.claim(OWNER, LEASE)) as Run;
    expect(await queue.retryOrFail(first, OWNER, 'disk full', 1_000)).toBe('retrying');
    now += 30_000;
    await queue.enqueue(preprocessRun('orders/b.csv', 'sha-b'));
    now += 15_000;

    // Act
    const waiting = await scrape(m);
    now += 1_000;
    await queue.claim(OWNER, LEASE);
    const retried = await scrape(m);

    // Assess
    expect(value(waiting, 'sluice_queue_depth', { status: 'queued', stage: 'preprocess' })).toBe(2);
    expect(value(waiting, 'sluice_queue_depth', { status: 'running', stage: 'preprocess' })).toBe(0);
    expect(value(waiting, 'sluice_queue_oldest_waiting_seconds')).toBe(45);
    expect(value(waiting, 'sluice_run_retries_total', { stage: 'preprocess' })).toBe(0);
    expect(value(retried, 'sluice_queue_depth', { status: 'queued', stage: 'preprocess' })).toBe(1);
    expect(value(retried, 'sluice_queue_depth', { status: 'running', stage: 'preprocess' })).toBe(1);
    expect(value(retried, 'sluice_queue_oldest_waiting_seconds')).toBe(16);
    expect(value(retried, 'sluice_run_retries_total', { stage: 'preprocess' })).toBe(1);
    expect(value(retried, 'sluice_run_retries_total', { stage: 'crawl' })).toBe(0);
  });

  it('counts a file once by its outcome, and a replay running it again does not take the counters back', async () => {
    // Prepare
    const m = serverMetrics();
    await preprocessed('orders/a.csv', WRITTEN);
    const before = await scrape(m);

    // Act: the replay reopens the run, so the state database shows the file as pending again.
    await queue.enqueue(preprocessRun('orders/a.csv', 'sha-orders/a.csv'), true);
    const replaying = await scrape(m);
    const restarted = await scrape(serverMetrics());

    // Assess
    expect(value(before, 'sluice_files_total', { outcome: 'processed' })).toBe(1);
    expect(value(before, 'sluice_rows_written_total')).toBe(5);
    expect(value(before, 'sluice_rows_rejected_total', { reason: 'unreadable' })).toBe(1);
    expect(value(before, 'sluice_rows_rejected_total', { reason: 'rule' })).toBe(2);
    expect(value(before, 'sluice_rejected_cells_total')).toBe(3);
    expect(value(replaying, 'sluice_files_total', { outcome: 'processed' })).toBe(1);
    expect(value(replaying, 'sluice_rows_written_total')).toBe(5);
    // A server started now reads what the database says: the file is not done.
    expect(value(restarted, 'sluice_files_total', { outcome: 'processed' })).toBe(0);
  });

  it('counts a quarantined or failed file under its outcome, with none of its rows', async () => {
    // Prepare
    const m = serverMetrics();
    await queue.enqueue(preprocessRun('bad/a.csv', 'sha-a'));
    const quarantined = (await queue.claim(OWNER, LEASE)) as Run;
    await queue.complete(quarantined.id, OWNER, { status: 'quarantined', error: 'no rows', result: { rows: { read: 0, written: 0, rejected: 4 } } });
    await queue.enqueue(preprocessRun('bad/b.csv', 'sha-b'));
    const failing = (await queue.claim(OWNER, LEASE)) as Run;
    await queue.retryOrFail(failing, OWNER, 'bad config', 0, { permanent: true });

    // Act
    const families = await scrape(m);

    // Assess
    expect(value(families, 'sluice_files_total', { outcome: 'quarantined' })).toBe(1);
    expect(value(families, 'sluice_files_total', { outcome: 'failed' })).toBe(1);
    expect(value(families, 'sluice_files_total', { outcome: 'processed' })).toBe(0);
    expect(value(families, 'sluice_rows_rejected_total', { reason: 'unreadable' })).toBe(0);
  });

  it('keeps per-table version series to the tables with the most versions, and counts every table', async () => {
    // Prepare
    const insert = db.prepare(
      `INSERT INTO catalog_tables (database, name, location, format, columns, partition_keys, version, created_at, updated_at) VALUES (?, ?, 'x', 'parquet', '[]', '[]', ?, 0, 0)`,
    );
    for (let i = 0; i < TABLE_SERIES_LIMIT + 5; i++) insert.run('processed', `t${String(i).padStart(3, '0')}`, i < 3 ? 10 + i : 1);
    insert.run('final', 'orders', 4);
    const m = serverMetrics();

    // Act
    const families = await scrape(m);
    const series = families.get('sluice_catalog_table_versions')?.samples ?? [];

    // Assess
    expect(value(families, 'sluice_catalog_tables', { database: 'processed' })).toBe(TABLE_SERIES_LIMIT + 5);
    expect(value(families, 'sluice_catalog_tables', { database: 'final' })).toBe(1);
    expect(series).toHaveLength(TABLE_SERIES_LIMIT);
    expect(series.slice(0, 4).map((s) => [s.labels.table, s.value])).toEqual([
      ['processed.t002', 12],
      ['processed.t001', 11],
      ['processed.t000', 10],
      ['final.orders', 4],
    ]);
  });

  it('reads webhook messages from the outbox, and zeros while the database has no outbox', async () => {
    // Prepare: a database from before webhooks, then one with an outbox holding messages in each state.
    db.exec('DROP TABLE IF EXISTS webhook_outbox');
    const without = webhookDeliveryCounts(db);
    db.exec('CREATE TABLE webhook_outbox (id TEXT PRIMARY KEY, status TEXT NOT NULL)');
    const add = db.prepare('INSERT INTO webhook_outbox (id, status) VALUES (?, ?)');
    for (const [i, status] of ['delivered', 'delivered', 'delivered', 'dead', 'pending', 'pending'].entries()) add.run(`m${i}`, status);
    const m = serverMetrics();

    // Act
    const families = await scrape(m);

    // Assess
    expect(without).toEqual({ delivered: 0, dead: 0, pending: 0 });
    expect(value(families, 'sluice_webhook_deliveries_total', { outcome: 'delivered' })).toBe(3);
    expect(value(families, 'sluice_webhook_deliveries_total', { outcome: 'dead' })).toBe(1);
    expect(value(families, 'sluice_webhook_deliveries_pending')).toBe(2);
  });
});

describe('reading the state database', () => {
  it('reads again when another process commits, and at most every minRefreshMs while the database keeps changing', async () => {
    // Prepare: a second connection to the file, as a `sluice ingest` beside the server has.
    const other = openStateDb(path.join(dir, '.sluice', 'state.db'));
    const otherQueue = new SqliteRunQueue(other, () => now);
    const eager = serverMetrics();
    const paced = serverMetrics(10_000);
    const queued = async (m: ServerMetrics) => value(await scrape(m), 'sluice_queue_depth', { status: 'queued', stage: 'preprocess' });
    const before = [await queued(eager), await queued(paced)];

    // Act
    await otherQueue.enqueue(preprocessRun('orders/a.csv', 'sha-a'));
    const soon = [await queued(eager), await queued(paced)];
    now += 10_000;
    const later = await queued(paced);
    other.close();

    // Assess
    expect(before).toEqual([0, 0]);
    expect(soon).toEqual([1, 0]);
    expect(later).toBe(1);
  });
});

describe('run durations', () => {
  it('starts from the run records, then observes the runs this server ends, and stops with it', async () => {
    // Prepare: a run that worked 1.5 s before the server started.
    await preprocessed('orders/a.csv', WRITTEN, 1_500);
    const m = serverMetrics();
    const seeded = await scrape(m);

    // Act: a run ended by this server's workers (0.2 s), an attempt that will be retried, then one after the server closed.
    runs.emit('run', await preprocessed('orders/b.csv', WRITTEN, 200));
    runs.emit('run', { ...(await preprocessed('orders/c.csv', WRITTEN, 300)), status: 'queued', finishedAt: null });
    runs.emit('run', undefined);
    const observed = await scrape(m);
    m.close();
    runs.emit('run', await preprocessed('orders/d.csv', WRITTEN, 100));
    const closed = await scrape(m);

    // Assess
    const h = (families: Map<string, Family>, suffix: string, labels: Record<string, string> = {}) =>
      sampleValue(families, 'sluice_stage_duration_seconds', `sluice_stage_duration_seconds${suffix}`, { stage: 'preprocess', ...labels });
    expect(h(seeded, '_count')).toBe(1);
    expect(h(seeded, '_sum')).toBe(1.5);
    expect(h(seeded, '_bucket', { le: '1' })).toBe(0);
    expect(h(seeded, '_bucket', { le: '2.5' })).toBe(1);
    expect(h(observed, '_count')).toBe(2);
    expect(h(observed, '_sum')).toBeCloseTo(1.7, 9);
    expect(h(observed, '_bucket', { le: '0.25' })).toBe(1);
    expect(h(closed, '_count')).toBe(2);
  });
});
