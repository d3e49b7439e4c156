/**
 * The behaviour every RunQueue backend promises: runs keyed by (stage,
 * subject, input hash), leases, lock keys, retries, and chains of runs from
 * one raw version. A backend's test file calls `queueContract(name, newQueue)`
 * with a fresh queue on the clock the suite moves.
 */
import { describe, expect, it } from 'vitest';
import type { RunQueue } from '../../src/stages/ports.js';
import { MAX_RETRY_DELAY_MS, type Run, type RunSpec, type Stage } from '../../src/stages/runs.js';
import { backendEachCase, caseClock, forwarding, T0 } from '../helpers/contract-case.js';

export const LEASE = 30_000;

export type NewRunQueue = (opts: { now: () => number }) => Promise<{ queue: RunQueue; cleanup: () => Promise<void> }>;

type RawStage = Exclude<Stage, 'job'>;

/** A run of a stage over one raw version (preprocess unless `stage` says otherwise); its payload names that version. */
export function runSpec(overrides: Partial<Omit<RunSpec<RawStage>, 'stage'>> & { stage?: RawStage } = {}): RunSpec<RawStage> {
  const subject = overrides.subject ?? 'sales/2024-03.csv';
  const inputHash = overrides.inputHash ?? 'hash-1';
  return {
    stage: 'preprocess' as RawStage,
    subject,
    inputHash,
    lockKey: `raw:${subject}`,
    rootKey: subject,
    rootHash: inputHash,
    payload: { rawKey: subject, rawSha256: inputHash },
    ...overrides,
  };
}

/** A transform job's run; its root is the job's inputs unless `rootKey`/`rootHash` name the raw version that started it. */
function jobSpec(job: string, overrides: Partial<Omit<RunSpec<'job'>, 'stage'>> = {}): RunSpec<'job'> {
  return {
    stage: 'job',
    subject: job,
    inputHash: `inputs-of-${job}`,
    lockKey: `catalog:final.${job}`,
    rootKey: job,
    rootHash: `inputs-of-${job}`,
    payload: { job, trigger: 'processed.sales' },
    ...overrides,
  };
}

/** Claim or fail the test: most cases need a run in hand. */
export async function claimed(queue: RunQueue, owner: string, leaseMs = LEASE, stages?: Stage[]): Promise<Run> {
  const run = await queue.claim(owner, leaseMs, stages);
  if (!run) throw new Error(`expected ${owner} to claim a run, but nothing was claimable`);
  return run;
}

export function queueContract(name: string, newQueue: NewRunQueue): void {
  describe(`RunQueue contract: ${name}`, () => {
    const clock = caseClock();
    const backend = backendEachCase(() => newQueue(clock));
    const queue = forwarding(() => backend().queue);

    const statusOf = async (id: number) => (await queue.get(id))?.status;

    describe('enqueue', () => {
      it('is idempotent for the same stage, subject and input hash', async () => {
        // Prepare
        const spec = runSpec();

        // Act
        const first = await queue.enqueue(spec);
        const second = await queue.enqueue({ ...spec, payload: { rawKey: 'elsewhere.csv', rawSha256: 'other' } });

        // Assess
        expect(first.created).toBe(true);
        expect(second).toEqual({ id: first.id, created: false });
        expect(await queue.list()).toHaveLength(1);
        expect(await queue.get(first.id)).toMatchObject({ status: 'queued', attempts: 0, payload: spec.payload });
      });

      it('stays idempotent while the run is running and after it succeeded', async () => {
        // Prepare
        const spec = runSpec();
        const { id } = await queue.enqueue(spec);
        const run = await claimed(queue, 'w1');

        // Act
        const whileRunning = await queue.enqueue(spec);
        await queue.complete(run.id, 'w1', { status: 'succeeded' });
        const afterSuccess = await queue.enqueue(spec);

        // Assess
        expect(whileRunning).toEqual({ id, created: false });
        expect(afterSuccess).toEqual({ id, created: false });
        expect(await statusOf(id)).toBe('succeeded');
        expect(await queue.pendingCount()).toBe(0);
      });

      it('supersedes a still-queued run of the same subject when a new input arrives', async () => {
        // Prepare
        const older = await queue.enqueue(runSpec({ inputHash: 'hash-1' }));
        clock.at += 1_000;

        // Act
        const newer = await queue.enqueue(runSpec({ inputHash: 'hash-2' }));

        // Assess
        expect(newer.created).toBe(true);
        expect(newer.id).not.toBe(older.id);
        expect(await queue.get(older.id)).toMatchObject({ status: 'superseded', finishedAt: T0 + 1_000 });
        expect(await statusOf(newer.id)).toBe('queued');
        expect((await claimed(queue, 'w1')).id).toBe(newer.id);
      });

      it('does not supersede a running run, nor queued runs of other subjects or stages', async () => {
        // Prepare
        const running = await queue.enqueue(runSpec({ inputHash: 'hash-1' }));
        await claimed(queue, 'w1');
        const otherSubject = await queue.enqueue(runSpec({ subject: 'sales/2024-04.csv' }));
        const otherStage = await queue.enqueue(runSpec({ stage: 'crawl', lockKey: 'catalog:processed.sales' }));

        // Act
        await queue.enqueue(runSpec({ inputHash: 'hash-2' }));

        // Assess
        expect(await statusOf(running.id)).toBe('running');
        expect(await statusOf(otherSubject.id)).toBe('queued');
        expect(await statusOf(otherStage.id)).toBe('queued');
      });

      it('re-queues a superseded input that comes back', async () => {
        // Prepare
        const first = await queue.enqueue(runSpec({ inputHash: 'hash-1' }));
        await queue.enqueue(runSpec({ inputHash: 'hash-2' }));

        // Act
        const back = await queue.enqueue(runSpec({ inputHash: 'hash-1' }));

        // Assess
        expect(back.created).toBe(true);
        expect(back.id).toBeGreaterThan(first.id);
        expect(await queue.get(back.id)).toMatchObject({ status: 'queued', inputHash: 'hash-1' });
        expect((await queue.list({ status: 'queued' })).map((r) => r.inputHash)).toEqual(['hash-1']);
      });

      it('with force (replay) re-queues a succeeded run as a fresh attempt', async () => {
        // Prepare
        const spec = runSpec();
        await queue.enqueue(spec);
        const run = await claimed(queue, 'w1');
        await queue.complete(run.id, 'w1', { status: 'succeeded', result: { rows: 10 } });
        clock.at += 5_000;

        // Act
        const replay = await queue.enqueue({ ...spec, payload: { rawKey: spec.subject, rawSha256: 'replayed' } }, true);

        // Assess
        expect(replay.created).toBe(true);
        expect(replay.id).toBeGreaterThan(run.id);
        expect(await queue.get(replay.id)).toMatchObject({
          status: 'queued',
          attempts: 0,
          result: null,
          error: null,
          leaseOwner: null,
          finishedAt: null,
          createdAt: T0 + 5_000,
          payload: { rawKey: spec.subject, rawSha256: 'replayed' },
        });
        expect(await queue.list()).toHaveLength(1);
        expect(await claimed(queue, 'w2')).toMatchObject({ id: replay.id, attempts: 1 });
      });

      it('with force leaves a queued or running run alone', async () => {
        // Prepare
        const spec = runSpec();
        const { id } = await queue.enqueue(spec);
        await claimed(queue, 'w1');

        // Act
        const forced = await queue.enqueue(spec, true);

        // Assess
        expect(forced).toEqual({ id, created: false });
        expect(await queue.get(id)).toMatchObject({ status: 'running', leaseOwner: 'w1', attempts: 1 });
      });

      it('keeps each stage’s spec and payload as queued, with three attempts unless it says otherwise', async () => {
        // Prepare
        const specs: RunSpec[] = [
          runSpec({ maxAttempts: 5 }),
          runSpec({ stage: 'publish', subject: 'sales/2024-03.parquet', lockKey: 'catalog:final.sales' }),
          jobSpec('orders'),
        ];

        // Act
        const runs: (Run | undefined)[] = [];
        for (const spec of specs) runs.push(await queue.get((await queue.enqueue(spec)).id));

        // Assess
        expect(runs).toEqual(specs.map((spec) => expect.objectContaining({ ...spec, maxAttempts: spec.maxAttempts ?? 3, status: 'queued' })));
        expect(await queue.list()).toHaveLength(3);
      });
    });

    describe('claim', () => {
      it('returns runnable runs in id order, then undefined', async () => {
        // Prepare
        const ids: number[] = [];
        for (const subject of ['c.csv', 'a.csv', 'b.csv']) ids.push((await queue.enqueue(runSpec({ subject }))).id);

        // Act
        const order = [await queue.claim('w1', LEASE), await queue.claim('w1', LEASE), await queue.claim('w1', LEASE), await queue.claim('w1', LEASE)];

        // Assess
        expect(order.map((r) => r?.id)).toEqual([...ids, undefined]);
      });

      it('marks the run running with a lease, an owner and an attempt', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec());

        // Act
        const run = await claimed(queue, 'w1', 10_000);

        // Assess
        expect(run).toMatchObject({ id, status: 'running', leaseOwner: 'w1', leaseUntil: T0 + 10_000, attempts: 1, startedAt: T0 });
        expect(await queue.get(id)).toEqual(run);
      });

      it('only takes the stages asked for', async () => {
        // Prepare
        await queue.enqueue(runSpec({ stage: 'preprocess', lockKey: 'p' }));
        const crawl = await queue.enqueue(runSpec({ stage: 'crawl', lockKey: 'c' }));

        // Act
        const run = await queue.claim('w1', LEASE, ['crawl']);

        // Assess
        expect(run?.id).toBe(crawl.id);
        expect(await queue.claim('w1', LEASE, ['crawl'])).toBeUndefined();
      });

      it('never runs two runs with the same lock key at once', async () => {
        // Prepare
        const first = await queue.enqueue(runSpec({ subject: 'a.csv', lockKey: 'table:sales' }));
        const second = await queue.enqueue(runSpec({ subject: 'b.csv', lockKey: 'table:sales' }));
        const running = await claimed(queue, 'w1');

        // Act
        const whileFirstRuns = await queue.claim('w2', LEASE);
        await queue.complete(running.id, 'w1', { status: 'succeeded' });
        const afterFirst = await queue.claim('w2', LEASE);

        // Assess
        expect(running.id).toBe(first.id);
        expect(whileFirstRuns).toBeUndefined();
        expect(afterFirst?.id).toBe(second.id);
      });

      it('lets other lock keys run while one is held', async () => {
        // Prepare
        await queue.enqueue(runSpec({ subject: 'a.csv', lockKey: 'table:sales' }));
        await queue.enqueue(runSpec({ subject: 'b.csv', lockKey: 'table:sales' }));
        const other = await queue.enqueue(runSpec({ subject: 'c.csv', lockKey: 'table:orders' }));
        await claimed(queue, 'w1');

        // Act
        const next = await queue.claim('w2', LEASE);

        // Assess
        expect(next?.id).toBe(other.id);
      });

      it('keeps a later run waiting while an earlier run of its lock key is still queued', async () => {
        // Prepare: the earlier run is of a stage this worker does not take.
        await queue.enqueue(runSpec({ stage: 'crawl', subject: 'a', lockKey: 'table:sales' }));
        const later = await queue.enqueue(runSpec({ stage: 'preprocess', subject: 'b', lockKey: 'table:sales' }));

        // Act
        const run = await queue.claim('w1', LEASE, ['preprocess']);
        const earlier = await claimed(queue, 'w2', LEASE, ['crawl']);
        await queue.complete(earlier.id, 'w2', { status: 'succeeded' });
        const afterEarlier = await queue.claim('w1', LEASE, ['preprocess']);

        // Assess
        expect(run).toBeUndefined();
        expect(afterEarlier?.id).toBe(later.id);
      });

      it('keeps a later run waiting while an earlier run of its lock key waits for a retry', async () => {
        // Prepare
        await queue.enqueue(runSpec({ subject: 'a', lockKey: 'table:sales' }));
        const later = await queue.enqueue(runSpec({ subject: 'b', lockKey: 'table:sales' }));
        const earlier = await claimed(queue, 'w1');
        await queue.retryOrFail(earlier, 'w1', 'network blip', 10_000);

        // Act
        const duringBackoff = await queue.claim('w2', LEASE);
        clock.at += 10_000;
        const afterBackoff = await queue.claim('w2', LEASE);

        // Assess
        expect(duringBackoff).toBeUndefined();
        expect(afterBackoff?.id).toBe(earlier.id);
        expect(await statusOf(later.id)).toBe('queued');
      });

      it('lets another owner take a run whose lease expired, counting the attempt', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec());
        await claimed(queue, 'w1', 1_000);

        // Act
        clock.at += 1_000;
        const atExpiry = await queue.claim('w2', 1_000);
        clock.at += 1;
        const afterExpiry = await queue.claim('w2', 1_000);

        // Assess
        expect(atExpiry).toBeUndefined();
        expect(afterExpiry).toMatchObject({ id, leaseOwner: 'w2', attempts: 2, leaseUntil: T0 + 2_001 });
        expect(await queue.heartbeat(id, 'w1', 1_000)).toBe(false);
        expect(await queue.complete(id, 'w1', { status: 'succeeded' })).toBe(false);
        expect(await queue.get(id)).toMatchObject({ status: 'running', leaseOwner: 'w2' });
      });

      it('fails a run for good after its lease expired maxAttempts times', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec({ maxAttempts: 2 }));
        await claimed(queue, 'w1', 1_000);
        clock.at += 1_001;
        await claimed(queue, 'w2', 1_000);
        clock.at += 1_001;

        // Act
        const third = await queue.claim('w3', 1_000);

        // Assess
        expect(third).toBeUndefined();
        const run = await queue.get(id);
        expect(run).toMatchObject({ status: 'failed', attempts: 2, leaseOwner: null, finishedAt: clock.at });
        expect(run?.error).toMatch(/stopped 2 times/);
        expect(await queue.pendingCount()).toBe(0);
      });

      it('moves on to the next run after failing an exhausted one', async () => {
        // Prepare
        const exhausted = await queue.enqueue(runSpec({ subject: 'a', lockKey: 'a', maxAttempts: 1 }));
        await claimed(queue, 'w1', 1_000);
        const next = await queue.enqueue(runSpec({ subject: 'b', lockKey: 'b' }));
        clock.at += 1_001;

        // Act
        const run = await queue.claim('w2', 1_000);

        // Assess
        expect(run?.id).toBe(next.id);
        expect(await statusOf(exhausted.id)).toBe('failed');
      });
    });

    describe('heartbeat', () => {
      it('extends the lease of the owner', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec());
        await claimed(queue, 'w1', 1_000);
        clock.at += 800;

        // Act
        const ok = await queue.heartbeat(id, 'w1', 1_000);
        clock.at += 900;
        const stolen = await queue.claim('w2', 1_000);

        // Assess
        expect(ok).toBe(true);
        expect(await queue.get(id)).toMatchObject({ leaseOwner: 'w1', leaseUntil: T0 + 1_800 });
        expect(stolen).toBeUndefined();
      });

      it('returns false for a non-owner and leaves the lease alone', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec());
        await claimed(queue, 'w1', 1_000);

        // Act
        const ok = await queue.heartbeat(id, 'intruder', 60_000);

        // Assess
        expect(ok).toBe(false);
        expect(await queue.get(id)).toMatchObject({ leaseOwner: 'w1', leaseUntil: T0 + 1_000 });
      });

      it('returns false once the run finished', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec());
        await claimed(queue, 'w1');
        await queue.complete(id, 'w1', { status: 'succeeded' });

        // Act
        const ok = await queue.heartbeat(id, 'w1', LEASE);

        // Assess
        expect(ok).toBe(false);
      });
    });

    describe('complete', () => {
      it('records the outcome of the owner', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec());
        await claimed(queue, 'w1');
        clock.at += 2_500;

        // Act
        const ok = await queue.complete(id, 'w1', { status: 'succeeded', result: { rows: 42 } });

        // Assess
        expect(ok).toBe(true);
        expect(await queue.get(id)).toMatchObject({ status: 'succeeded', result: { rows: 42 }, error: null, finishedAt: T0 + 2_500, leaseUntil: null });
      });

      it('by a non-owner returns false and changes nothing', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec());
        await claimed(queue, 'w1');
        const before = await queue.get(id);

        // Act
        const ok = await queue.complete(id, 'intruder', {
          status: 'failed',
          error: 'not mine',
          next: [runSpec({ stage: 'crawl', lockKey: 'catalog:processed.sales' })],
        });

        // Assess
        expect(ok).toBe(false);
        expect(await queue.get(id)).toEqual(before);
        expect(await queue.list()).toHaveLength(1);
      });

      it('enqueues the follow-up runs with it', async () => {
        // Prepare
        const root = runSpec({ rootKey: 'sales/a.csv', rootHash: 'raw-1' });
        const { id } = await queue.enqueue(root);
        await claimed(queue, 'w1');
        const next: RunSpec[] = [
          runSpec({ stage: 'crawl', subject: 'processed/sales', lockKey: 'crawl:sales', inputHash: 'p-1', rootKey: 'sales/a.csv', rootHash: 'raw-1' }),
          jobSpec('orders', { inputHash: 'p-1', rootKey: 'sales/a.csv', rootHash: 'raw-1' }),
        ];

        // Act
        const ok = await queue.complete(id, 'w1', { status: 'succeeded', next });

        // Assess
        expect(ok).toBe(true);
        expect((await queue.chain('sales/a.csv', 'raw-1')).map((r) => [r.stage, r.status])).toEqual([
          ['preprocess', 'succeeded'],
          ['crawl', 'queued'],
          ['job', 'queued'],
        ]);
      });

      it('re-queues a follow-up run that already finished, as a replay would', async () => {
        // Prepare: the crawl of this input ran once already; the input is processed again.
        const crawl = runSpec({ stage: 'crawl', subject: 'processed/sales', lockKey: 'catalog:processed.sales', inputHash: 'p-1' });
        await queue.enqueue(crawl);
        const first = await claimed(queue, 'w1', LEASE, ['crawl']);
        await queue.complete(first.id, 'w1', { status: 'succeeded' });
        await queue.enqueue(runSpec({ inputHash: 'raw-2' }));
        const preprocess = await claimed(queue, 'w1', LEASE, ['preprocess']);

        // Act
        await queue.complete(preprocess.id, 'w1', { status: 'succeeded', next: [crawl] });

        // Assess
        expect(await queue.latest('crawl', 'processed/sales')).toMatchObject({ status: 'queued', attempts: 0 });
        expect(await queue.pendingCount('crawl')).toBe(1);
      });
    });

    describe('retryOrFail', () => {
      it('schedules a retry after the delay, then fails after the last attempt', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec({ maxAttempts: 2 }));
        const first = await claimed(queue, 'w1');

        // Act
        const firstOutcome = await queue.retryOrFail(first, 'w1', 'timeout talking to S3', 5_000);
        const duringDelay = await queue.claim('w1', LEASE);
        clock.at += 5_000;
        const second = await claimed(queue, 'w1');
        const secondOutcome = await queue.retryOrFail(second, 'w1', 'timeout again', 5_000);
        clock.at += 5_000;
        const afterFailure = await queue.claim('w1', LEASE);

        // Assess
        expect(firstOutcome).toBe('retrying');
        expect(duringDelay).toBeUndefined();
        expect(second).toMatchObject({ id, attempts: 2, error: 'timeout talking to S3' });
        expect(secondOutcome).toBe('failed');
        expect(afterFailure).toBeUndefined();
        expect(await queue.get(id)).toMatchObject({ status: 'failed', error: 'timeout again', finishedAt: T0 + 5_000 });
        expect(await queue.nextWakeAt()).toBeUndefined();
      });

      it('fails at once when the failure is permanent, and says lost for a run that is not ours', async () => {
        // Prepare
        await queue.enqueue(runSpec({ subject: 'a', lockKey: 'a' }));
        await queue.enqueue(runSpec({ subject: 'b', lockKey: 'b' }));
        const mine = await claimed(queue, 'w1');
        const theirs = await claimed(queue, 'w2');

        // Act
        const permanent = await queue.retryOrFail(mine, 'w1', 'the file is not a CSV', 5_000, { permanent: true });
        const lost = await queue.retryOrFail(theirs, 'w1', 'not mine', 5_000);

        // Assess
        expect(permanent).toBe('failed');
        expect(await queue.get(mine.id)).toMatchObject({ status: 'failed', attempts: 1, error: 'the file is not a CSV', finishedAt: T0 });
        expect(lost).toBe('lost');
        expect(await queue.get(theirs.id)).toMatchObject({ status: 'running', leaseOwner: 'w2', error: null });
      });

      it('puts an uncounted attempt back without using up an attempt, however often it waits', async () => {
        // Prepare
        const { id } = await queue.enqueue(runSpec({ maxAttempts: 2 }));

        // Act: the run waits on a busy service three times, more than its attempts, then fails twice.
        const waits: string[] = [];
        for (let i = 0; i < 3; i++) {
          const run = await claimed(queue, 'w1');
          waits.push(await queue.retryOrFail(run, 'w1', 'the Glue job is running already', 60_000, { uncounted: true }));
          clock.at += 60_000;
        }
        const afterWaits = await claimed(queue, 'w1');
        const firstFailure = await queue.retryOrFail(afterWaits, 'w1', 'throttled', 1_000);
        clock.at += 1_000;
        const lastFailure = await queue.retryOrFail(await claimed(queue, 'w1'), 'w1', 'throttled again', 1_000);

        // Assess
        expect(waits).toEqual(['retrying', 'retrying', 'retrying']);
        expect(afterWaits).toMatchObject({ id, attempts: 1, error: 'the Glue job is running already' });
        expect(firstFailure).toBe('retrying');
        expect(lastFailure).toBe('failed');
        expect(await queue.get(id)).toMatchObject({ status: 'failed', attempts: 2, error: 'throttled again' });
      });

      it('tells sleeping workers when the retry is due', async () => {
        // Prepare
        await queue.enqueue(runSpec());
        const run = await claimed(queue, 'w1');

        // Act
        await queue.retryOrFail(run, 'w1', 'busy', 7_000);

        // Assess
        expect(await statusOf(run.id)).toBe('queued');
        expect(await queue.nextWakeAt()).toBe(T0 + 7_000);
        expect(await queue.pendingCount()).toBe(1);
      });

      it('a retry due further ahead than the longest retry delay was set by a clock since put back: it is due now', async () => {
        // Prepare: the run fails while the clock reads a day ahead; then the clock is corrected.
        await queue.enqueue(runSpec());
        clock.at = T0 + 24 * 3600_000;
        const run = await claimed(queue, 'w1');
        await queue.retryOrFail(run, 'w1', 'busy', 1_000);
        clock.at = T0;

        // Act
        const retried = await queue.claim('w1', LEASE);

        // Assess
        expect(retried).toMatchObject({ id: run.id, attempts: 2 });
      });

      it('caps a longer requested delay at the longest retry delay', async () => {
        // Prepare
        await queue.enqueue(runSpec());
        const run = await claimed(queue, 'w1');

        // Act
        await queue.retryOrFail(run, 'w1', 'busy', 3 * MAX_RETRY_DELAY_MS);

        // Assess
        expect(await queue.nextWakeAt()).toBe(T0 + MAX_RETRY_DELAY_MS);
      });
    });

    describe('nextWakeAt', () => {
      it('is the earliest of the queued runs’ start times and the running runs’ lease ends', async () => {
        // Prepare
        const empty = await queue.nextWakeAt();
        await queue.enqueue(runSpec({ subject: 'a', lockKey: 'a' }));
        await claimed(queue, 'w1', 5_000);
        const whileRunning = await queue.nextWakeAt();

        // Act
        await queue.enqueue(runSpec({ subject: 'b', lockKey: 'b' }));
        const withQueued = await queue.nextWakeAt();

        // Assess
        expect(empty).toBeUndefined();
        expect(whileRunning).toBe(T0 + 5_000);
        expect(withQueued).toBeLessThanOrEqual(T0);
      });
    });

    describe('chain, latest, list and pendingCount', () => {
      it('chain lists every run of one root version, oldest first', async () => {
        // Prepare
        const a1 = await queue.enqueue(runSpec({ subject: 'a.csv', rootKey: 'a.csv', rootHash: 'h1', lockKey: 'a' }));
        await queue.enqueue(runSpec({ subject: 'b.csv', rootKey: 'b.csv', rootHash: 'h1', lockKey: 'b' }));
        const crawl = await queue.enqueue(runSpec({ stage: 'crawl', subject: 'processed/a', rootKey: 'a.csv', rootHash: 'h1', lockKey: 'c' }));
        await queue.enqueue(runSpec({ stage: 'crawl', subject: 'processed/a', inputHash: 'x2', rootKey: 'a.csv', rootHash: 'h2', lockKey: 'c' }));

        // Act
        const chain = await queue.chain('a.csv', 'h1');

        // Assess
        expect(chain.map((r) => r.id)).toEqual([a1.id, crawl.id]);
        expect(await queue.chain('a.csv', 'nope')).toEqual([]);
      });

      it('latest gives the newest run of a stage on a subject', async () => {
        // Prepare
        await queue.enqueue(runSpec({ inputHash: 'h1' }));
        const newer = await queue.enqueue(runSpec({ inputHash: 'h2' }));

        // Act
        const latest = await queue.latest('preprocess', 'sales/2024-03.csv');

        // Assess
        expect(latest?.id).toBe(newer.id);
        expect(await queue.latest('preprocess', 'unknown.csv')).toBeUndefined();
        expect(await queue.latest('crawl', 'sales/2024-03.csv')).toBeUndefined();
      });

      it('list gives runs newest first, by status, by stage and up to a limit', async () => {
        // Prepare
        const a = await queue.enqueue(runSpec({ subject: 'a', lockKey: 'a' }));
        const b = await queue.enqueue(runSpec({ subject: 'b', lockKey: 'b' }));
        const c = await queue.enqueue(runSpec({ stage: 'crawl', subject: 'c', lockKey: 'c' }));
        const done = await claimed(queue, 'w1');
        await queue.complete(done.id, 'w1', { status: 'succeeded' });

        // Act
        const all = (await queue.list()).map((r) => r.id);

        // Assess
        expect(all).toEqual([c.id, b.id, a.id]);
        expect((await queue.list({ status: 'queued' })).map((r) => r.id)).toEqual([c.id, b.id]);
        expect((await queue.list({ stage: 'preprocess' })).map((r) => r.id)).toEqual([b.id, a.id]);
        expect((await queue.list({ status: 'queued', stage: 'preprocess' })).map((r) => r.id)).toEqual([b.id]);
        expect((await queue.list({ limit: 2 })).map((r) => r.id)).toEqual([c.id, b.id]);
        expect(await queue.list({ status: 'failed' })).toEqual([]);
      });

      it('pendingCount counts queued and running runs only', async () => {
        // Prepare
        const ids: number[] = [];
        for (const s of ['a', 'b', 'c', 'd']) ids.push((await queue.enqueue(runSpec({ subject: s, lockKey: s }))).id);
        const done = await claimed(queue, 'w1');
        await queue.complete(done.id, 'w1', { status: 'succeeded' });
        const failed = await claimed(queue, 'w1');
        await queue.complete(failed.id, 'w1', { status: 'failed', error: 'bad' });
        await claimed(queue, 'w1');

        // Act
        const pending = await queue.pendingCount();

        // Assess
        expect(ids).toHaveLength(4);
        expect(pending).toBe(2);
      });

      it('pendingCount counts one stage when asked, and a running run whose lease expired', async () => {
        // Prepare
        await queue.enqueue(runSpec({ subject: 'a', lockKey: 'a' }));
        await queue.enqueue(runSpec({ stage: 'crawl', subject: 'b', lockKey: 'b' }));
        await queue.enqueue(jobSpec('orders'));
        await claimed(queue, 'w1', 1_000, ['preprocess']);
        clock.at += 5_000;

        // Act
        const preprocess = await queue.pendingCount('preprocess');

        // Assess
        expect(preprocess).toBe(1);
        expect(await queue.pendingCount('crawl')).toBe(1);
        expect(await queue.pendingCount('job')).toBe(1);
        expect(await queue.pendingCount('publish')).toBe(0);
        expect(await queue.pendingCount()).toBe(3);
      });
    });

    describe('changeMark', () => {
      it('changes when a run is queued', async () => {
        // Prepare
        const before = await queue.changeMark();

        // Act
        await queue.enqueue(runSpec());

        // Assess
        expect(await queue.changeMark()).not.toBe(before);
      });

      it('changes when a run starts', async () => {
        // Prepare
        await queue.enqueue(runSpec());
        const before = await queue.changeMark();
        clock.at += 1_000;

        // Act
        await claimed(queue, 'w1');

        // Assess: the port promises a new mark whenever a run was queued, started or finished.
        expect(await queue.changeMark()).not.toBe(before);
      });

      it('changes when a run finishes', async () => {
        // Prepare
        await queue.enqueue(runSpec());
        const run = await claimed(queue, 'w1');
        const before = await queue.changeMark();
        clock.at += 1_000;

        // Act
        await queue.complete(run.id, 'w1', { status: 'succeeded' });

        // Assess
        expect(await queue.changeMark()).not.toBe(before);
      });

      it('stays the same when nothing changed: a duplicate enqueue, a heartbeat, a failed claim', async () => {
        // Prepare
        const spec = runSpec({ lockKey: 'shared' });
        await queue.enqueue(spec);
        await queue.enqueue(runSpec({ subject: 'b', lockKey: 'shared' }));
        const run = await claimed(queue, 'w1');
        const before = await queue.changeMark();

        // Act
        await queue.enqueue(spec);
        await queue.heartbeat(run.id, 'w1', LEASE);
        await queue.claim('w2', LEASE);

        // Assess
        expect(await queue.changeMark()).toBe(before);
      });
    });
  });
}
