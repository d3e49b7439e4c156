/**
 * What every backend of the smaller state ports promises: a raw file's report
 * (the newest version's), and the history of a job's runs (newest first, with
 * what each read and wrote). Run against SQLite, and against objects in a
 * zone (a folder, and an S3 bucket on s3rver).
 */
import { describe, expect, it } from 'vitest';
import type { JobRunLog, ReportStore } from '../../src/stages/ports.js';

export function recordsContract(name: string, make: () => Promise<{ reports: ReportStore; jobRuns: JobRunLog; cleanup: () => Promise<void> }>): void {
  describe(`ReportStore and JobRunLog contract: ${name}`, () => {
    it('keeps the newest report of a raw file with the version it describes', async () => {
      const { reports, cleanup } = await make();
      try {
        expect(await reports.get('orders/a.csv')).toBeUndefined();
        await reports.save('orders/a.csv', 'h1', { rows: { read: 3 } });
        await reports.save('orders/a.csv', 'h2', { rows: { read: 5 }, columns: [{ name: 'é' }] });
        await reports.save('orders/b.csv', 'h3', { rows: { read: 1 } });
        expect(await reports.get('orders/a.csv')).toEqual({ sha256: 'h2', report: { rows: { read: 5 }, columns: [{ name: 'é' }] } });
        expect(await reports.get('orders/b.csv')).toEqual({ sha256: 'h3', report: { rows: { read: 1 } } });
      } finally {
        await cleanup();
      }
    });

    it("records a job's runs from start to finish, newest first, apart from other jobs", async () => {
      const { jobRuns, cleanup } = await make();
      try {
        const first = await jobRuns.start('daily', 'incremental', 'manual', { 'a.parquet': 'h1' });
        await jobRuns.finish(first, {
          status: 'succeeded',
          inputs: 1,
          rowsRead: 10,
          rowsWritten: 8,
          filesWritten: 1,
          filesRemoved: 0,
          bookmarkAfter: { 'a.parquet': 'h2' },
          detail: { castFailures: {} },
        });
        await new Promise((r) => setTimeout(r, 5));
        const second = await jobRuns.start('daily', 'full', 'table.updated final.orders', {});
        await jobRuns.finish(second, { status: 'failed', inputs: 0, rowsRead: 0, rowsWritten: 0, filesWritten: 0, filesRemoved: 0, error: 'disk full' });
        await jobRuns.start('weekly', 'full', 'manual', {});
        expect(second).toBeGreaterThan(first);
        const runs = await jobRuns.list('daily');
        expect(runs.map((r) => [r.id, r.status, r.mode, r.trigger])).toEqual([
          [second, 'failed', 'full', 'table.updated final.orders'],
          [first, 'succeeded', 'incremental', 'manual'],
        ]);
        expect(runs[1]).toMatchObject({
          job: 'daily',
          inputs: 1,
          rowsRead: 10,
          rowsWritten: 8,
          filesWritten: 1,
          bookmarkBefore: { 'a.parquet': 'h1' },
          bookmarkAfter: { 'a.parquet': 'h2' },
        });
        expect(runs[1]?.finishedAt).toBeGreaterThanOrEqual(runs[1]?.startedAt as number);
        expect(runs[0]?.error).toBe('disk full');
        expect((await jobRuns.list('daily', 1)).map((r) => r.id)).toEqual([second]);
        expect((await jobRuns.list('weekly')).map((r) => r.status)).toEqual(['running']);
        expect(await jobRuns.list('nothing')).toEqual([]);
      } finally {
        await cleanup();
      }
    });
  });
}
