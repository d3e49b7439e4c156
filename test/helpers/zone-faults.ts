/**
 * Faults in a zone folder: a full disk and a read-only file system. As root
 * the real thing is mounted over the folder (a small tmpfs; a read-only bind
 * mount, since root ignores permission bits); where mounting is not permitted,
 * a store wrapper fails writes with the same errno inside the process.
 * SLUICE_FAULT_NO_MOUNT=1 forces the wrapper, to check that path here too.
 */
import { execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ObjectStat, ObjectStore } from '../../src/storage/object-store.js';
import { WrappedStore } from './wrapped-store.js';

export type ZoneFault = 'full' | 'read-only';

export interface MountedFault {
  how: 'tmpfs' | 'bind mount';
  /** Make the folder writable with room again (the files written meanwhile stay). */
  clear(): void;
  /** Undo the mount (afterAll). */
  unmount(): void;
}

function run(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Mount the fault over `folder` (which should be empty), or undefined when mounting is not permitted here. */
export function mountFault(folder: string, fault: ZoneFault): MountedFault | undefined {
  if (process.env.SLUICE_FAULT_NO_MOUNT === '1') return undefined;
  if (fault === 'full') {
    // 64 KB: room for a small file, not for a processed or published Parquet of a few thousand rows.
    if (!run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', folder])) return undefined;
    return {
      how: 'tmpfs',
      clear: () => execFileSync('mount', ['-o', 'remount,size=256m', folder]),
      unmount: () => run('umount', [folder]),
    };
  }
  if (!run('mount', ['--bind', folder, folder])) return undefined;
  if (!run('mount', ['-o', 'remount,ro,bind', folder])) {
    run('umount', [folder]);
    return undefined;
  }
  let mounted = true;
  const unmount = () => {
    if (mounted) run('umount', [folder]);
    mounted = false;
  };
  return { how: 'bind mount', clear: unmount, unmount };
}

/** A store whose writes fail with ENOSPC or EROFS while `failing` is set, as the disk would. */
export class FailingWritesStore extends WrappedStore {
  failing = true;

  constructor(
    inner: ObjectStore,
    private readonly fault: ZoneFault,
  ) {
    super(inner);
  }

  private check(key: string): void {
    if (!this.failing) return;
    const [code, text] = this.fault === 'full' ? ['ENOSPC', 'no space left on device'] : ['EROFS', 'read-only file system'];
    // Through the inner store's own error wrapping, as a failing write would be.
    throw Object.assign(new Error(`cannot write "${key}" in ${this.inner.location}: ${code}: ${text}, write`), { code });
  }

  override async put(key: string, body: Uint8Array | string | Readable): Promise<ObjectStat> {
    this.check(key);
    return this.inner.put(key, body);
  }

  override async putFile(key: string, localPath: string): Promise<ObjectStat> {
    this.check(key);
    return this.inner.putFile(key, localPath);
  }

  override async copy(fromKey: string, toKey: string): Promise<ObjectStat> {
    this.check(toKey);
    return this.inner.copy(fromKey, toKey);
  }
}
