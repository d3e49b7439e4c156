/**
 * Faults around the queue: a raw file gone between its event and its read,
 * two `sluice start` on one folder, and processes whose clocks disagree. Each
 * must end with every run finished, each file done once, and final correct.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { messyOrdersCsv } from '../../src/sample/messy-orders.js';
import { dropFile, uploadFile } from '../helpers/kill-scenario.js';
import {
  finalOrderCounts,
  type Started,
  skewedClockEnv,
  sluice,
  sluiceJson,
  startSluice,
  stateRows,
  stopSluice,
  tempDir,
  waitFor,
  waitForIdle,
  writeSample,
} from '../helpers/project.js';
import { mountFault } from '../helpers/zone-faults.js';

const DAY_MS = 24 * 3600_000;

interface RunRow {
  id: number;
  stage: string;
  subject: string;
  status: string;
  attempts: number;
  error: string | null;
  result: string | null;
}

const allRuns = (dir: string) => stateRows<RunRow>(dir, 'select id, stage, subject, status, attempts, error, result from runs order by id');

/** Six files of the messy sample, each with its own rows: half uploaded through `via`'s API, half dropped into raw. */
async function sendFiles(dir: string, via: Started[]): Promise<number> {
  let expected = 0;
  for (let i = 0; i < 6; i++) {
    const { text, stats } = messyOrdersCsv({ rows: 1_500, seed: 500 + i });
    const key = `orders/part-${i}.csv`;
    if (i % 2 === 0) await uploadFile((via[i % via.length] as Started).url, key, text);
    else dropFile(dir, key, text);
    expected += stats.expectedRows;
  }
  return expected;
}

describe('a raw file deleted between its event and its read', () => {
  it('ends its run cleanly as removed: nothing published, one attempt, no retries', async () => {
    const dir = tempDir();
    writeSample(path.join(dir, 'incoming/orders.csv'), { rows: 300, seed: 5 });
    const queued = await sluice(['ingest', 'incoming/orders.csv', '--dataset', 'orders', '--no-wait', '--dir', dir], { cwd: dir });
    expect(queued.code).toBe(0);
    fs.rmSync(path.join(dir, 'data/raw/orders/orders.csv'));

    const r = await sluice(['run', '--dir', dir]);

    expect(r.code, r.stdout + r.stderr).toBe(0);
    const runs = allRuns(dir);
    expect(runs.map(({ stage, status, attempts }) => ({ stage, status, attempts }))).toEqual([{ stage: 'preprocess', status: 'succeeded', attempts: 1 }]);
    expect(JSON.parse(runs[0]?.result ?? '{}')).toMatchObject({ superseded: true, reason: 'raw object removed' });
    expect(fs.readdirSync(path.join(dir, 'data/processed'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'data/final'))).toEqual([]);
    const status = await sluiceJson<{ files: unknown[] } | unknown[]>(['status', '--json', '--dir', dir]);
    expect(JSON.stringify(status)).not.toContain('failed');
  });
});

describe('two sluice start on one folder', () => {
  it('do each file once between them, and final holds every row once', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const a = await startSluice(dir);
    const b = await startSluice(dir);
    let expected = 0;
    try {
      expected = await sendFiles(dir, [a, b]);
      await Promise.all([waitForIdle(a.url), waitForIdle(b.url)]);
    } finally {
      await Promise.all([stopSluice(a), stopSluice(b)]);
    }

    const runs = allRuns(dir);
    const perSubject = new Map<string, number>();
    for (const r of runs) perSubject.set(`${r.stage} ${r.subject}`, (perSubject.get(`${r.stage} ${r.subject}`) ?? 0) + 1);
    expect([...perSubject].filter(([, n]) => n !== 1)).toEqual([]);
    expect(runs.filter((r) => r.status !== 'succeeded' || r.attempts !== 1)).toEqual([]);
    expect(runs.filter((r) => r.stage === 'preprocess')).toHaveLength(6);
    expect(runs.filter((r) => r.stage === 'publish')).toHaveLength(6);
    expect(await finalOrderCounts(dir)).toEqual({ n: expected, ids: expected });
  });
});

describe('clocks that disagree', () => {
  it.each([
    ['a day behind', -DAY_MS],
    ['a day ahead', DAY_MS],
  ])('a second sluice start with its clock %s: no run stuck, nothing doubled', { timeout: 120_000 }, async (_label, offset) => {
    const dir = tempDir();
    const normal = await startSluice(dir);
    const skewed = await startSluice(dir, [], skewedClockEnv(dir, offset));
    let expected = 0;
    try {
      expected = await sendFiles(dir, [normal, skewed]);
      await Promise.all([waitForIdle(normal.url), waitForIdle(skewed.url)]);
    } finally {
      await Promise.all([stopSluice(normal), stopSluice(skewed)]);
    }

    const runs = allRuns(dir);
    expect(runs.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(runs.filter((r) => r.stage === 'publish')).toHaveLength(6);
    expect(await finalOrderCounts(dir)).toEqual({ n: expected, ids: expected });
    const again = await sluice(['run', '--dir', dir]);
    expect(again.stdout).toContain('nothing to do');
  });

  it('a retry put off by a process whose clock was a day ahead is not held back a day once the clock is right', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const stats = writeSample(path.join(dir, 'data/raw/orders/a.csv'), { rows: 300, seed: 9 });
    // final read-only: the publish fails and is put back for a retry "in a second" by the clock a day ahead.
    const final = path.join(dir, 'data/final');
    fs.mkdirSync(path.join(final, 'orders'), { recursive: true });
    const readOnly = mountFault(final, 'read-only');
    if (!readOnly) throw new Error('this test needs a read-only bind mount (run as root)');
    try {
      const ahead = await startSluice(dir, [], skewedClockEnv(dir, DAY_MS));
      await waitFor('the publish to fail once and wait for its retry', () =>
        stateRows<{ n: number }>(dir, "select count(*) as n from runs where stage = 'publish' and status = 'queued' and attempts = 1")[0]?.n === 1
          ? true
          : undefined,
      );
      await stopSluice(ahead, 'SIGKILL');
    } finally {
      readOnly.unmount();
    }

    const r = await sluice(['run', '--dir', dir], { timeoutMs: 30_000 });

    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(allRuns(dir).filter((x) => x.status !== 'succeeded')).toEqual([]);
    expect(await finalOrderCounts(dir)).toEqual({ n: stats.expectedRows, ids: stats.expectedRows });
  });
});
