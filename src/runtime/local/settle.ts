/**
 * The settle rule for files written into the watched raw folder by others: a
 * slow copy, an FTP or network-share upload writes a file in chunks with
 * pauses between them, and every pause looks like the end. A file is taken
 * once its size and modification time have not changed for `settleMs` and no
 * process holds it open for writing (where the system tells, see
 * open-for-writing.ts). Files renamed into place whole (uploads, `sluice
 * ingest`) are noted by their writers at once; the watcher's later offer of
 * them is a no-op.
 */
import type { ObjectCreated } from '../../core/events.js';
import { isHiddenKey } from '../../core/keys.js';
import type { Logger } from '../../stages/deps.js';
import { openForWriting } from '../../storage/local/open-for-writing.js';
import type { ObjectStore } from '../../storage/object-store.js';

interface Pending {
  /** The change tag last seen (undefined before the first look). */
  tag?: string;
  /** Since when the file is known unchanged. */
  since: number;
  /** Whether "waiting for a writer" was logged for it. */
  waiting?: boolean;
  /** Who found it: the watcher, or the start-up scan. */
  source: Source;
}

type Source = Extract<ObjectCreated['source'], 'watcher' | 'scan'>;

export class SettleGate {
  private readonly pending = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  private closed = false;
  private readonly tickMs: number;

  constructor(
    private readonly store: Pick<ObjectStore, 'head' | 'uri'>,
    private readonly settleMs: number,
    private readonly onSettled: (key: string, source: Source) => void,
    private readonly log: Logger,
  ) {
    this.tickMs = Math.max(20, Math.min(250, Math.floor(settleMs / 4)));
  }

  /**
   * A raw key changed, or was found: note it once it has settled. `since` is
   * when it was last known to change: now for a watcher event, the file's
   * modification time for a file found by the start-up scan.
   */
  offer(key: string, since = Date.now(), source: Source = 'watcher'): void {
    if (this.closed || isHiddenKey(key)) return;
    const entry = this.pending.get(key);
    if (entry) entry.since = Math.max(entry.since, since);
    else this.pending.set(key, { since, source });
    this.schedule();
  }

  /** Keys still waiting to settle. */
  get size(): number {
    return this.pending.size;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.pending.clear();
  }

  private schedule(): void {
    if (this.timer || this.busy || this.closed || this.pending.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.busy = true;
      this.tick()
        .catch((err) => this.log.error('settle check failed', { error: String(err) }))
        .finally(() => {
          this.busy = false;
          this.schedule();
        });
    }, this.tickMs);
  }

  private async tick(): Promise<void> {
    const due: string[] = [];
    for (const [key, entry] of this.pending) {
      const info = await this.store.head(key).catch(() => undefined);
      if (!info) {
        this.pending.delete(key);
        continue;
      }
      if (entry.tag !== undefined && entry.tag !== info.tag) entry.since = Date.now();
      entry.tag = info.tag;
      if (Date.now() - entry.since >= this.settleMs) due.push(key);
    }
    if (due.length === 0) return;
    const paths = new Map(due.map((key) => [this.store.uri(key), key]));
    const writing = await openForWriting([...paths.keys()]);
    for (const [file, key] of paths) {
      const entry = this.pending.get(key);
      // Offered again while the writers were looked up: it changed, so it waits again.
      if (!entry || Date.now() - entry.since < this.settleMs) continue;
      if (writing.has(file)) {
        if (!entry.waiting) this.log.info('waiting for the writer to close the file', { key });
        entry.waiting = true;
        continue;
      }
      this.pending.delete(key);
      this.onSettled(key, entry.source);
    }
  }
}
