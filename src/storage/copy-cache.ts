/**
 * Local copies of a remote zone's files (S3 objects) for the engine, kept
 * between queries: a query over S3 tables downloads each file once, not once
 * per query. Local folders never come here; their files are read in place.
 *
 * - Copies are named by their content's SHA-256 (`<sha256><ext>` in the
 *   cache folder), which the catalog records for every file: a replaced file
 *   has a new hash and is fetched again, and an unchanged one is never
 *   compared with its source. A download is hashed on its way in and kept
 *   only if it has the hash asked for (a file replaced since the catalog
 *   noted it is used for that query and not kept).
 * - The folder is bounded in bytes (`defaults.queryCacheBytes`): past it, the
 *   copies used least recently (their modification time, renewed on each
 *   use, so every process sharing the folder sees it) are removed, never one
 *   this process has in use. A file larger than the bound is not kept.
 * - A caller gets a hard link to the copy in its own scratch folder: a copy
 *   removed meanwhile (by another process's eviction) leaves the caller's link
 *   and its bytes alone. Where links are not possible (another file system),
 *   the copy is copied.
 * - Two queries of this process needing one file download it once; two
 *   processes may both download it, and the second rename replaces the first
 *   with the same bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from './object-store.js';

/** A local path holding a file's bytes, the caller's until `release`. */
export interface LocalCopy {
  path: string;
  release(): Promise<void>;
}

const COPY_NAME = /^([0-9a-f]{64})(\.[A-Za-z0-9]{1,16})?$/;

export class LocalCopyCache {
  /** Copies this process has handed out and not yet had back, by hash. */
  private readonly inUse = new Map<string, number>();
  /** Downloads under way, by hash: a second caller waits for the first. */
  private readonly downloads = new Map<string, Promise<string | undefined>>();

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /**
   * The bytes of `key` in `store`, whose content the catalog says hashes to
   * `sha256` (and whose size is `bytes`, when known), as a file in
   * `scratchDir`: from the cache, or downloaded into it. The copy is not
   * evicted until `release`.
   */
  async acquire(store: ObjectStore, key: string, sha256: string, scratchDir: string, bytes?: number): Promise<LocalCopy> {
    await fs.mkdir(scratchDir, { recursive: true });
    const ext = extensionOf(key);
    const file = path.join(this.dir, `${sha256}${ext}`);
    const link = path.join(scratchDir, `${randomBytes(6).toString('hex')}-${sha256.slice(0, 16)}${ext}`);
    this.pin(sha256);
    try {
      if (this.maxBytes > 0 && (bytes ?? 0) <= this.maxBytes && /^[0-9a-f]{64}$/.test(sha256)) {
        // A copy another process removed between the look and the link is simply fetched again.
        if ((await linkOrCopy(file, link)) || ((await this.fetch(store, key, sha256, file, scratchDir)) && (await linkOrCopy(file, link)))) {
          await fs.utimes(file, new Date(), new Date()).catch(() => {});
          return { path: link, release: () => this.release(sha256, link) };
        }
      }
      // Not kept (no cache, a file larger than it, or content other than the catalog's): a copy of the caller's own.
      await this.download(store, key, link);
      return { path: link, release: () => this.release(sha256, link) };
    } catch (err) {
      await this.release(sha256, link);
      throw err;
    }
  }

  /** Download `key` into the cache as `file`, once per hash at a time; whether it was kept. */
  private fetch(store: ObjectStore, key: string, sha256: string, file: string, scratchDir: string): Promise<string | undefined> {
    let pending = this.downloads.get(sha256);
    if (!pending) {
      pending = (async () => {
        await fs.mkdir(this.dir, { recursive: true });
        const temp = path.join(scratchDir, `.download-${randomBytes(6).toString('hex')}`);
        try {
          const { sha256: actual, bytes } = await this.download(store, key, temp);
          if (actual !== sha256 || bytes > this.maxBytes) return undefined;
          await moveInto(temp, file);
          await this.evict();
          return file;
        } finally {
          await fs.rm(temp, { force: true });
        }
      })().finally(() => this.downloads.delete(sha256));
      this.downloads.set(sha256, pending);
    }
    return pending;
  }

  private async download(store: ObjectStore, key: string, target: string): Promise<{ sha256: string; bytes: number }> {
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        await store.get(key),
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(target),
      );
    } catch (err) {
      await fs.rm(target, { force: true });
      throw err;
    }
    return { sha256: hash.digest('hex'), bytes };
  }

  private pin(sha256: string): void {
    this.inUse.set(sha256, (this.inUse.get(sha256) ?? 0) + 1);
  }

  private async release(sha256: string, link: string): Promise<void> {
    const left = (this.inUse.get(sha256) ?? 1) - 1;
    if (left > 0) this.inUse.set(sha256, left);
    else this.inUse.delete(sha256);
    await fs.rm(link, { force: true });
    if (this.overBound) await this.evict();
  }

  /** Set when copies in use kept the folder over its bound: the next release tries again. */
  private overBound = false;

  /** Remove the least recently used copies not in use here until the folder is within its bound. */
  private async evict(): Promise<void> {
    const copies: { file: string; sha256: string; bytes: number; usedMs: number }[] = [];
    for (const name of await fs.readdir(this.dir).catch(() => [] as string[])) {
      const m = COPY_NAME.exec(name);
      if (!m) continue;
      const file = path.join(this.dir, name);
      const st = await fs.stat(file).catch(() => undefined);
      if (st) copies.push({ file, sha256: m[1] as string, bytes: st.size, usedMs: st.mtimeMs });
    }
    let total = copies.reduce((sum, c) => sum + c.bytes, 0);
    copies.sort((a, b) => a.usedMs - b.usedMs);
    for (const c of copies) {
      if (total <= this.maxBytes) break;
      if (this.inUse.has(c.sha256)) continue;
      await fs.rm(c.file, { force: true });
      total -= c.bytes;
    }
    this.overBound = total > this.maxBytes;
  }
}

/** The key's extension (engines pick a reader by it), when it is a plain one. */
function extensionOf(key: string): string {
  const ext = path.posix.extname(key);
  return /^\.[A-Za-z0-9]{1,16}$/.test(ext) ? ext : '';
}

/** Link `file` at `link` (a copy across file systems); false when `file` is not there. */
async function linkOrCopy(file: string, link: string): Promise<boolean> {
  try {
    await fs.link(file, link);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err;
  }
  try {
    await fs.copyFile(file, link);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** Move a finished download into the cache folder atomically (rename, or copy and rename across file systems). */
async function moveInto(temp: string, file: string): Promise<void> {
  try {
    await fs.rename(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const staged = `${file}.${randomBytes(6).toString('hex')}.partial`;
    await fs.copyFile(temp, staged);
    await fs.rename(staged, file);
  }
}
