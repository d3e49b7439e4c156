/**
 * Where raw objects enter the local pipeline. Every event source (watcher,
 * upload API, `sluice ingest`, the start-up scan) calls `noteRawObject`, which
 * turns an object into the preprocess run of its current version; the
 * processed zone is reconciled with the catalog by `recrawl`. On AWS the S3
 * notification does the same through the same chain rules.
 */
import type { ObjectCreated } from '../../core/events.js';
import { INPUT_ENDINGS_TEXT, isHiddenKey, isInputKey } from '../../core/keys.js';
import { afterWithdrawal, downstreamRun, preprocessRun } from '../../stages/chain.js';
import { jobRuns } from '../../stages/execute.js';
import type { ObjectInfo } from '../../storage/object-store.js';
import type { Project } from '../project.js';

export class LocalIntake {
  /** Keys already reported as not CSV, so each is said once per process. */
  private readonly ignored = new Set<string>();
  /**
   * Where raw keys that the scan finds, or that changed under a run, go to be
   * noted: in the service, the settle gate (a file found half-written must
   * not be taken before its writer is done), given when it changed; without
   * one, straight to noteRawObject.
   */
  settle?: (key: string, since: number, source: 'scan') => void;
  /** Raw objects seen but not yet queued (waiting to settle, or being hashed): work that health must count as pending. */
  intakePending: () => number = () => 0;
  /** The listing under way, which another scan coming due joins. */
  private scanning?: Promise<number>;

  constructor(
    private readonly project: Project,
    /** Called when new work was queued by this process. */
    private readonly queued: () => void,
  ) {}

  /** An object appeared (or changed) in the raw zone: record it and queue its preprocess run. */
  async noteRawObject(
    key: string,
    source: ObjectCreated['source'],
    force = false,
    /** The object as a listing just described it, which saves asking again. */
    listed?: ObjectInfo,
  ): Promise<{ key: string; sha256: string; created: boolean } | undefined> {
    const { log, queue, events } = this.project;
    if (!isInputKey(key)) {
      if (!isHiddenKey(key) && !this.ignored.has(key)) {
        this.ignored.add(key);
        log.warn(`ignored: not an input file (${INPUT_ENDINGS_TEXT})`, { key });
      }
      return undefined;
    }
    const version = await this.rawVersion(key, listed);
    if (!version) return undefined;
    const { sha256, size } = version;
    const { created } = await queue.enqueue(preprocessRun(key, sha256), force);
    if (created) {
      await events.append({ type: 'object.created', zone: 'raw', key, hash: sha256, size, source });
      log.info('object.created', { key, source, sha256: sha256.slice(0, 12) });
      this.queued();
    }
    return { key, sha256, created };
  }

  /**
   * The content hash of a raw object as it is now, or undefined when it is gone.
   * The file is read only when its change tag (size, mtime, inode / ETag) is
   * one the state database has not seen.
   */
  async rawVersion(key: string, listed?: ObjectInfo): Promise<{ sha256: string; size: number; tag: string } | undefined> {
    const { zones, rawObjects } = this.project;
    const info = listed ?? (await zones.raw.head(key));
    if (!info) return undefined;
    const known = rawObjects.knownHash(key, info.tag);
    if (known) return { sha256: known, size: info.size, tag: info.tag };
    const stat = await zones.raw.stat(key);
    if (stat) rawObjects.record(key, stat.tag, stat.sha256, stat.size);
    return stat && { sha256: stat.sha256, size: stat.size, tag: stat.tag };
  }

  /**
   * Reconcile: queue every raw object not yet processed in its current
   * version. With a settle gate, the objects are handed to it (a file may be
   * half-written right now) and the count is of those handed over.
   */
  scan(): Promise<number> {
    // One listing at a time: a periodic listing that comes due while one runs joins it.
    this.scanning ??= this.scanOnce().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<number> {
    let queued = 0;
    for await (const info of this.project.zones.raw.list('')) {
      if (this.settle) {
        this.settle(info.key, Math.min(info.modifiedMs, Date.now()), 'scan');
        queued++;
        continue;
      }
      const r = await this.noteRawObject(info.key, 'scan', false, info);
      if (r?.created) queued++;
    }
    return queued;
  }

  /** A raw object changed under a run: its new version is noted, through the settle gate when there is one. */
  async rawChanged(key: string): Promise<void> {
    if (this.settle) this.settle(key, Date.now(), 'scan');
    else await this.noteRawObject(key, 'scan');
  }

  /**
   * Queue crawl runs for processed files the catalog does not know in their
   * current version (all files with `full`), and drop catalog entries whose
   * file is gone. Returns how many files were queued and dropped.
   */
  async recrawl(full: boolean): Promise<{ queued: number; dropped: number }> {
    const p = this.project;
    const known = new Map((await p.catalog.allFiles('processed')).map((f) => [f.fileKey, f]));
    const seen = new Set<string>();
    let queued = 0;
    for await (const info of p.zones.processed.list('')) {
      if (!info.key.endsWith('.parquet')) continue;
      seen.add(info.key);
      const stat = await p.zones.processed.stat(info.key);
      const entry = known.get(info.key);
      if (!stat || (!full && entry?.sha256 === stat.sha256)) continue;
      const source = entry ? { rawKey: entry.sourceRawKey, rawSha256: entry.sourceSha256 } : (await p.queue.latest('crawl', info.key))?.payload;
      if (!source) {
        p.log.warn('processed file has no known raw source; skipped', { key: info.key });
        continue;
      }
      await p.queue.enqueue(downstreamRun('crawl', info.key, stat.sha256, source), full);
      queued++;
    }
    let dropped = 0;
    for (const [key, f] of known) {
      if (seen.has(key)) continue;
      const { events, jobs } = afterWithdrawal([await p.catalog.removeFile('processed', f.table, key)], p.config);
      for (const e of events) await p.events.append(e);
      for (const spec of await jobRuns(jobs, p)) await p.queue.enqueue(spec);
      dropped++;
    }
    return { queued, dropped };
  }
}
