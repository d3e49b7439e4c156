/**
 * Working one claimed run, the same in every runner: keep its lease alive,
 * execute it, then commit its completion with the runs that follow, or put it
 * back for a retry. A sluice.yaml mistake fails at once (retrying cannot fix
 * it); a service busy with other work (BusyError) puts the run back without
 * using an attempt; a run that fails for good emits `run.failed`. The local workers and the
 * Lambda handler differ only in how they claim runs and what they do around
 * this.
 */
import { BusyError, ConfigError, errorMessage, StateCorruptError } from '../core/errors.js';
import { runFailed } from './chain.js';
import type { Logger } from './deps.js';
import { executeRun, type RunDeps } from './execute.js';
import type { RunQueue } from './ports.js';
import type { Completion, Run } from './runs.js';

export const LEASE_MS = 60_000;
const HEARTBEAT_MS = 10_000;
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

export type RunEnd =
  | { outcome: 'completed'; completion: Completion }
  /** Another worker took the run over (its lease had run out): nothing was recorded. */
  | { outcome: 'lost'; completion: Completion }
  | { outcome: 'retrying' | 'failed'; error: string };

export interface WorkRunOptions {
  queue: RunQueue;
  owner: string;
  deps: RunDeps;
  /** The runner's own log (heartbeat trouble), beside the run's log in `deps.log`. */
  log: Logger;
  /** Called between execution and commit (the local runner's fault point). */
  beforeComplete?: (run: Run) => Promise<void>;
}

export async function workRun(run: Run, opts: WorkRunOptions): Promise<RunEnd> {
  const { queue, owner, deps } = opts;
  const heartbeat = setInterval(() => {
    queue.heartbeat(run.id, owner, LEASE_MS).catch((err) => {
      // A missed heartbeat only shortens the lease; a damaged state store is reported by the run itself.
      opts.log.warn('run heartbeat failed', { run: run.id, error: errorMessage(err) });
    });
  }, HEARTBEAT_MS);
  const started = Date.now();
  try {
    const completion = await executeRun(run, deps);
    await opts.beforeComplete?.(run);
    const ok = await queue.complete(run.id, owner, completion);
    if (!ok) {
      deps.log.warn('run lost its lease; another worker took it over', { run: run.id, stage: run.stage, subject: run.subject });
      return { outcome: 'lost', completion };
    }
    deps.log.info(`run.${completion.status}`, { run: run.id, stage: run.stage, subject: run.subject, ms: Date.now() - started, error: completion.error });
    return { outcome: 'completed', completion };
  } catch (err) {
    // A damaged state store ends the work: nothing can be recorded, and every run would fail the same way.
    if (err instanceof StateCorruptError) throw err;
    const message = errorMessage(err);
    if (err instanceof BusyError) return waitForService(run, opts, err);
    const outcome = await queue.retryOrFail(run, owner, message, RETRY_DELAYS_MS[run.attempts - 1] ?? 30_000, { permanent: err instanceof ConfigError });
    deps.log.error(outcome === 'failed' ? 'run.failed' : 'run.retrying', {
      run: run.id,
      stage: run.stage,
      subject: run.subject,
      attempt: run.attempts,
      error: message,
    });
    if (outcome === 'failed') await deps.events.append(runFailed(run, message));
    return { outcome: outcome === 'lost' ? 'retrying' : outcome, error: message };
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * A service the run needs is busy with other work (a Glue job already
 * running): the run waits its turn in the queue, as long as it takes, without
 * using up an attempt. It is not a failure, so it is logged as the wait it is.
 */
async function waitForService(run: Run, opts: WorkRunOptions, err: BusyError): Promise<RunEnd> {
  const outcome = await opts.queue.retryOrFail(run, opts.owner, err.message, err.retryAfterSec * 1000, { uncounted: true });
  opts.deps.log.info('run.waiting', { run: run.id, stage: run.stage, subject: run.subject, retryAfterSec: err.retryAfterSec, reason: err.message });
  return { outcome: outcome === 'failed' ? 'failed' : 'retrying', error: err.message };
}
