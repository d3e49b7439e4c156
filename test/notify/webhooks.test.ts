/**
 * Signed webhooks end to end, with real parts: the pipeline (DuckDB, the
 * SQLite state database) queues webhook events in the outbox, and a
 * deliverer sends them to a real HTTP receiver on loopback that verifies each
 * signature with the standardwebhooks library. The deliverer's clock is the
 * test's, so retries are driven by their scheduled times, not by waiting.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../../src/core/webhook-events.js';
import { type SendResult, urlForLog, WebhookDeliverer } from '../../src/notify/webhook-delivery.js';
import { resolveEndpoints } from '../../src/notify/webhook-endpoints.js';
import { createLogger } from '../../src/runtime/logger.js';
import { openProject, type Project } from '../../src/runtime/project.js';
import { type OutboxRow, SqliteWebhookOutbox } from '../../src/state/webhook-outbox.js';
import { ingestFiles } from '../helpers/in-process.js';
import { stateRows, tempDir, waitFor } from '../helpers/project.js';
import { type Behaviour, type Receiver, startReceiver } from '../helpers/webhook-receiver.js';

const SECRET_ENV = 'SLUICE_TEST_WEBHOOK_SECRET';
const SECRET_BYTES = randomBytes(24).toString('base64');
const SECRET = `whsec_${SECRET_BYTES}`;

const receivers: Receiver[] = [];
const projects: Project[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) p.close();
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(behaviour: Behaviour): Promise<Receiver> {
  const r = await startReceiver(SECRET, behaviour);
  receivers.push(r);
  return r;
}

/** A project folder whose sluice.yaml sends `events` to `url`. */
function projectFor(url: string, events: string[], extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}): string {
  const dir = tempDir('sluice-webhooks-');
  const config = { ...top, notifications: { webhooks: [{ url, secretEnv: SECRET_ENV, events, ...extra }] } };
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), JSON.stringify(config, null, 2));
  return dir;
}

interface Harness {
  project: Project;
  outbox: SqliteWebhookOutbox;
  deliverer: WebhookDeliverer;
  clock: { now: number };
  attempts: { id: string; result: SendResult }[];
  logs: string[];
}

/** The project opened with a deliverer on the test's clock; delays are the top of each jitter range, so they show the schedule. */
function harness(dir: string, opts: { baseDelayMs?: number; pollMs?: number; realClock?: boolean } = {}): Harness {
  const logs: string[] = [];
  const log = createLogger({ level: 'info', json: true, write: (line) => logs.push(line) });
  const project = openProject(dir, { log });
  projects.push(project);
  const clock = { now: Date.now() };
  const now = opts.realClock ? Date.now : () => clock.now;
  const outbox = new SqliteWebhookOutbox(project.db, now);
  const attempts: Harness['attempts'] = [];
  const endpoints = resolveEndpoints(project.config.notifications, { [SECRET_ENV]: SECRET }, 'sluice.yaml');
  const deliverer = new WebhookDeliverer(outbox, endpoints, {
    log,
    baseDelayMs: opts.baseDelayMs ?? 1000,
    maxDelayMs: 3_600_000,
    now,
    random: () => 0.999,
    pollMs: opts.pollMs ?? 20,
    onAttempt: (row, result) => attempts.push({ id: row.id, result }),
  });
  return { project, outbox, deliverer, clock, attempts, logs };
}

/** Send what is due, then move the clock to the next attempt, until every message is delivered or dead; the delays scheduled. */
async function deliverAll(h: Harness, rounds = 20): Promise<number[]> {
  const delays: number[] = [];
  for (let i = 0; i < rounds; i++) {
    h.deliverer.tick();
    await h.deliverer.settle();
    const pending = h.outbox.list({ status: 'pending', limit: 1000 });
    if (pending.length === 0) return delays;
    const next = Math.min(...pending.map((r) => r.nextAttemptAt));
    delays.push(next - h.clock.now);
    h.clock.now = Math.max(h.clock.now, next);
  }
  throw new Error('messages still pending');
}

function bodyOf(r: { body: string }): WebhookEvent {
  return JSON.parse(r.body) as WebhookEvent;
}

describe('webhook delivery', () => {
  it('retries a failing receiver with growing delays, then delivers once, signed, with one webhook-id', async () => {
    // Prepare
    const r = await receiver((n) => (n < 3 ? 500 : 200));
    const dir = projectFor(r.url, ['file.processed']);
    await ingestFiles(dir, { 'orders/a.csv': 'id,amount\n1,2.5\n2,3\n' });
    const h = harness(dir);

    // Act
    const delays = await deliverAll(h);

    // Assess
    const [row] = h.outbox.list() as [OutboxRow];
    expect(row).toMatchObject({ status: 'delivered', attempts: 4, lastStatus: 200, type: 'file.processed' });
    expect(r.received.map((x) => [x.id, x.answer, x.verified])).toEqual([
      [row.id, 500, true],
      [row.id, 500, true],
      [row.id, 500, true],
      [row.id, 200, true],
    ]);
    expect(r.accepted).toEqual(new Set([row.id]));
    expect(delays).toEqual([999, 1998, 3996]);
    expect(bodyOf(r.received[3] as Receiver['received'][number])).toMatchObject({
      type: 'file.processed',
      data: { rawKey: 'orders/a.csv', dataset: 'orders', processedKey: 'orders/a.parquet', table: 'processed.orders', rowsWritten: 2 },
    });
    expect(r.received[0]?.headers['content-type']).toBe('application/json');
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    // Prepare
    const r = await receiver((n) => (n === 0 ? { redirect: '/elsewhere' } : 204));
    const dir = projectFor(r.url, ['file.processed']);
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    const h = harness(dir);

    // Act
    await deliverAll(h);

    // Assess
    expect(h.attempts.map((a) => a.result)).toEqual([
      { ok: false, status: 302, error: 'HTTP 302 redirect to /elsewhere not followed' },
      { ok: true, status: 204 },
    ]);
    expect(r.received.map((x) => x.path)).toEqual(['/hook', '/hook']);
  });

  it('times out a receiver that never answers and sends again', async () => {
    // Prepare
    const r = await receiver((n) => (n === 0 ? 'hang' : 200));
    const dir = projectFor(r.url, ['file.processed'], { timeoutMs: 200 });
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    const h = harness(dir);

    // Act
    await deliverAll(h);

    // Assess
    expect(h.attempts.map((a) => a.result)).toEqual([
      { ok: false, error: 'no answer within 200 ms' },
      { ok: true, status: 200 },
    ]);
    expect(new Set(r.received.map((x) => x.id)).size).toBe(1);
    expect(r.accepted.size).toBe(1);
  });

  it('does not hold up the pipeline while a receiver hangs', async () => {
    // Prepare
    const r = await receiver(() => 'hang');
    const dir = projectFor(r.url, ['file.processed'], { timeoutMs: 60_000 });
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    const h = harness(dir, { realClock: true });
    h.deliverer.start();
    await waitFor('the receiver to hold the first delivery', () => r.hanging() === 1 || undefined);

    // Act
    const [outcome] = await ingestFiles(dir, { 'orders/b.csv': 'id\n2\n' });

    // Assess
    expect(outcome?.state).toBe('done');
    expect(r.hanging()).toBe(1);
    expect(h.outbox.counts()).toEqual({ pending: 2, delivered: 0, dead: 0 });
    await r.close();
    await h.deliverer.stop();
  });

  it('cuts short an attempt under way when a command stops draining, and leaves the message due with its attempts', async () => {
    // Prepare
    const r = await receiver(() => 'hang');
    const dir = projectFor(r.url, ['file.processed'], { timeoutMs: 60_000 });
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    const h = harness(dir, { realClock: true });

    // Act
    await h.deliverer.drain(300);

    // Assess
    expect(r.received).toHaveLength(1);
    const [row] = h.outbox.list() as [OutboxRow];
    expect(row).toMatchObject({ id: r.received[0]?.id, status: 'pending', attempts: 0 });
    expect(row.claimedAt).toBeUndefined();
    expect(h.attempts).toEqual([]);
  });

  it('removes delivered messages past their keep once started, and keeps dead letters', async () => {
    // Prepare
    const r = await receiver((n) => (n === 0 ? 200 : 500));
    const dir = projectFor(r.url, ['file.processed'], { maxAttempts: 1 });
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    await ingestFiles(dir, { 'orders/b.csv': 'id\n2\n' });
    const h = harness(dir);
    await deliverAll(h);
    const before = h.outbox.counts();
    h.clock.now += 8 * 86_400_000;

    // Act
    h.deliverer.start();
    await h.deliverer.stop();

    // Assess
    expect(before).toEqual({ pending: 0, delivered: 1, dead: 1 });
    expect(h.outbox.counts()).toEqual({ pending: 0, delivered: 0, dead: 1 });
  });

  it('gives up after maxAttempts into a dead letter, and delivers it once retried', async () => {
    // Prepare
    const r = await receiver((n) => (n < 2 ? 503 : 200));
    const dir = projectFor(r.url, ['file.processed'], { maxAttempts: 2 });
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    const h = harness(dir);
    await deliverAll(h);
    const [dead] = h.outbox.list() as [OutboxRow];

    // Act
    const requeued = h.outbox.retryDead(dead.id);
    await deliverAll(h);

    // Assess
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, lastStatus: 503, lastError: 'HTTP 503' });
    expect(requeued).toBe(1);
    expect(h.outbox.get(dead.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(r.received.map((x) => [x.id, x.answer])).toEqual([
      [dead.id, 503],
      [dead.id, 503],
      [dead.id, 200],
    ]);
    expect(h.logs.some((l) => l.includes('dead letter'))).toBe(true);
  });

  it('sends a message whose sender died mid-delivery again, with the same webhook-id, once its claim expires', async () => {
    // Prepare
    const r = await receiver(() => 200);
    const dir = projectFor(r.url, ['file.processed'], { timeoutMs: 1000 });
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    const h = harness(dir);
    // A process claimed the message and was killed before it could record the answer.
    const [claimed] = h.outbox.claim(0, 'host:999999:gone', 1, 0) as [OutboxRow];

    // Act
    h.deliverer.tick();
    await h.deliverer.settle();
    const whileClaimed = r.received.length;
    h.clock.now += 1000 + 5000 + 1;
    await deliverAll(h);

    // Assess
    expect(whileClaimed).toBe(0);
    expect(r.received.map((x) => x.id)).toEqual([claimed.id]);
    expect(h.outbox.get(claimed.id)).toMatchObject({ status: 'delivered' });
  });

  it('sends a schema change through the pipeline as schema.changed with the column diff, and rejected rows', async () => {
    // Prepare
    const r = await receiver(() => 200);
    const dir = projectFor(r.url, ['schema.changed', 'rows.rejected', 'file.processed']);
    await ingestFiles(dir, { 'orders/a.csv': 'id,amount\n1,2\n2,3\n' });

    // Act
    await ingestFiles(dir, { 'orders/b.csv': 'id,amount,note\n3,4.5,x\n4,1.25,y\n5,1,z,extra\n' });
    const h = harness(dir);
    await deliverAll(h);

    // Assess
    expect(r.received.every((x) => x.verified && x.answer === 200)).toBe(true);
    const events = r.received.map(bodyOf);
    const changed = events.find((e) => e.type === 'schema.changed' && e.data.rawKey === 'orders/b.csv' && e.data.table === 'processed.orders');
    expect(changed?.data).toMatchObject({ table: 'processed.orders', version: 2, policy: 'update', applied: true, file: 'orders/b.parquet' });
    const diff = changed?.data.diff as { added: { name: string }[]; widened: { name: string; from: string; to: string }[]; removed: unknown[] };
    expect(diff.added.map((c) => c.name)).toEqual(['note']);
    expect(diff.widened).toEqual([{ name: 'amount', from: 'BIGINT', to: 'DECIMAL(21,2)' }]);
    expect(diff.removed).toEqual([]);
    expect(events.find((e) => e.type === 'rows.rejected')?.data).toMatchObject({ rawKey: 'orders/b.csv', dataset: 'orders', rejectedRows: 1 });
    expect(events.filter((e) => e.type === 'file.processed').map((e) => e.data.rawKey)).toEqual(['orders/a.csv', 'orders/b.csv']);
  });

  it('sends job.succeeded, job.failed and file.quarantined from the pipeline, only for the datasets named', async () => {
    // Prepare
    const r = await receiver(() => 200);
    const jobs = {
      good: { source: 'processed.orders', mappings: [['amount', 'decimal', 'revenue', 'double']], output: { table: 'out' } },
      bad: { source: 'processed.orders', mappings: [['ammount', 'decimal', 'revenue', 'double']], output: { table: 'out2' } },
    };
    const events = ['job.succeeded', 'job.failed', 'file.quarantined', 'file.processed'];
    const dir = projectFor(r.url, events, { datasets: ['orders', 'out', 'junk'] }, { jobs });
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    await ingestFiles(dir, { 'orders/a.csv': 'id,amount\n1,2.5\n2,3\n', 'junk/blob.csv': garbage, 'other/c.csv': 'id\n1\n' });
    const h = harness(dir);

    // Act
    await deliverAll(h);

    // Assess
    const got = r.received.map(bodyOf);
    expect(got.map((e) => e.type).sort()).toEqual(['file.processed', 'file.quarantined', 'job.succeeded']);
    expect(got.find((e) => e.type === 'job.succeeded')?.data).toMatchObject({ job: 'good', table: 'final.out', rowsWritten: 2, filesWritten: 1 });
    expect(got.find((e) => e.type === 'file.quarantined')?.data).toMatchObject({ rawKey: 'junk/blob.csv', stage: 'preprocess' });
    expect(String(got.find((e) => e.type === 'file.quarantined')?.data.reason)).toContain('not a text file');
    // job.failed names no dataset, so an endpoint limited to datasets does not take it; one without the limit does.
    const all = await receiver(() => 200);
    const open = projectFor(all.url, ['job.failed'], {}, { jobs });
    await ingestFiles(open, { 'orders/a.csv': 'id,amount\n1,2.5\n' });
    await deliverAll(harness(open));
    expect(all.received.map((x) => bodyOf(x).data)).toEqual([
      expect.objectContaining({ job: 'bad', error: expect.stringContaining('jobs.bad.mappings[0][0]: unknown column "ammount"') }),
    ]);
  });

  it('logs a webhook URL without its query, where some receivers take a token', () => {
    // Act
    const shown = [urlForLog('https://hooks.example.com/in?token=abc123'), urlForLog('http://127.0.0.1:9000/hook')];

    // Assess
    expect(shown).toEqual(['https://hooks.example.com/in?…', 'http://127.0.0.1:9000/hook']);
  });

  it('keeps the secret out of the outbox rows and every log line', async () => {
    // Prepare
    const r = await receiver((n) => (n === 0 ? 500 : 200));
    const dir = projectFor(r.url, ['file.processed', 'table.updated']);
    await ingestFiles(dir, { 'orders/a.csv': 'id\n1\n' });
    const h = harness(dir);

    // Act
    await deliverAll(h);

    // Assess
    const rows = JSON.stringify(stateRows(dir, 'SELECT * FROM webhook_outbox'));
    expect(h.logs.some((l) => l.includes('webhook delivery failed'))).toBe(true);
    for (const text of [rows, ...h.logs]) {
      expect(text).not.toContain(SECRET_BYTES);
      expect(text).not.toContain(SECRET.slice(0, 20));
    }
    expect(r.accepted.size).toBe(h.outbox.counts().delivered);
  });
});
