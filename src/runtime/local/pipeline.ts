/**
 * The local pipeline: the intake (raw objects in) and the workers (runs
 * executed), wired to one project. The rules of what follows what are not
 * here but in `stages/chain.ts`; this only feeds and works the queue.
 */
import type { ObjectCreated } from '../../core/events.js';
import type { Project } from '../project.js';
import { LocalIntake } from './intake.js';
import { LocalWorkers } from './workers.js';

export class Pipeline {
  readonly intake: LocalIntake;
  readonly workers: LocalWorkers;

  constructor(readonly project: Project) {
    this.intake = new LocalIntake(project, () => this.workers.queued());
    this.workers = new LocalWorkers(project, this.intake);
  }

  /** Emits 'run' (Run) when a run ends and 'enqueued' when new work arrives in this process. */
  get events() {
    return this.workers.events;
  }

  noteRawObject(key: string, source: ObjectCreated['source'], force = false) {
    return this.intake.noteRawObject(key, source, force);
  }

  scan(): Promise<number> {
    return this.intake.scan();
  }

  recrawl(full: boolean) {
    return this.intake.recrawl(full);
  }

  workOne(): Promise<boolean> {
    return this.workers.workOne();
  }

  workUntilIdle(concurrency = 2): Promise<void> {
    return this.workers.workUntilIdle(concurrency);
  }

  startWorkers(concurrency = 2): Promise<void> {
    return this.workers.startWorkers(concurrency);
  }

  stop(): Promise<void> {
    return this.workers.stop();
  }
}
