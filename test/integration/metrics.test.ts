/**
 * `GET /metrics` of a real `sluice start` server (startService, in this
 * process, on a free loopback port) over a temp project: files ingested
 * before it started and one uploaded to it, the exposition text read by a
 * strict parser, the numbers checked against what the state database and
 * the files' reports say, and the access rules a scraper meets.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { DURATION_BUCKETS } from '../../src/runtime/metrics.js';
import { openProject, type Project } from '../../src/runtime/project.js';
import { type RunningService, startService } from '../../src/runtime/service.js';
import type { Stage } from '../../src/stages/runs.js';
import { fileReport, fileStatuses } from '../../src/views/status.js';
import { ingestFiles } from '../helpers/in-process.js';
import { tempDir, waitFor } from '../helpers/project.js';
import { type Family, parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with exactly these headers (node's client lets the test set Host). */
function request(base: string, method: string, route: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const url = new URL(route, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: url.port, method, path: url.pathname, headers: { host: url.host, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Served {
  project: Project;
  service: RunningService;
}

async function serve(dir: string, host: string, opts: { allowHosts?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Served> {
  const project = openProject(dir, { log: createLogger({ level: 'error' }) });
  const service = await startService(project, { port: 0, host, workers: 1, env: opts.env ?? {}, ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}) });
  await service.scanned;
  return { project, service };
}

async function stop(s: Served | undefined): Promise<void> {
  await s?.service.stop();
  s?.project.close();
}

const YAML = `datasets:
  orders:
    columns:
      amount: { type: integer }
    rules:
      - { column: amount, min: 0 }
`;

const FILES = {
  // Clean.
  'orders/a.csv': 'id,amount\n1,10\n2,20\n3,30\n',
  // One ragged row (unreadable), one breaking the rule, one value that is not an integer (a rejected cell).
  'orders/b.csv': 'id,amount\n4,40\n5,50,extra\n6,-1\n7,seven\n8,80\n',
  // A header and no rows: quarantined as a whole.
  'empty/none.csv': 'id,amount\n',
};

describe('GET /metrics on a loopback server', () => {
  let dir: string;
  let served: Served;
  let metrics: Answer;
  let families: Map<string, Family>;

  beforeAll(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), YAML);
    // Worked before the server starts: the server's histogram starts from these runs' records.
    await ingestFiles(dir, FILES);
    served = await serve(dir, '127.0.0.1');
    // Worked by the server's own workers: observed as each run ends.
    const put = await request(served.service.url, 'PUT', '/api/files/orders/c.csv', { 'content-type': 'text/csv' }, 'id,amount\n9,90\n10,100\n');
    expect(put.status).toBe(201);
    await waitFor('orders/c.csv to be done', async () => {
      const [file] = (await fileStatuses(served.project)).filter((f) => f.key === 'orders/c.csv');
      return file?.outcome.state === 'done' && (await served.project.queue.pendingCount()) === 0 ? file : undefined;
    });
    metrics = await request(served.service.url, 'GET', '/metrics');
    families = parsePrometheusText(metrics.text);
  }, 60_000);

  afterAll(async () => {
    await stop(served);
  });

  it('answers the Prometheus text format, version 0.0.4', () => {
    // Assess
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(families.get('sluice_files_total')?.type).toBe('counter');
    expect(families.get('sluice_stage_duration_seconds')?.type).toBe('histogram');
    expect(families.get('sluice_queue_depth')?.type).toBe('gauge');
    // Sluice's own series are numbers (prom-client's event loop lag is NaN until it has a sample).
    const sluice = [...families.values()].filter((f) => f.name.startsWith('sluice_'));
    const notNumbers = sluice.flatMap((f) => f.samples.filter((s) => !Number.isFinite(s.value) && s.labels.le !== '+Inf').map((s) => s.name));
    expect(notNumbers).toEqual([]);
  });

  it('counts files by outcome, and rows and cells, exactly as the files’ reports and outcomes say', async () => {
    // Prepare: what the state database says each file came to.
    const statuses = await fileStatuses(served.project);
    const reports = await Promise.all(statuses.map((s) => fileReport(served.project, s.key)));
    const done = reports.filter((r) => r.outcome.state === 'done');
    const rows = (r: (typeof reports)[number]) => (r.report as { rows: Record<string, number>; rejectedCells: number }).rows;
    const sum = (f: (r: (typeof reports)[number]) => number) => done.reduce((n, r) => n + f(r), 0);

    // Act
    const files = (outcome: string) => sampleValue(families, 'sluice_files_total', 'sluice_files_total', { outcome });

    // Assess: the scenario holds what it should (a quarantined file, rejected rows of both kinds, a rejected cell) ...
    expect(statuses.map((s) => [s.key, s.outcome.state]).sort()).toEqual([
      ['empty/none.csv', 'quarantined'],
      ['orders/a.csv', 'done'],
      ['orders/b.csv', 'done'],
      ['orders/c.csv', 'done'],
    ]);
    expect(rows(reports.find((r) => r.key === 'orders/b.csv') as (typeof reports)[number])).toMatchObject({ rejected: 1, invalid: 1 });
    // ... and the metrics say the same.
    expect(files('processed')).toBe(done.length);
    expect(files('quarantined')).toBe(statuses.filter((s) => s.outcome.state === 'quarantined').length);
    expect(files('failed')).toBe(0);
    expect(sampleValue(families, 'sluice_rows_written_total', 'sluice_rows_written_total')).toBe(sum((r) => rows(r).written ?? 0));
    expect(sampleValue(families, 'sluice_rows_rejected_total', 'sluice_rows_rejected_total', { reason: 'unreadable' })).toBe(sum((r) => rows(r).rejected ?? 0));
    expect(sampleValue(families, 'sluice_rows_rejected_total', 'sluice_rows_rejected_total', { reason: 'rule' })).toBe(sum((r) => rows(r).invalid ?? 0));
    expect(sampleValue(families, 'sluice_rejected_cells_total', 'sluice_rejected_cells_total')).toBe(
      sum((r) => (r.report as { rejectedCells: number }).rejectedCells),
    );
    expect(sampleValue(families, 'sluice_rejected_cells_total', 'sluice_rejected_cells_total')).toBeGreaterThan(0);
  });

  it('has a duration histogram per stage whose counts are the runs recorded, those before the start and those since', async () => {
    // Prepare
    const runs = (await served.project.queue.list({ limit: 10_000 })).filter((r) => ['succeeded', 'quarantined', 'failed'].includes(r.status));
    const byStage = new Map<Stage, number>();
    for (const r of runs) byStage.set(r.stage, (byStage.get(r.stage) ?? 0) + 1);
    const family = families.get('sluice_stage_duration_seconds') as Family;
    const count = (stage: string) => sampleValue(families, 'sluice_stage_duration_seconds', 'sluice_stage_duration_seconds_count', { stage });

    // Act
    const stages = new Set(family.samples.map((s) => s.labels.stage));

    // Assess: the parser checked each stage's buckets are cumulative and end at +Inf = _count.
    expect([...stages].sort()).toEqual([...byStage.keys()].sort());
    for (const [stage, n] of byStage) expect(count(stage), stage).toBe(n);
    // c.csv's preprocess, crawl and publish ran in the server, the others before it: both are in.
    expect(count('preprocess')).toBe(4);
    const buckets = family.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.stage === 'preprocess').map((s) => s.labels.le);
    expect(buckets).toEqual([...DURATION_BUCKETS.map(String), '+Inf']);
    expect(sampleValue(families, 'sluice_stage_duration_seconds', 'sluice_stage_duration_seconds_sum', { stage: 'preprocess' })).toBeGreaterThan(0);
  });

  it('shows an idle queue, no retries, the catalog’s tables and versions, and no webhook messages', async () => {
    // Prepare
    const tables = await served.project.catalog.listTables();

    // Act
    const gauge = (name: string, labels: Record<string, string> = {}) => sampleValue(families, name, name, labels);

    // Assess
    for (const status of ['queued', 'running'])
      for (const stage of ['preprocess', 'crawl', 'publish', 'job']) expect(gauge('sluice_queue_depth', { status, stage })).toBe(0);
    expect(gauge('sluice_queue_oldest_waiting_seconds')).toBe(0);
    for (const stage of ['preprocess', 'crawl', 'publish', 'job']) expect(gauge('sluice_run_retries_total', { stage })).toBe(0);
    expect(gauge('sluice_catalog_tables', { database: 'processed' })).toBe(tables.filter((t) => t.database === 'processed').length);
    expect(gauge('sluice_catalog_tables', { database: 'final' })).toBe(tables.filter((t) => t.database === 'final').length);
    for (const t of tables) expect(gauge('sluice_catalog_table_versions', { table: `${t.database}.${t.name}` })).toBe(t.version);
    expect(gauge('sluice_webhook_deliveries_total', { outcome: 'delivered' })).toBe(0);
    expect(gauge('sluice_webhook_deliveries_total', { outcome: 'dead' })).toBe(0);
    expect(gauge('sluice_webhook_deliveries_pending')).toBe(0);
  });

  it('carries the process’s default metrics under their standard names', () => {
    // Assess
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('process_start_time_seconds')?.type).toBe('gauge');
    expect(families.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
  });

  it('refuses a DNS-rebinding host name and a cross-site browser request, as the API does', async () => {
    // Act
    const rebound = await request(served.service.url, 'GET', '/metrics', { host: 'attacker.example' });
    const crossSite = await request(served.service.url, 'GET', '/metrics', { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' });
    const posted = await request(served.service.url, 'POST', '/metrics', { 'content-type': 'application/json' }, '{}');

    // Assess
    expect(rebound.status).toBe(403);
    expect(crossSite.status).toBe(403);
    expect(posted.status).toBe(405);
    expect(posted.headers.allow).toBe('GET, HEAD');
  });
});

describe('GET /metrics beyond loopback', () => {
  let served: Served;

  beforeAll(async () => {
    served = await serve(tempDir(), '0.0.0.0', { allowHosts: ['metrics.example'] });
  }, 60_000);

  afterAll(async () => {
    await stop(served);
  });

  it('needs the bearer token, under any host name the server answers to', async () => {
    // Prepare
    const token = served.service.token?.token as string;
    const base = served.service.url.replace('0.0.0.0', '127.0.0.1');

    // Act
    const bare = await request(base, 'GET', '/metrics', { host: 'metrics.example' });
    const bareLoopback = await request(base, 'GET', '/metrics');
    const wrong = await request(base, 'GET', '/metrics', { host: 'metrics.example', authorization: 'Bearer not-the-token-at-all' });
    const withToken = await request(base, 'GET', '/metrics', { host: 'metrics.example', authorization: `Bearer ${token}` });

    // Assess
    expect(token).toBeTruthy();
    expect(bare.status).toBe(401);
    expect(bare.text).toContain('Authorization: Bearer <token>');
    expect(bareLoopback.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(withToken.status).toBe(200);
    expect(sampleValue(parsePrometheusText(withToken.text), 'sluice_files_total', 'sluice_files_total', { outcome: 'processed' })).toBe(0);
  });
});
