/**
 * The folder watcher: the local stand-in for S3 event notifications. It only
 * reports that a file appeared or changed; when the file counts as written is
 * the settle gate's decision (settle.ts). Temp names are not reported at all.
 */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { isTempName } from '../../core/keys.js';
import type { Logger } from '../../stages/deps.js';

export interface RawWatcher {
  close(): Promise<void>;
}

export function watchRawFolder(root: string, onChange: (key: string) => void, log: Logger): Promise<RawWatcher> {
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    // Judged below the root only: a raw folder may itself have any name.
    ignored: (p: string) => {
      const rel = path.relative(root, p);
      return rel !== '' && !rel.startsWith('..') && rel.split(path.sep).some(isTempName);
    },
  });
  const handle = (file: string) => {
    const key = path.relative(root, file).split(path.sep).join('/');
    onChange(key);
  };
  watcher.on('add', handle);
  watcher.on('change', handle);
  watcher.on('error', (err) => log.error('watcher error', { error: String(err) }));
  return new Promise((resolve) => {
    watcher.on('ready', () => resolve({ close: () => watcher.close() }));
  });
}
