/** Several processes on one folder, and a process killed mid-run: every file once, nothing lost or doubled. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { finalOrderCounts, sluice, startSluice, stateRows, stopSluice, tempDir, waitFor, writeSample } from '../helpers/project.js';

function dropFiles(dir: string, n: number, rows: number): number {
  let expected = 0;
  for (let i = 0; i < n; i++) {
    // Distinct seeds and id ranges: no row of one file duplicates a row of another.
    const stats = writeSample(path.join(dir, `data/raw/orders/part-${String(i).padStart(3, '0')}.csv`), { rows, seed: 100 + i });
    expected += stats.expectedRows;
  }
  return expected;
}

describe('two processes on one folder', () => {
  it('process each file exactly once', async () => {
    const dir = tempDir();
    const expected = dropFiles(dir, 12, 300);

    const [a, b] = await Promise.all([sluice(['run', '--dir', dir]), sluice(['run', '--dir', dir])]);

    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const executed = stateRows<{ stage: string; subject: string; attempts: number; error: string | null }>(
      dir,
      'select stage, subject, attempts, error from runs',
    );
    expect(executed.filter((r) => r.stage === 'preprocess')).toHaveLength(12);
    expect(executed.filter((r) => r.stage === 'publish')).toHaveLength(12);
    expect(executed.filter((r) => r.attempts !== 1 || r.error !== null)).toEqual([]);
    const counts = await finalOrderCounts(dir);
    expect(counts?.n).toBe(expected);
    expect(counts?.ids).toBe(expected);
  });

  it('a sluice ingest next to a running sluice start waits for the file and does it once', async () => {
    const dir = tempDir();
    const server = await startSluice(dir);
    try {
      const stats = writeSample(path.join(dir, 'incoming/orders.csv'), { rows: 500, seed: 11 });
      const r = await sluice(['ingest', 'incoming/orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`done: ${stats.expectedRows} rows in final.orders`);
      const runs = stateRows<{ n: number; attempts: number }>(dir, 'select count(*) as n, max(attempts) as attempts from runs');
      expect(runs[0]).toEqual({ n: 3, attempts: 1 });
    } finally {
      await stopSluice(server);
    }
  });
});

describe('a sluice start killed mid-run', () => {
  it('finishes the work on the next start with nothing lost or doubled', async () => {
    const dir = tempDir();
    const expected = dropFiles(dir, 20, 1500);
    const first = await startSluice(dir, ['--workers', '1']);
    await waitFor('some but not all work done', () => {
      const r = stateRows<{ done: number; total: number }>(
        dir,
        "select count(*) filter (where stage = 'publish' and status = 'succeeded') as done, count(*) as total from runs",
      );
      const done = r[0]?.done ?? 0;
      return done >= 2 && done < 20 ? true : undefined;
    });

    await stopSluice(first, 'SIGKILL');
    const midway = stateRows<{ n: number }>(dir, "select count(*) as n from runs where stage = 'publish' and status = 'succeeded'")[0]?.n ?? 0;
    expect(midway).toBeLessThan(20);

    const second = await startSluice(dir);
    try {
      await waitFor(
        'all files published',
        () =>
          stateRows<{ n: number }>(dir, "select count(*) as n from runs where stage = 'publish' and status = 'succeeded'")[0]?.n === 20 ? true : undefined,
        60_000,
      );
    } finally {
      await stopSluice(second);
    }
    const counts = await finalOrderCounts(dir);
    expect(counts?.n).toBe(expected);
    expect(counts?.ids).toBe(expected);
    const failed = stateRows<{ n: number }>(dir, "select count(*) as n from runs where status in ('failed', 'queued', 'running')");
    expect(failed[0]?.n).toBe(0);
    // The killed process's scratch space was removed by the next start.
    expect(fs.existsSync(path.join(dir, `data/.sluice/tmp/duckdb-${first.child.pid}`))).toBe(false);
    expect(fs.existsSync(path.join(dir, `data/.sluice/tmp/${first.child.pid}`))).toBe(false);
    // No temp files left visible in the zones.
    const leftovers = fs.readdirSync(path.join(dir, 'data/final/orders')).filter((f) => !f.endsWith('.parquet'));
    expect(leftovers.filter((f) => !f.startsWith('.sluice-tmp-'))).toEqual([]);
  });
});
