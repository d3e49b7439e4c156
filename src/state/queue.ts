/**
 * The durable queue of stage runs. A run is keyed by (stage, subject,
 * input hash): enqueueing the same input twice is a no-op, so every event
 * source can fire freely. Claims take a lease; a run whose lease expired (its
 * process died) is claimed again. Runs sharing a lock key never overlap and
 * start in the order they were queued.
 */
import { hostname } from 'node:os';
import type { RetryOptions, RunQueue } from '../stages/ports.js';
import { type Completion, MAX_RETRY_DELAY_MS, type Run, type RunSpec, type RunStatus, type Stage, TERMINAL } from '../stages/runs.js';
import type { Db } from './database.js';

interface RunRow {
  id: number;
  stage: Stage;
  subject: string;
  input_hash: string;
  lock_key: string;
  root_key: string;
  root_hash: string;
  payload: string;
  status: RunStatus;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  result: string | null;
}

function toRun(r: RunRow): Run {
  // A row's payload is what enqueue stored for its stage, so stage and payload match.
  return {
    stage: r.stage,
    payload: JSON.parse(r.payload),
    id: r.id,
    subject: r.subject,
    inputHash: r.input_hash,
    lockKey: r.lock_key,
    rootKey: r.root_key,
    rootHash: r.root_hash,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    result: r.result ? JSON.parse(r.result) : null,
  } as Run;
}

/** A worker identity: host and pid let a restarted process reclaim its dead predecessor's runs at once. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

function ownerIsDeadLocally(owner: string): boolean {
  const [host, pid] = owner.split(':');
  if (host !== hostname() || !pid) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export class SqliteRunQueue implements RunQueue {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Enqueue a run; returns its id and whether it was new. `force` re-queues a finished run (replay). */
  async enqueue(spec: RunSpec, force = false): Promise<{ id: number; created: boolean }> {
    return this.db.transaction(() => this.enqueueInTx(spec, force)).immediate();
  }

  private enqueueInTx(spec: RunSpec, force: boolean): { id: number; created: boolean } {
    const now = this.now();
    // A newer input for the same subject makes older queued work pointless.
    this.db
      .prepare(`UPDATE runs SET status = 'superseded', finished_at = ? WHERE stage = ? AND subject = ? AND input_hash <> ? AND status = 'queued'`)
      .run(now, spec.stage, spec.subject, spec.inputHash);
    const existing = this.db
      .prepare('SELECT id, status FROM runs WHERE stage = ? AND subject = ? AND input_hash = ?')
      .get(spec.stage, spec.subject, spec.inputHash) as { id: number; status: RunStatus } | undefined;
    if (existing) {
      const reopen = existing.status === 'superseded' || (force && TERMINAL.includes(existing.status));
      if (reopen) {
        this.db
          .prepare(
            `UPDATE runs SET status = 'queued', attempts = 0, error = NULL, result = NULL, lease_owner = NULL, lease_until = NULL,
             not_before = 0, created_at = ?, started_at = NULL, finished_at = NULL, root_key = ?, root_hash = ?, payload = ?, id = (SELECT max(id) + 1 FROM runs)
             WHERE id = ?`,
          )
          .run(now, spec.rootKey, spec.rootHash, JSON.stringify(spec.payload ?? {}), existing.id);
        const id = (this.db.prepare('SELECT max(id) AS id FROM runs').get() as { id: number }).id;
        return { id, created: true };
      }
      return { id: existing.id, created: false };
    }
    const info = this.db
      .prepare(
        `INSERT INTO runs (stage, subject, input_hash, lock_key, root_key, root_hash, payload, status, max_attempts, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
      )
      .run(spec.stage, spec.subject, spec.inputHash, spec.lockKey, spec.rootKey, spec.rootHash, JSON.stringify(spec.payload ?? {}), spec.maxAttempts ?? 3, now);
    return { id: Number(info.lastInsertRowid), created: true };
  }

  /** Expire the leases of runs held by processes on this host that no longer exist. */
  async reapDeadOwners(): Promise<number> {
    const running = this.db.prepare(`SELECT id, lease_owner FROM runs WHERE status = 'running'`).all() as {
      id: number;
      lease_owner: string | null;
    }[];
    const dead = running.filter((r) => r.lease_owner && ownerIsDeadLocally(r.lease_owner));
    const expire = this.db.prepare(`UPDATE runs SET lease_until = 0 WHERE id = ? AND status = 'running' AND lease_owner = ?`);
    for (const r of dead) expire.run(r.id, r.lease_owner);
    return dead.length;
  }

  /** Claim the next runnable run (optionally only of some stages) for `owner`. */
  async claim(owner: string, leaseMs: number, stages?: readonly Stage[]): Promise<Run | undefined> {
    return this.db
      .transaction(() => {
        for (;;) {
          const now = this.now();
          const stageFilter = stages?.length ? `AND r.stage IN (${stages.map(() => '?').join(',')})` : '';
          const row = this.db
            .prepare(
              `SELECT r.* FROM runs r
               WHERE ((r.status = 'queued' AND (r.not_before <= ? OR r.not_before > ?)) OR (r.status = 'running' AND r.lease_until < ?)) ${stageFilter}
                 AND NOT EXISTS (SELECT 1 FROM runs o WHERE o.lock_key = r.lock_key AND o.id <> r.id
                                 AND ((o.status = 'running' AND o.lease_until >= ?) OR (o.status IN ('queued', 'running') AND o.id < r.id)))
               ORDER BY r.id LIMIT 1`,
            )
            .get(now, now + MAX_RETRY_DELAY_MS, now, ...(stages ?? []), now) as RunRow | undefined;
          if (!row) return undefined;
          if (row.status === 'running' && row.attempts >= row.max_attempts) {
            this.db
              .prepare(`UPDATE runs SET status = 'failed', finished_at = ?, lease_owner = NULL, error = ? WHERE id = ?`)
              .run(now, `the process running this stopped ${row.attempts} times (crash or kill); not retried again`, row.id);
            continue;
          }
          this.db
            .prepare(`UPDATE runs SET status = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1, started_at = ? WHERE id = ?`)
            .run(owner, now + leaseMs, now, row.id);
          return toRun({ ...row, status: 'running', lease_owner: owner, lease_until: now + leaseMs, attempts: row.attempts + 1, started_at: now });
        }
      })
      .immediate();
  }

  /** Extend a lease; false when the run is no longer ours (it was reclaimed). */
  async heartbeat(id: number, owner: string, leaseMs: number): Promise<boolean> {
    const info = this.db
      .prepare(`UPDATE runs SET lease_until = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`)
      .run(this.now() + leaseMs, id, owner);
    return info.changes === 1;
  }

  /**
   * Finish a run and enqueue what follows, atomically. Returns false (and
   * changes nothing) if the lease was lost: another process owns the run now.
   */
  async complete(id: number, owner: string, c: Completion): Promise<boolean> {
    return this.db
      .transaction(() => {
        const info = this.db
          .prepare(
            `UPDATE runs SET status = ?, result = ?, error = ?, finished_at = ?, lease_until = NULL
             WHERE id = ? AND lease_owner = ? AND status = 'running'`,
          )
          .run(c.status, c.result ? JSON.stringify(c.result) : null, c.error ?? null, this.now(), id, owner);
        if (info.changes !== 1) return false;
        for (const spec of c.next ?? []) this.enqueueInTx(spec, true);
        return true;
      })
      .immediate();
  }

  /**
   * Put a failed attempt back in the queue after `delayMs`, or fail it for good after its last attempt (at once when `permanent`: retrying cannot help);
   * an `uncounted` attempt gives its attempt back. 'lost' when the run is no longer ours.
   */
  async retryOrFail(run: Run, owner: string, error: string, delayMs: number, opts: RetryOptions = {}): Promise<'retrying' | 'failed' | 'lost'> {
    const last = opts.permanent === true || (!opts.uncounted && run.attempts >= run.maxAttempts);
    const info = this.db
      .prepare(
        `UPDATE runs SET status = ?, error = ?, not_before = ?, lease_until = NULL, finished_at = ?, attempts = attempts - ?
         WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      )
      .run(
        last ? 'failed' : 'queued',
        error,
        this.now() + Math.min(delayMs, MAX_RETRY_DELAY_MS),
        last ? this.now() : null,
        !last && opts.uncounted ? 1 : 0,
        run.id,
        owner,
      );
    if (info.changes !== 1) return 'lost';
    return last ? 'failed' : 'retrying';
  }

  async get(id: number): Promise<Run | undefined> {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  /** The newest run of a stage on a subject, if any. */
  async latest<S extends Stage>(stage: S, subject: string): Promise<Run<S> | undefined> {
    const row = this.db.prepare('SELECT * FROM runs WHERE stage = ? AND subject = ? ORDER BY id DESC LIMIT 1').get(stage, subject) as RunRow | undefined;
    return row && (toRun(row) as Run<S>);
  }

  /** Every run that started from one version of a raw file, oldest first. */
  async chain(rootKey: string, rootHash: string): Promise<Run[]> {
    return (this.db.prepare('SELECT * FROM runs WHERE root_key = ? AND root_hash = ? ORDER BY id').all(rootKey, rootHash) as RunRow[]).map(toRun);
  }

  /** Runs, newest first. */
  async list(opts: { status?: RunStatus; stage?: Stage; limit?: number } = {}): Promise<Run[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.status) {
      where.push('status = ?');
      args.push(opts.status);
    }
    if (opts.stage) {
      where.push('stage = ?');
      args.push(opts.stage);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, opts.limit ?? 1000) as RunRow[]).map(toRun);
  }

  /** Queued or running runs (a running run with an expired lease counts: it will be claimed again); 0 means idle. */
  async pendingCount(stage?: Stage): Promise<number> {
    const row = (
      stage
        ? this.db.prepare(`SELECT count(*) AS n FROM runs WHERE status IN ('queued', 'running') AND stage = ?`).get(stage)
        : this.db.prepare(`SELECT count(*) AS n FROM runs WHERE status IN ('queued', 'running')`).get()
    ) as { n: number };
    return row.n;
  }

  async changeMark(): Promise<string> {
    const r = this.db
      .prepare(
        `SELECT max(id) AS id, count(*) FILTER (WHERE status = 'queued') AS queued, count(*) FILTER (WHERE status = 'running') AS running,
         max(started_at) AS started, max(finished_at) AS done FROM runs`,
      )
      .get() as Record<string, unknown>;
    return JSON.stringify(r);
  }

  /** The earliest time a queued run may start (for sleeping workers), or undefined. */
  async nextWakeAt(): Promise<number | undefined> {
    const row = this.db
      .prepare(`SELECT min(CASE WHEN status = 'queued' THEN not_before ELSE lease_until END) AS t FROM runs WHERE status IN ('queued', 'running')`)
      .get() as { t: number | null };
    return row.t ?? undefined;
  }
}
