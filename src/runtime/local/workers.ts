/**
 * The local workers: claim a run from the state database's queue, keep its
 * lease alive, execute it (`stages/execute.ts`, the same as in a Lambda),
 * then commit its completion with the runs that follow, or put it back for a
 * retry. Several processes may work one project at once: the leases keep
 * them from doing the same run twice.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, StateCorruptError } from '../../core/errors.js';
import { datasetOf } from '../../core/keys.js';
import type { Logger } from '../../stages/deps.js';
import type { RunDeps } from '../../stages/execute.js';
import { type Run, STAGES } from '../../stages/runs.js';
import { LEASE_MS, workRun } from '../../stages/work-run.js';
import { newOwnerId } from '../../state/queue.js';
import type { Project } from '../project.js';
import { faultAt } from './faults.js';
import type { LocalIntake } from './intake.js';

const POLL_MS = 200;

export class LocalWorkers {
  readonly owner = newOwnerId();
  /** Emits 'run' (Run) when a run ends and 'enqueued' when new work arrives in this process. */
  readonly events = new EventEmitter();
  private stopping = false;
  private readonly active = new Set<Promise<void>>();
  private wake?: () => void;

  constructor(
    private readonly project: Project,
    private readonly intake: LocalIntake,
  ) {
    this.events.setMaxListeners(100);
  }

  /** New work was queued in this process: wake a sleeping worker. */
  queued(): void {
    this.events.emit('enqueued');
    this.wake?.();
  }

  /** Claim and execute one run; false when nothing was runnable. */
  async workOne(): Promise<boolean> {
    const run = await this.project.queue.claim(this.owner, LEASE_MS, STAGES);
    if (!run) return false;
    await this.execute(run);
    return true;
  }

  private async runDeps(log: Logger): Promise<RunDeps> {
    const p = this.project;
    return {
      zones: p.zones,
      engine: await p.engine(),
      config: p.config,
      catalog: p.catalog,
      bookmarks: p.bookmarks,
      events: p.events,
      reports: p.reports,
      jobRuns: p.jobRuns,
      tmpDir: p.tmpDir,
      log,
      faults: faultAt,
      rawVersion: (key) => this.intake.rawVersion(key),
      rawChanged: (key) => this.intake.rawChanged(key),
    };
  }

  /**
   * The project's logger, also keeping each line with the run it belongs to.
   * Every line the process writes names the run, its stage, the raw file of
   * its chain and that file's dataset.
   */
  private runLogger(run: Run): Logger {
    const { log, runLogs } = this.project;
    const context = { run: run.id, stage: run.stage, file: run.rootKey, dataset: datasetOf(run.rootKey) };
    const keep = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => {
      log[level](message, { ...context, ...fields });
      try {
        runLogs.add(run.id, level, message, fields);
      } catch {
        // A busy state database must not fail the run over a log line.
      }
    };
    return { info: (m, f) => keep('info', m, f), warn: (m, f) => keep('warn', m, f), error: (m, f) => keep('error', m, f) };
  }

  private async execute(run: Run): Promise<void> {
    const { queue } = this.project;
    try {
      const end = await workRun(run, {
        queue,
        owner: this.owner,
        deps: await this.runDeps(this.runLogger(run)),
        log: this.project.log,
        beforeComplete: (r) => faultAt(`${r.stage}.before-complete`),
      });
      // Noted only once the run is closed as superseded: even the same bytes again (a file copied over itself) reopen it.
      if (end.outcome === 'completed' && end.completion.status === 'superseded') await this.intake.rawChanged(run.subject);
    } finally {
      this.events.emit('run', await queue.get(run.id).catch(() => undefined));
    }
  }

  /** Work until nothing is queued or running anywhere (batch mode). */
  async workUntilIdle(concurrency = 2): Promise<void> {
    await this.project.queue.reapDeadOwners();
    const worker = async () => {
      for (;;) {
        if (await this.workOne()) continue;
        if ((await this.project.queue.pendingCount()) === 0) return;
        // Work is queued but locked, delayed for retry, or running in another process.
        await this.project.queue.reapDeadOwners();
        await sleep(POLL_MS);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Start background workers (service mode); `stop` waits for the runs in flight. */
  async startWorkers(concurrency = 2): Promise<void> {
    this.stopping = false;
    await this.project.queue.reapDeadOwners();
    const loop = async () => {
      while (!this.stopping) {
        try {
          if (await this.workOne()) continue;
        } catch (err) {
          // The service hears of a damaged state file from the database itself (onStateCorrupt) and stops.
          if (err instanceof StateCorruptError) return;
          this.project.log.error('worker error', { error: errorMessage(err) });
        }
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, POLL_MS);
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    };
    for (let i = 0; i < concurrency; i++) {
      const p = loop();
      this.active.add(p);
      void p.finally(() => this.active.delete(p));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await Promise.all(this.active);
  }
}
