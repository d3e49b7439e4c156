/**
 * Zone on a local folder. Puts go to a hidden temp file in the target folder
 * and are renamed into place, so readers and the watcher see whole files only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError, StorageError } from '../../core/errors.js';
import { isHiddenKey, validateKey } from '../../core/keys.js';
import type { ObjectInfo, ObjectStat, ObjectStore } from '../object-store.js';

export const TEMP_PREFIX = '.sluice-tmp-';

/**
 * A temp file's name: short (the object's own name may already be at the
 * 255-byte limit) and carrying the writer's pid, so temps left by a process
 * that died can be told from those of one still writing.
 */
export function tempName(): string {
  return `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The pid in a temp file's name, or undefined when the name is not one of ours. */
export function tempOwner(name: string): number | undefined {
  if (!name.startsWith(TEMP_PREFIX)) return undefined;
  const pid = Number(/^(\d+)-[0-9a-f]+$/.exec(name.slice(TEMP_PREFIX.length))?.[1]);
  return pid > 0 ? pid : undefined;
}

/** A file-system error's own text without the path it names (`ENOSPC: no space left on device, write`). */
function withoutPath(err: unknown): string {
  const { message, syscall = '' } = err as NodeJS.ErrnoException;
  const at = syscall && message ? message.indexOf(`, ${syscall} '`) : -1;
  return at > 0 ? message.slice(0, at + syscall.length + 2) : String(message);
}

/**
 * `mkdir -p`, saying why it failed: on a read-only file system Node's
 * recursive mkdir reports ENOENT for the first missing folder; the nearest
 * folder that exists tells the real reason (EROFS, EACCES).
 */
async function makeFolder(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let existing = path.dirname(dir);
    while (path.dirname(existing) !== existing && !(await isFolder(existing))) existing = path.dirname(existing);
    await fs.access(existing, fs.constants.W_OK);
    throw err;
  }
}

function isFolder(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (st) => st.isDirectory(),
    () => false,
  );
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

export class LocalObjectStore implements ObjectStore {
  /** Hashes keyed by path and change tag, so re-stat of an unchanged file does not re-read it. */
  private readonly hashes = new Map<string, { tag: string; sha256: string }>();

  /** `label` names the zone in messages (its folder as configured, `data/raw`): messages reach HTTP clients, absolute server paths should not. */
  constructor(
    readonly root: string,
    private readonly label = root,
  ) {}

  get location(): string {
    return this.root;
  }

  private pathOf(key: string): string {
    validateKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private wrap(err: unknown, key: string, action: string): never {
    const code = (err as NodeJS.ErrnoException).code;
    // A write's ENOENT is a folder that vanished or could not be made, never a missing object.
    if (code === 'ENOENT' && action !== 'write') throw new ObjectNotFoundError(key, this.label, { cause: err });
    throw new StorageError(`cannot ${action} "${key}" in ${this.label}: ${withoutPath(err)}`, key, { cause: err });
  }

  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>): Promise<ObjectStat> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    const tmp = path.join(dir, tempName());
    try {
      await makeFolder(dir);
      await write(tmp);
      await fs.rename(tmp, target);
    } catch (err) {
      // The write's own error is the one to report, not a failed clean-up (ENOTDIR when the folder could not be made).
      await fs.rm(tmp, { force: true }).catch(() => {});
      this.wrap(err, key, 'write');
    }
    const st = await this.stat(key);
    if (!st) throw new StorageError(`"${key}" vanished right after it was written to ${this.label}`, key);
    return st;
  }

  put(key: string, body: Uint8Array | string | Readable): Promise<ObjectStat> {
    return this.writeAtomically(key, async (tmp) => {
      const source = body instanceof Readable ? body : Readable.from([typeof body === 'string' ? Buffer.from(body) : body]);
      await pipeline(source, createWriteStream(tmp, { flags: 'wx' }));
    });
  }

  async putFile(key: string, localPath: string): Promise<ObjectStat> {
    await fs.access(localPath).catch((err) => {
      throw new StorageError(`cannot write "${key}" to ${this.label}: the local file ${localPath} cannot be read (${withoutPath(err)})`, key, {
        cause: err,
      });
    });
    return this.writeAtomically(key, (tmp) => fs.copyFile(localPath, tmp));
  }

  /** The object's file; ObjectNotFoundError when absent or when the key names a folder. */
  private async fileOf(key: string): Promise<string> {
    const file = this.pathOf(key);
    const st = await fs.stat(file).catch((err) => this.wrap(err, key, 'read'));
    if (!st.isFile()) throw new ObjectNotFoundError(key, this.label);
    return file;
  }

  async get(key: string): Promise<Readable> {
    const handle = await fs.open(await this.fileOf(key), 'r').catch((err) => this.wrap(err, key, 'read'));
    return handle.createReadStream();
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.pathOf(key);
    try {
      const st = await fs.stat(file);
      if (!st.isFile()) return undefined;
      return { key, size: st.size, modifiedMs: Math.floor(st.mtimeMs), tag: `${st.size}-${st.mtimeMs}-${st.ino}` };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      return this.wrap(err, key, 'stat');
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const info = await this.head(key);
    if (!info) return undefined;
    const cached = this.hashes.get(key);
    if (cached && cached.tag === info.tag) return { ...info, sha256: cached.sha256 };
    const sha256 = await sha256File(this.pathOf(key)).catch((err) => this.wrap(err, key, 'hash'));
    this.hashes.set(key, { tag: info.tag, sha256 });
    return { ...info, sha256 };
  }

  /** Every file below the root, as its key (`/`-separated) and path; temp files included. A folder gone meanwhile is skipped. */
  private async files(): Promise<{ key: string; name: string; file: string }[]> {
    const found: { key: string; name: string; file: string }[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), key);
        else if (e.isFile()) found.push({ key, name: e.name, file: path.join(dir, e.name) });
      }
    };
    await walk(this.root, '');
    return found;
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    const keys = (await this.files())
      .filter((f) => !f.name.startsWith(TEMP_PREFIX) && f.key.startsWith(prefix) && !f.key.split('/').some((p) => p.startsWith(TEMP_PREFIX)))
      .map((f) => f.key)
      .sort();
    for (const key of keys) {
      if (isHiddenKey(key) && !prefix.startsWith('.')) continue;
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async copy(fromKey: string, toKey: string): Promise<ObjectStat> {
    const from = await this.fileOf(fromKey);
    return this.writeAtomically(toKey, (tmp) => fs.copyFile(from, tmp));
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
    this.hashes.delete(key);
  }

  /**
   * Remove the temp files that writers which are gone left in this zone (a
   * process killed mid-write): `isGone(pid)` says whether a temp's writer is
   * gone. Temps of live writers, and ones whose name carries no pid, are kept.
   * Returns the removed files' paths relative to the root.
   */
  async removeTempsOf(isGone: (pid: number) => boolean): Promise<string[]> {
    const removed: string[] = [];
    for (const f of await this.files()) {
      const pid = tempOwner(f.name);
      if (pid === undefined || pid === process.pid || !isGone(pid)) continue;
      await fs.rm(f.file, { force: true });
      removed.push(f.key);
    }
    return removed;
  }

  async materialize(key: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
    return { path: await this.fileOf(key), cleanup: async () => {} };
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  uri(key: string): string {
    return this.pathOf(key);
  }
}
