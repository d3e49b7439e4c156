import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openStateDb } from '../../src/state/database.js';
import { MAX_RETRY_DELAY_MS, type Run, RunQueue, type RunSpec } from '../../src/state/queue.js';

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

function runSpec(overrides: Partial<RunSpec> = {}): RunSpec {
  const subject = overrides.subject ?? 'sales/2024-03.csv';
  return {
    stage: 'preprocess',
    subject,
    inputHash: 'hash-1',
    lockKey: `preprocess:${subject}`,
    rootKey: subject,
    rootHash: overrides.inputHash ?? 'hash-1',
    payload: { key: subject },
    ...overrides,
  };
}

/** Claim or fail the test: most cases need a run in hand. */
function claimed(queue: RunQueue, owner: string, leaseMs = LEASE, stages?: string[]): Run {
  const run = queue.claim(owner, leaseMs, stages);
  if (!run) throw new Error(`expected ${owner} to claim a run, but nothing was claimable`);
  return run;
}

describe('RunQueue', () => {
  let dir: string;
  let dbFile: string;
  let db: Db;
  let now: number;
  let queue: RunQueue;
  const extraDbs: Db[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-queue-'));
    dbFile = path.join(dir, '.sluice', 'state.db');
    db = openStateDb(dbFile);
    now = T0;
    queue = new RunQueue(db, () => now);
  });

  afterEach(() => {
    db.close();
    for (const other of extraDbs.splice(0)) other.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('enqueue', () => {
    it('is idempotent for the same stage, subject and input hash', () => {
      // Prepare
      const spec = runSpec();

      // Act
      const first = queue.enqueue(spec);
      const second = queue.enqueue({ ...spec, payload: { other: true } });

      // Assess
      expect(first.created).toBe(true);
      expect(second).toEqual({ id: first.id, created: false });
      expect(queue.list()).toHaveLength(1);
      expect(queue.get(first.id)).toMatchObject({ status: 'queued', attempts: 0, payload: spec.payload });
    });

    it('stays idempotent while the run is running and after it succeeded', () => {
      // Prepare
      const spec = runSpec();
      const { id } = queue.enqueue(spec);
      const run = claimed(queue, 'w1');

      // Act
      const whileRunning = queue.enqueue(spec);
      queue.complete(run.id, 'w1', { status: 'succeeded' });
      const afterSuccess = queue.enqueue(spec);

      // Assess
      expect(whileRunning).toEqual({ id, created: false });
      expect(afterSuccess).toEqual({ id, created: false });
      expect(queue.get(id)?.status).toBe('succeeded');
      expect(queue.pendingCount()).toBe(0);
    });

    it('supersedes a still-queued run of the same subject when a new input arrives', () => {
      // Prepare
      const older = queue.enqueue(runSpec({ inputHash: 'hash-1' }));
      now += 1_000;

      // Act
      const newer = queue.enqueue(runSpec({ inputHash: 'hash-2' }));

      // Assess
      expect(newer.created).toBe(true);
      expect(newer.id).not.toBe(older.id);
      expect(queue.get(older.id)).toMatchObject({ status: 'superseded', finishedAt: T0 + 1_000 });
      expect(queue.get(newer.id)?.status).toBe('queued');
      expect(claimed(queue, 'w1').id).toBe(newer.id);
    });

    it('does not supersede a running run, nor queued runs of other subjects or stages', () => {
      // Prepare
      const running = queue.enqueue(runSpec({ inputHash: 'hash-1' }));
      claimed(queue, 'w1');
      const otherSubject = queue.enqueue(runSpec({ subject: 'sales/2024-04.csv' }));
      const otherStage = queue.enqueue(runSpec({ stage: 'crawl', lockKey: 'crawl:sales' }));

      // Act
      queue.enqueue(runSpec({ inputHash: 'hash-2' }));

      // Assess
      expect(queue.get(running.id)?.status).toBe('running');
      expect(queue.get(otherSubject.id)?.status).toBe('queued');
      expect(queue.get(otherStage.id)?.status).toBe('queued');
    });

    it('re-queues a superseded input that comes back', () => {
      // Prepare
      const first = queue.enqueue(runSpec({ inputHash: 'hash-1' }));
      queue.enqueue(runSpec({ inputHash: 'hash-2' }));

      // Act
      const back = queue.enqueue(runSpec({ inputHash: 'hash-1' }));

      // Assess
      expect(back.created).toBe(true);
      expect(back.id).toBeGreaterThan(first.id);
      expect(queue.get(back.id)).toMatchObject({ status: 'queued', inputHash: 'hash-1' });
      expect(queue.list({ status: 'queued' }).map((r) => r.inputHash)).toEqual(['hash-1']);
    });

    it('with force (replay) re-queues a succeeded run as a fresh attempt', () => {
      // Prepare
      const spec = runSpec();
      queue.enqueue(spec);
      const run = claimed(queue, 'w1');
      queue.complete(run.id, 'w1', { status: 'succeeded', result: { rows: 10 } });
      now += 5_000;

      // Act
      const replay = queue.enqueue({ ...spec, payload: { replay: true } }, true);

      // Assess
      expect(replay.created).toBe(true);
      expect(replay.id).toBeGreaterThan(run.id);
      expect(queue.get(replay.id)).toMatchObject({
        status: 'queued',
        attempts: 0,
        result: null,
        error: null,
        leaseOwner: null,
        finishedAt: null,
        createdAt: T0 + 5_000,
        payload: { replay: true },
      });
      expect(queue.list()).toHaveLength(1);
      expect(claimed(queue, 'w2')).toMatchObject({ id: replay.id, attempts: 1 });
    });

    it('with force leaves a queued or running run alone', () => {
      // Prepare
      const spec = runSpec();
      const { id } = queue.enqueue(spec);
      claimed(queue, 'w1');

      // Act
      const forced = queue.enqueue(spec, true);

      // Assess
      expect(forced).toEqual({ id, created: false });
      expect(queue.get(id)).toMatchObject({ status: 'running', leaseOwner: 'w1', attempts: 1 });
    });
  });

  describe('claim', () => {
    it('returns runnable runs in id order, then undefined', () => {
      // Prepare
      const ids = ['c.csv', 'a.csv', 'b.csv'].map((subject) => queue.enqueue(runSpec({ subject })).id);

      // Act
      const order = [queue.claim('w1', LEASE), queue.claim('w1', LEASE), queue.claim('w1', LEASE), queue.claim('w1', LEASE)];

      // Assess
      expect(order.map((r) => r?.id)).toEqual([...ids, undefined]);
    });

    it('marks the run running with a lease, an owner and an attempt', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());

      // Act
      const run = claimed(queue, 'w1', 10_000);

      // Assess
      expect(run).toMatchObject({ id, status: 'running', leaseOwner: 'w1', leaseUntil: T0 + 10_000, attempts: 1, startedAt: T0 });
      expect(queue.get(id)).toEqual(run);
    });

    it('only takes the stages asked for', () => {
      // Prepare
      queue.enqueue(runSpec({ stage: 'preprocess', lockKey: 'p' }));
      const crawl = queue.enqueue(runSpec({ stage: 'crawl', lockKey: 'c' }));

      // Act
      const run = queue.claim('w1', LEASE, ['crawl']);

      // Assess
      expect(run?.id).toBe(crawl.id);
      expect(queue.claim('w1', LEASE, ['crawl'])).toBeUndefined();
    });

    it('never runs two runs with the same lock key at once', () => {
      // Prepare
      const first = queue.enqueue(runSpec({ subject: 'a.csv', lockKey: 'table:sales' }));
      const second = queue.enqueue(runSpec({ subject: 'b.csv', lockKey: 'table:sales' }));
      const running = claimed(queue, 'w1');

      // Act
      const whileFirstRuns = queue.claim('w2', LEASE);
      queue.complete(running.id, 'w1', { status: 'succeeded' });
      const afterFirst = queue.claim('w2', LEASE);

      // Assess
      expect(running.id).toBe(first.id);
      expect(whileFirstRuns).toBeUndefined();
      expect(afterFirst?.id).toBe(second.id);
    });

    it('lets other lock keys run while one is held', () => {
      // Prepare
      queue.enqueue(runSpec({ subject: 'a.csv', lockKey: 'table:sales' }));
      queue.enqueue(runSpec({ subject: 'b.csv', lockKey: 'table:sales' }));
      const other = queue.enqueue(runSpec({ subject: 'c.csv', lockKey: 'table:orders' }));
      claimed(queue, 'w1');

      // Act
      const next = queue.claim('w2', LEASE);

      // Assess
      expect(next?.id).toBe(other.id);
    });

    it('keeps a later run waiting while an earlier run of its lock key is still queued', () => {
      // Prepare: the earlier run is of a stage this worker does not take.
      queue.enqueue(runSpec({ stage: 'crawl', subject: 'a', lockKey: 'table:sales' }));
      const later = queue.enqueue(runSpec({ stage: 'preprocess', subject: 'b', lockKey: 'table:sales' }));

      // Act
      const run = queue.claim('w1', LEASE, ['preprocess']);
      const earlier = claimed(queue, 'w2', LEASE, ['crawl']);
      queue.complete(earlier.id, 'w2', { status: 'succeeded' });
      const afterEarlier = queue.claim('w1', LEASE, ['preprocess']);

      // Assess
      expect(run).toBeUndefined();
      expect(afterEarlier?.id).toBe(later.id);
    });

    it('keeps a later run waiting while an earlier run of its lock key waits for a retry', () => {
      // Prepare
      queue.enqueue(runSpec({ subject: 'a', lockKey: 'table:sales' }));
      const later = queue.enqueue(runSpec({ subject: 'b', lockKey: 'table:sales' }));
      const earlier = claimed(queue, 'w1');
      queue.retryOrFail(earlier, 'w1', 'network blip', 10_000);

      // Act
      const duringBackoff = queue.claim('w2', LEASE);
      now += 10_000;
      const afterBackoff = queue.claim('w2', LEASE);

      // Assess
      expect(duringBackoff).toBeUndefined();
      expect(afterBackoff?.id).toBe(earlier.id);
      expect(queue.get(later.id)?.status).toBe('queued');
    });

    it('lets another owner take a run whose lease expired, counting the attempt', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, 'w1', 1_000);

      // Act
      now += 1_000;
      const atExpiry = queue.claim('w2', 1_000);
      now += 1;
      const afterExpiry = queue.claim('w2', 1_000);

      // Assess
      expect(atExpiry).toBeUndefined();
      expect(afterExpiry).toMatchObject({ id, leaseOwner: 'w2', attempts: 2, leaseUntil: T0 + 2_001 });
      expect(queue.heartbeat(id, 'w1', 1_000)).toBe(false);
      expect(queue.complete(id, 'w1', { status: 'succeeded' })).toBe(false);
      expect(queue.get(id)).toMatchObject({ status: 'running', leaseOwner: 'w2' });
    });

    it('fails a run for good after its lease expired maxAttempts times', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec({ maxAttempts: 2 }));
      claimed(queue, 'w1', 1_000);
      now += 1_001;
      claimed(queue, 'w2', 1_000);
      now += 1_001;

      // Act
      const third = queue.claim('w3', 1_000);

      // Assess
      expect(third).toBeUndefined();
      const run = queue.get(id);
      expect(run).toMatchObject({ status: 'failed', attempts: 2, leaseOwner: null, finishedAt: now });
      expect(run?.error).toMatch(/stopped 2 times/);
      expect(queue.pendingCount()).toBe(0);
    });

    it('moves on to the next run after failing an exhausted one', () => {
      // Prepare
      const exhausted = queue.enqueue(runSpec({ subject: 'a', lockKey: 'a', maxAttempts: 1 }));
      claimed(queue, 'w1', 1_000);
      const next = queue.enqueue(runSpec({ subject: 'b', lockKey: 'b' }));
      now += 1_001;

      // Act
      const run = queue.claim('w2', 1_000);

      // Assess
      expect(run?.id).toBe(next.id);
      expect(queue.get(exhausted.id)?.status).toBe('failed');
    });
  });

  describe('heartbeat', () => {
    it('extends the lease of the owner', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, 'w1', 1_000);
      now += 800;

      // Act
      const ok = queue.heartbeat(id, 'w1', 1_000);
      now += 900;
      const stolen = queue.claim('w2', 1_000);

      // Assess
      expect(ok).toBe(true);
      expect(queue.get(id)).toMatchObject({ leaseOwner: 'w1', leaseUntil: T0 + 1_800 });
      expect(stolen).toBeUndefined();
    });

    it('returns false for a non-owner and leaves the lease alone', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, 'w1', 1_000);

      // Act
      const ok = queue.heartbeat(id, 'intruder', 60_000);

      // Assess
      expect(ok).toBe(false);
      expect(queue.get(id)).toMatchObject({ leaseOwner: 'w1', leaseUntil: T0 + 1_000 });
    });

    it('returns false once the run finished', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, 'w1');
      queue.complete(id, 'w1', { status: 'succeeded' });

      // Act
      const ok = queue.heartbeat(id, 'w1', LEASE);

      // Assess
      expect(ok).toBe(false);
    });
  });

  describe('complete', () => {
    it('records the outcome of the owner', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, 'w1');
      now += 2_500;

      // Act
      const ok = queue.complete(id, 'w1', { status: 'succeeded', result: { rows: 42 } });

      // Assess
      expect(ok).toBe(true);
      expect(queue.get(id)).toMatchObject({ status: 'succeeded', result: { rows: 42 }, error: null, finishedAt: T0 + 2_500, leaseUntil: null });
    });

    it('by a non-owner returns false and changes nothing', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, 'w1');
      const before = queue.get(id);

      // Act
      const ok = queue.complete(id, 'intruder', { status: 'failed', error: 'not mine', next: [runSpec({ stage: 'crawl', lockKey: 'crawl' })] });

      // Assess
      expect(ok).toBe(false);
      expect(queue.get(id)).toEqual(before);
      expect(queue.list()).toHaveLength(1);
    });

    it('enqueues the follow-up runs with it', () => {
      // Prepare
      const root = runSpec({ rootKey: 'sales/a.csv', rootHash: 'raw-1' });
      const { id } = queue.enqueue(root);
      claimed(queue, 'w1');
      const next = [
        runSpec({ stage: 'crawl', subject: 'processed/sales', lockKey: 'crawl:sales', inputHash: 'p-1', rootKey: 'sales/a.csv', rootHash: 'raw-1' }),
        runSpec({ stage: 'transform', subject: 'final/orders', lockKey: 'transform:orders', inputHash: 'p-1', rootKey: 'sales/a.csv', rootHash: 'raw-1' }),
      ];

      // Act
      const ok = queue.complete(id, 'w1', { status: 'succeeded', next });

      // Assess
      expect(ok).toBe(true);
      expect(queue.chain('sales/a.csv', 'raw-1').map((r) => [r.stage, r.status])).toEqual([
        ['preprocess', 'succeeded'],
        ['crawl', 'queued'],
        ['transform', 'queued'],
      ]);
    });

    it('enqueues nothing and finishes nothing when the transaction fails', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, 'w1');
      const next = [runSpec({ stage: 'crawl', subject: 'processed/sales', lockKey: 'crawl' })];

      // Act
      const act = () =>
        queue.complete(id, 'w1', { status: 'succeeded', next }, () => {
          throw new Error('catalog update failed');
        });

      // Assess
      expect(act).toThrow('catalog update failed');
      expect(queue.get(id)).toMatchObject({ status: 'running', leaseOwner: 'w1', result: null });
      expect(queue.list().map((r) => r.stage)).toEqual(['preprocess']);
    });
  });

  describe('retryOrFail', () => {
    it('schedules a retry after the delay, then fails after the last attempt', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec({ maxAttempts: 2 }));
      const first = claimed(queue, 'w1');

      // Act
      const firstOutcome = queue.retryOrFail(first, 'w1', 'timeout talking to S3', 5_000);
      const duringDelay = queue.claim('w1', LEASE);
      now += 5_000;
      const second = claimed(queue, 'w1');
      const secondOutcome = queue.retryOrFail(second, 'w1', 'timeout again', 5_000);
      now += 5_000;
      const afterFailure = queue.claim('w1', LEASE);

      // Assess
      expect(firstOutcome).toBe('retrying');
      expect(duringDelay).toBeUndefined();
      expect(second).toMatchObject({ id, attempts: 2, error: 'timeout talking to S3' });
      expect(secondOutcome).toBe('failed');
      expect(afterFailure).toBeUndefined();
      expect(queue.get(id)).toMatchObject({ status: 'failed', error: 'timeout again', finishedAt: T0 + 5_000 });
      expect(queue.nextWakeAt()).toBeUndefined();
    });

    it('tells sleeping workers when the retry is due', () => {
      // Prepare
      queue.enqueue(runSpec());
      const run = claimed(queue, 'w1');

      // Act
      queue.retryOrFail(run, 'w1', 'busy', 7_000);

      // Assess
      expect(queue.get(run.id)?.status).toBe('queued');
      expect(queue.nextWakeAt()).toBe(T0 + 7_000);
      expect(queue.pendingCount()).toBe(1);
    });

    it('a retry due further ahead than the longest retry delay was set by a clock since put back: it is due now', () => {
      // Prepare: the run fails while the clock reads a day ahead; then the clock is corrected.
      queue.enqueue(runSpec());
      now = T0 + 24 * 3600_000;
      const run = claimed(queue, 'w1');
      queue.retryOrFail(run, 'w1', 'busy', 1_000);
      now = T0;

      // Act
      const retried = queue.claim('w1', LEASE);

      // Assess
      expect(retried).toMatchObject({ id: run.id, attempts: 2 });
    });

    it('caps a longer requested delay at the longest retry delay', () => {
      // Prepare
      queue.enqueue(runSpec());
      const run = claimed(queue, 'w1');

      // Act
      queue.retryOrFail(run, 'w1', 'busy', 3 * MAX_RETRY_DELAY_MS);

      // Assess
      expect(queue.nextWakeAt()).toBe(T0 + MAX_RETRY_DELAY_MS);
    });
  });

  describe('chain, latest and pendingCount', () => {
    it('chain lists every run of one root version, oldest first', () => {
      // Prepare
      const a1 = queue.enqueue(runSpec({ subject: 'a.csv', rootKey: 'a.csv', rootHash: 'h1', lockKey: 'a' }));
      queue.enqueue(runSpec({ subject: 'b.csv', rootKey: 'b.csv', rootHash: 'h1', lockKey: 'b' }));
      const crawl = queue.enqueue(runSpec({ stage: 'crawl', subject: 'processed/a', rootKey: 'a.csv', rootHash: 'h1', lockKey: 'c' }));
      queue.enqueue(runSpec({ stage: 'crawl', subject: 'processed/a', inputHash: 'x2', rootKey: 'a.csv', rootHash: 'h2', lockKey: 'c' }));

      // Act
      const chain = queue.chain('a.csv', 'h1');

      // Assess
      expect(chain.map((r) => r.id)).toEqual([a1.id, crawl.id]);
      expect(queue.chain('a.csv', 'nope')).toEqual([]);
    });

    it('latest gives the newest run of a stage on a subject', () => {
      // Prepare
      queue.enqueue(runSpec({ inputHash: 'h1' }));
      const newer = queue.enqueue(runSpec({ inputHash: 'h2' }));

      // Act
      const latest = queue.latest('preprocess', 'sales/2024-03.csv');

      // Assess
      expect(latest?.id).toBe(newer.id);
      expect(queue.latest('preprocess', 'unknown.csv')).toBeUndefined();
    });

    it('pendingCount counts queued and running runs only', () => {
      // Prepare
      const ids = ['a', 'b', 'c', 'd'].map((s) => queue.enqueue(runSpec({ subject: s, lockKey: s })).id);
      const done = claimed(queue, 'w1');
      queue.complete(done.id, 'w1', { status: 'succeeded' });
      const failed = claimed(queue, 'w1');
      queue.complete(failed.id, 'w1', { status: 'failed', error: 'bad' });
      claimed(queue, 'w1');

      // Act
      const pending = queue.pendingCount();

      // Assess
      expect(ids).toHaveLength(4);
      expect(pending).toBe(2);
    });
  });

  describe('two connections to one database file', () => {
    it('never hand the same run to two owners', () => {
      // Prepare
      const dbA = openStateDb(dbFile);
      const dbB = openStateDb(dbFile);
      extraDbs.push(dbA, dbB);
      const queueA = new RunQueue(dbA, () => now);
      const queueB = new RunQueue(dbB, () => now);
      const enqueued = Array.from({ length: 50 }, (_, i) => queue.enqueue(runSpec({ subject: `f${i}.csv`, lockKey: `lock-${i}` })).id);

      // Act
      const claims: { owner: string; id: number }[] = [];
      for (let turn = 0; turn < 200; turn++) {
        const [owner, q] = turn % 2 === 0 ? ['A', queueA] : ['B', queueB];
        const run = q.claim(owner, LEASE);
        if (run) claims.push({ owner, id: run.id });
      }

      // Assess
      const ids = claims.map((c) => c.id);
      expect(ids).toHaveLength(50);
      expect(new Set(ids).size).toBe(50);
      expect([...ids].sort((a, b) => a - b)).toEqual(enqueued);
      expect(claims.filter((c) => c.owner === 'A')).toHaveLength(25);
      for (const c of claims) expect(queue.get(c.id)?.leaseOwner).toBe(c.owner);
    });

    it('see each other’s locks', () => {
      // Prepare
      const other = openStateDb(dbFile);
      extraDbs.push(other);
      const otherQueue = new RunQueue(other, () => now);
      queue.enqueue(runSpec({ subject: 'a', lockKey: 'shared' }));
      queue.enqueue(runSpec({ subject: 'b', lockKey: 'shared' }));

      // Act
      const mine = queue.claim('A', LEASE);
      const theirs = otherQueue.claim('B', LEASE);

      // Assess
      expect(mine).toBeDefined();
      expect(theirs).toBeUndefined();
    });
  });

  describe('reapDeadOwners', () => {
    it('expires the lease of a run held by a process that no longer exists on this host', () => {
      // Prepare
      const { id } = queue.enqueue(runSpec());
      claimed(queue, `${os.hostname()}:999999:x`, 10 * 60_000);
      const beforeReap = queue.claim('w2', LEASE);

      // Act
      const reaped = queue.reapDeadOwners();
      const afterReap = queue.claim('w2', LEASE);

      // Assess
      expect(beforeReap).toBeUndefined();
      expect(reaped).toBe(1);
      expect(afterReap).toMatchObject({ id, leaseOwner: 'w2', attempts: 2 });
    });

    it('leaves live local owners and owners on other hosts alone', () => {
      // Prepare
      const owners = [`${os.hostname()}:${process.pid}:me`, `${os.hostname()}:${process.ppid}:parent`, 'another-host:999999:x'];
      const ids = owners.map((owner, i) => {
        const { id } = queue.enqueue(runSpec({ subject: `s${i}`, lockKey: `l${i}` }));
        claimed(queue, owner, 10 * 60_000);
        return id;
      });

      // Act
      const reaped = queue.reapDeadOwners();

      // Assess
      expect(reaped).toBe(0);
      expect(queue.claim('w2', LEASE)).toBeUndefined();
      expect(ids.map((id) => queue.get(id)?.leaseUntil)).toEqual(owners.map(() => T0 + 10 * 60_000));
    });
  });
});
