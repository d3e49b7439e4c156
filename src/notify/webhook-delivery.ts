/**
 * Sending the webhook outbox. Each message is signed per Standard Webhooks
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature`) at each attempt
 * and POSTed with a timeout; redirects are not followed. A 2xx answer
 * delivers it; anything else is retried after a delay drawn at random below
 * base · 2^(attempt-1), capped ("full jitter"), until the endpoint's last
 * attempt makes it a dead letter.
 *
 * Endpoints are worked in lanes, at most `concurrency` at once, one message at
 * a time per lane: a receiver that hangs holds its own lane for at most its
 * timeout and never the pipeline, which only writes the outbox.
 */
import os from 'node:os';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../stages/deps.js';
import type { OutboxRow, SqliteWebhookOutbox } from '../state/webhook-outbox.js';
import type { WebhookEndpoint } from './webhook-endpoints.js';

/** How long past its endpoint's timeout a claim is held before another process may send the message again. */
export const CLAIM_GRACE_MS = 5_000;

export interface SendResult {
  ok: boolean;
  status?: number;
  error?: string;
  /** The attempt was cut short by `stop` (the process is exiting), not by the receiver: it does not count. */
  interrupted?: boolean;
}

/** Sign `body` as message `id` and POST it to the endpoint: one attempt, cut short when `stop` aborts. */
export async function sendSigned(
  endpoint: WebhookEndpoint,
  id: string,
  body: string,
  opts: { fetch?: typeof fetch; stop?: AbortSignal } = {},
): Promise<SendResult> {
  const fetchImpl = opts.fetch ?? fetch;
  const at = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'sluice-webhooks',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': endpoint.signer.sign(id, at, body),
  };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), endpoint.timeoutMs);
  const signal = opts.stop ? AbortSignal.any([abort.signal, opts.stop]) : abort.signal;
  try {
    const res = await fetchImpl(endpoint.url, { method: 'POST', headers, body, redirect: 'manual', signal });
    // Read (and drop) the answer so the connection is freed; it counts against the same timeout.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    if (res.status >= 300 && res.status < 400) {
      return { ok: false, status: res.status, error: `HTTP ${res.status} redirect to ${res.headers.get('location') ?? '(no location)'} not followed` };
    }
    return { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    if (opts.stop?.aborted) return { ok: false, error: 'interrupted: the process is stopping', interrupted: true };
    if (abort.signal.aborted) return { ok: false, error: `no answer within ${endpoint.timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: `cannot connect: ${cause?.code ?? cause?.message ?? errorMessage(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** A webhook URL as logs show it: without its query, which some receivers use for a token. */
export function urlForLog(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}

/** The delay before attempt `attempt + 1`: uniform in [0, min(cap, base · 2^(attempt-1))). */
export function retryDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export interface DelivererOptions {
  log: Logger;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Lanes (endpoints) sent to at once. */
  concurrency?: number;
  /** How often due messages are looked for while running. */
  pollMs?: number;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
  /** How long delivered messages are kept for `sluice notifications` (default 7 days); dead letters stay until retried. */
  keepDeliveredMs?: number;
  /** Called after each attempt (metrics, tests). */
  onAttempt?: (row: OutboxRow, result: SendResult) => void;
}

export class WebhookDeliverer {
  readonly owner = `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private readonly lanes = new Map<number, Promise<void>>();
  private readonly byIndex: Map<number, WebhookEndpoint>;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  /** Aborted by `stop`: the attempts under way end at once, and their messages are released. */
  private halt = new AbortController();

  constructor(
    private readonly outbox: SqliteWebhookOutbox,
    endpoints: readonly WebhookEndpoint[],
    private readonly opts: DelivererOptions,
  ) {
    this.byIndex = new Map(endpoints.map((e) => [e.index, e]));
    this.now = opts.now ?? Date.now;
  }

  private staleBefore(endpoint: WebhookEndpoint): number {
    return this.now() - endpoint.timeoutMs - CLAIM_GRACE_MS;
  }

  /** Open a lane for each endpoint with messages due and none open, up to the concurrency; how many are open. */
  tick(): number {
    const limit = this.opts.concurrency ?? 4;
    const longest = Math.max(0, ...[...this.byIndex.values()].map((e) => e.timeoutMs));
    for (const index of this.outbox.dueEndpoints(this.now() - longest - CLAIM_GRACE_MS)) {
      if (this.lanes.size >= limit) break;
      const endpoint = this.byIndex.get(index);
      if (!endpoint || this.lanes.has(index)) continue;
      const lane = this.runLane(endpoint)
        .catch((err) => this.opts.log.error('webhook delivery stopped', { url: urlForLog(endpoint.url), error: errorMessage(err) }))
        .finally(() => this.lanes.delete(index));
      this.lanes.set(index, lane);
    }
    return this.lanes.size;
  }

  /** One endpoint's due messages, oldest first, until none is due or one fails (the rest wait for their retry). */
  private async runLane(endpoint: WebhookEndpoint): Promise<void> {
    const halt = this.halt.signal;
    for (;;) {
      if (halt.aborted) return;
      const [row] = this.outbox.claim(endpoint.index, this.owner, 1, this.staleBefore(endpoint));
      if (!row) return;
      const result = await sendSigned(endpoint, row.id, row.payload, { ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}), stop: halt });
      if (result.interrupted) {
        // Not the receiver's doing: the message is due again at once, for this process's successor (same webhook-id).
        this.outbox.release(row.id, this.owner);
        return;
      }
      this.opts.onAttempt?.(row, result);
      if (result.ok) {
        this.outbox.delivered(row.id, this.owner, result.status ?? 200);
        continue;
      }
      const error = result.error ?? 'failed';
      const retryAt = this.now() + retryDelay(row.attempts + 1, this.opts.baseDelayMs, this.opts.maxDelayMs, this.opts.random);
      const status = this.outbox.failed(row, this.owner, error, result.status, retryAt);
      const fields = { id: row.id, type: row.type, url: urlForLog(endpoint.url), attempt: row.attempts + 1, of: row.maxAttempts, error };
      if (status === 'dead') this.opts.log.error('webhook gave up: dead letter (sluice notifications retry)', fields);
      else this.opts.log.warn('webhook delivery failed; will retry', { ...fields, retryInMs: retryAt - this.now() });
      return;
    }
  }

  /** Wait for the open lanes to finish. */
  async settle(): Promise<void> {
    while (this.lanes.size) await Promise.all([...this.lanes.values()]);
  }

  /**
   * Send what is due now until nothing is due or `boundMs` has passed; then
   * the attempts still under way are cut short and their messages left due
   * (a command about to exit).
   */
  async drain(boundMs: number): Promise<void> {
    const until = Date.now() + boundMs;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise((r) => {
      timer = setTimeout(r, boundMs);
    });
    try {
      while (Date.now() < until && this.tick() > 0) await Promise.race([this.settle(), bound]);
    } finally {
      clearTimeout(timer);
      await this.stop();
    }
  }

  /** Send in the background until `stop`; delivered messages past their keep are removed hourly. */
  start(): void {
    if (this.timer) return;
    const work = () => {
      this.pruneHourly();
      this.tick();
    };
    work();
    this.timer = setInterval(work, this.opts.pollMs ?? 500);
    this.timer.unref();
  }

  private lastPrune = Number.NEGATIVE_INFINITY;

  private pruneHourly(): void {
    const now = this.now();
    if (now - this.lastPrune < 3_600_000) return;
    this.lastPrune = now;
    const removed = this.outbox.pruneDelivered(now - (this.opts.keepDeliveredMs ?? 7 * 86_400_000));
    if (removed) this.opts.log.info('removed delivered webhook messages past their keep', { removed });
  }

  /**
   * Stop looking for due messages and cut short the attempts under way: their
   * messages are released, due at once, and the next process sends them with
   * the same webhook-id (the receiver may have had them: at least once).
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.halt.abort();
    await this.settle();
    this.halt = new AbortController();
  }
}
