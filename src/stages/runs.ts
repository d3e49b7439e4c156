/**
 * Stage runs as every runner sees them: what a run is asked to do (a typed
 * spec per stage, so payloads need no casts), its state in the queue, and how
 * it ended. The local workers keep runs in SQLite; a Lambda runner keeps the
 * same shapes elsewhere.
 */

export const STAGES = ['preprocess', 'crawl', 'publish', 'job'] as const;
export type Stage = (typeof STAGES)[number];

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'quarantined' | 'superseded';
export const TERMINAL: readonly RunStatus[] = ['succeeded', 'failed', 'quarantined', 'superseded'];

/**
 * The longest a failed run is put off before its retry. A retry time further
 * ahead than this was set by a clock that has since gone back (or by another
 * process's clock that runs ahead): the run is due now, not a day from now.
 */
export const MAX_RETRY_DELAY_MS = 10 * 60_000;

/** One version of a raw file, the root of a chain of runs. */
export interface RawSource {
  rawKey: string;
  rawSha256: string;
}

/** What each stage's run carries besides its subject. */
export interface StagePayloads {
  /** Subject: the raw key; input hash: its content hash. */
  preprocess: RawSource;
  /** Subject: the processed key; input hash: the processed file's hash. */
  crawl: RawSource;
  /** Subject: the processed key; input hash: the processed file's hash. */
  publish: RawSource;
  /** Subject: the job name; input hash: a fingerprint of its spec and inputs. */
  job: { job: string; trigger: string };
}

interface SpecOf<S extends Stage> {
  stage: S;
  subject: string;
  inputHash: string;
  /** Runs sharing a lock key never overlap and start in queue order. */
  lockKey: string;
  rootKey: string;
  rootHash: string;
  payload: StagePayloads[S];
  maxAttempts?: number;
}

/** A run to queue: one shape per stage. */
export type RunSpec<S extends Stage = Stage> = S extends Stage ? SpecOf<S> : never;

interface RunState {
  id: number;
  status: RunStatus;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

/** A queued, running or finished run. */
export type Run<S extends Stage = Stage> = S extends Stage ? SpecOf<S> & RunState : never;

export interface Completion {
  status: Extract<RunStatus, 'succeeded' | 'quarantined' | 'failed' | 'superseded'>;
  result?: Record<string, unknown>;
  error?: string;
  /** Runs to queue in the same transaction, so a chain never stalls between stages. */
  next?: RunSpec[];
}

export function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}
