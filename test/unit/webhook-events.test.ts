/** The webhook events made of pipeline events and their facts (core/webhook-events.ts): pure, no I/O. */
import { describe, expect, it } from 'vitest';
import { datasetOfEvent, endpointWants, toWebhookEvents } from '../../src/core/webhook-events.js';

const at = new Date('2026-01-02T03:04:05.000Z');

describe('toWebhookEvents', () => {
  it('makes file.processed and rows.rejected for each new processed file, then table.updated', () => {
    // Prepare
    const event = { type: 'table.updated' as const, table: 'processed.orders', version: 2, files: ['orders/a.parquet'] };
    const file = {
      rawKey: 'orders/a.csv',
      dataset: 'orders',
      processedKey: 'orders/a.parquet',
      rowsWritten: 40,
      rowsRejected: 1,
      rowsInvalid: 2,
      rejectedCells: 3,
      rejectsKey: 'orders/a.rejects.csv',
    };

    // Act
    const out = toWebhookEvents(event, { files: [file] }, at);

    // Assess
    expect(out).toEqual([
      {
        type: 'file.processed',
        timestamp: '2026-01-02T03:04:05.000Z',
        data: { rawKey: 'orders/a.csv', dataset: 'orders', processedKey: 'orders/a.parquet', table: 'processed.orders', rowsWritten: 40 },
      },
      {
        type: 'rows.rejected',
        timestamp: '2026-01-02T03:04:05.000Z',
        data: { rawKey: 'orders/a.csv', dataset: 'orders', rejectedRows: 1, invalidRows: 2, rejectedCells: 3, rejects: 'orders/a.rejects.csv' },
      },
      { type: 'table.updated', timestamp: '2026-01-02T03:04:05.000Z', data: { table: 'processed.orders', version: 2, files: ['orders/a.parquet'] } },
    ]);
  });

  it('makes file.quarantined of a quarantined run, and job.failed with run.failed of a failed job', () => {
    // Prepare
    const quarantined = { type: 'run.quarantined' as const, runId: 4, stage: 'preprocess', subject: 'orders/b.csv', error: 'not text' };
    const failed = { type: 'run.failed' as const, runId: 9, stage: 'job', subject: 'orders_clean', error: 'Binder Error' };

    // Act
    const q = toWebhookEvents(quarantined, { rawKey: 'orders/b.csv' }, at);
    const f = toWebhookEvents(failed, {}, at);

    // Assess
    expect(q.map((e) => [e.type, e.data])).toEqual([['file.quarantined', { rawKey: 'orders/b.csv', stage: 'preprocess', runId: 4, reason: 'not text' }]]);
    expect(f.map((e) => [e.type, e.data])).toEqual([
      ['job.failed', { job: 'orders_clean', runId: 9, error: 'Binder Error' }],
      ['run.failed', { runId: 9, stage: 'job', subject: 'orders_clean', error: 'Binder Error' }],
    ]);
  });

  it('makes job.succeeded beside table.updated of a job table, and nothing of object.created', () => {
    // Prepare
    const updated = { type: 'table.updated' as const, table: 'final.orders_clean', version: 3, files: [] };
    const job = { job: 'orders_clean', table: 'final.orders_clean', runId: 2, rowsRead: 10, rowsWritten: 9, filesWritten: 1 };
    const created = { type: 'object.created' as const, zone: 'raw' as const, key: 'orders/a.csv', hash: 'h', size: 3, source: 'ingest' as const };

    // Act
    const out = toWebhookEvents(updated, { job }, at);

    // Assess
    expect(out.map((e) => e.type)).toEqual(['table.updated', 'job.succeeded']);
    expect(out[1]?.data).toEqual(job);
    expect(toWebhookEvents(created, {}, at)).toEqual([]);
  });
});

describe('endpointWants', () => {
  it('takes the subscribed types, and only the named datasets when the endpoint names some', () => {
    // Prepare
    const [processed] = toWebhookEvents(
      {
        type: 'schema.changed',
        table: 'processed.orders',
        version: 2,
        policy: 'update',
        applied: true,
        diff: { added: [], removed: [], widened: [], changed: [] },
      },
      {},
      at,
    );
    const event = processed as NonNullable<typeof processed>;

    // Act
    const wanted = endpointWants({ events: ['schema.changed'] }, event);
    const otherType = endpointWants({ events: ['file.processed'] }, event);
    const ofOrders = endpointWants({ events: ['schema.changed'], datasets: ['orders'] }, event);
    const ofOthers = endpointWants({ events: ['schema.changed'], datasets: ['metrics'] }, event);

    // Assess
    expect([wanted, otherType, ofOrders, ofOthers]).toEqual([true, false, true, false]);
    expect(datasetOfEvent(event)).toBe('orders');
  });
});
