/**
 * The webhook outbox in the state database: one row per (endpoint, event),
 * written in the process that recorded the event and sent by a deliverer
 * (`notify/webhook-delivery.ts`). A row holds the endpoint's index and URL,
 * never its secret. Rows go pending → delivered, or pending → dead after the
 * endpoint's last attempt; a claim whose claimer vanished (a process killed
 * mid-send) is taken again after the claim expires, with the same message id.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from './database.js';

export type OutboxStatus = 'pending' | 'delivered' | 'dead';

export interface OutboxRow {
  id: string;
  endpoint: number;
  url: string;
  type: string;
  /** The JSON body, exactly as it is signed and sent. */
  payload: string;
  status: OutboxStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: number;
  claimedAt?: number;
  lastStatus?: number;
  lastError?: string;
  createdAt: number;
  deliveredAt?: number;
}

interface Row {
  id: string;
  endpoint: number;
  url: string;
  type: string;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: number;
  claimed_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

function toRow(r: Row): OutboxRow {
  return {
    id: r.id,
    endpoint: r.endpoint,
    url: r.url,
    type: r.type,
    payload: r.payload,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    nextAttemptAt: r.next_attempt_at,
    ...(r.claimed_at !== null ? { claimedAt: r.claimed_at } : {}),
    ...(r.last_status !== null ? { lastStatus: r.last_status } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    createdAt: r.created_at,
    ...(r.delivered_at !== null ? { deliveredAt: r.delivered_at } : {}),
  };
}

/** A Standard Webhooks message id: `msg_`, the time in base 36 (so ids sort by creation), 12 random bytes. */
export function newMessageId(now = Date.now()): string {
  return `msg_${now.toString(36).padStart(9, '0')}${randomBytes(12).toString('hex')}`;
}

export interface NewMessage {
  endpoint: number;
  url: string;
  type: string;
  payload: string;
  maxAttempts: number;
}

export class SqliteWebhookOutbox {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queue messages, due at once; their ids. */
  add(messages: readonly NewMessage[]): string[] {
    const at = this.now();
    const insert = this.db.prepare(
      `INSERT INTO webhook_outbox (id, endpoint, url, type, payload, status, attempts, max_attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
    );
    const ids: string[] = [];
    this.db.transaction(() => {
      for (const m of messages) {
        const id = newMessageId(at);
        insert.run(id, m.endpoint, m.url, m.type, m.payload, m.maxAttempts, at, at, at);
        ids.push(id);
      }
    })();
    return ids;
  }

  /**
   * Claim up to `limit` due messages of one endpoint for `owner`, oldest
   * first: pending, due, and not claimed, or claimed before `staleBefore` (the
   * claimer died mid-send).
   */
  claim(endpoint: number, owner: string, limit: number, staleBefore: number): OutboxRow[] {
    const at = this.now();
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare(
            `SELECT * FROM webhook_outbox
           WHERE status = 'pending' AND endpoint = ? AND next_attempt_at <= ? AND (claimed_at IS NULL OR claimed_at < ?)
           ORDER BY next_attempt_at, id LIMIT ?`,
          )
          .all(endpoint, at, staleBefore, limit) as Row[];
        const mark = this.db.prepare('UPDATE webhook_outbox SET claimed_at = ?, claimed_by = ?, updated_at = ? WHERE id = ?');
        for (const r of rows) mark.run(at, owner, at, r.id);
        return rows.map((r) => toRow({ ...r, claimed_at: at }));
      })
      .immediate();
  }

  /** The endpoints that have a message due now (for the deliverer's lanes). */
  dueEndpoints(staleBefore: number): number[] {
    return (
      this.db
        .prepare(
          `SELECT DISTINCT endpoint FROM webhook_outbox
           WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY endpoint`,
        )
        .all(this.now(), staleBefore) as { endpoint: number }[]
    ).map((r) => r.endpoint);
  }

  delivered(id: string, owner: string, status: number): boolean {
    const at = this.now();
    return (
      this.db
        .prepare(
          `UPDATE webhook_outbox SET status = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL,
           delivered_at = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ? WHERE id = ? AND claimed_by = ?`,
        )
        .run(status, at, at, id, owner).changes === 1
    );
  }

  /** A failed attempt: retried at `retryAt`, or dead when it was the last; the new status. */
  failed(row: OutboxRow, owner: string, error: string, httpStatus: number | undefined, retryAt: number): OutboxStatus {
    const at = this.now();
    const status: OutboxStatus = row.attempts + 1 >= row.maxAttempts ? 'dead' : 'pending';
    this.db
      .prepare(
        `UPDATE webhook_outbox SET status = ?, attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = ?,
         claimed_at = NULL, claimed_by = NULL, updated_at = ? WHERE id = ? AND claimed_by = ?`,
      )
      .run(status, httpStatus ?? null, error.slice(0, 2000), retryAt, at, row.id, owner);
    return status;
  }

  /** Give a claimed message back, due now, its attempts unchanged (the sender is stopping). */
  release(id: string, owner: string): void {
    this.db
      .prepare('UPDATE webhook_outbox SET claimed_at = NULL, claimed_by = NULL, updated_at = ? WHERE id = ? AND claimed_by = ?')
      .run(this.now(), id, owner);
  }

  /** Remove delivered messages delivered before `before`; how many. Dead letters and pending messages stay. */
  pruneDelivered(before: number): number {
    return this.db.prepare(`DELETE FROM webhook_outbox WHERE status = 'delivered' AND delivered_at < ?`).run(before).changes;
  }

  get(id: string): OutboxRow | undefined {
    const r = this.db.prepare('SELECT * FROM webhook_outbox WHERE id = ?').get(id) as Row | undefined;
    return r && toRow(r);
  }

  /** Messages, newest first; optionally of one status. */
  list(opts: { status?: OutboxStatus; limit?: number } = {}): OutboxRow[] {
    const rows = opts.status
      ? this.db.prepare('SELECT * FROM webhook_outbox WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT ?').all(opts.status, opts.limit ?? 50)
      : this.db.prepare('SELECT * FROM webhook_outbox ORDER BY created_at DESC, id DESC LIMIT ?').all(opts.limit ?? 50);
    return (rows as Row[]).map(toRow);
  }

  counts(): Record<OutboxStatus, number> {
    const out: Record<OutboxStatus, number> = { pending: 0, delivered: 0, dead: 0 };
    for (const r of this.db.prepare('SELECT status, count(*) AS n FROM webhook_outbox GROUP BY status').all() as { status: OutboxStatus; n: number }[]) {
      out[r.status] = r.n;
    }
    return out;
  }

  /** Dead letters (one, or all) back to pending with fresh attempts, due now; how many. */
  retryDead(id?: string): number {
    const at = this.now();
    const sql = `UPDATE webhook_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_at = NULL, claimed_by = NULL, updated_at = ?
                 WHERE status = 'dead'${id ? ' AND id = ?' : ''}`;
    return (id ? this.db.prepare(sql).run(at, at, id) : this.db.prepare(sql).run(at, at)).changes;
  }
}
