/**
 * The folder watcher: the local stand-in for S3 event notifications. A file
 * counts once it is fully written: atomic renames (ingest, upload API) are
 * seen at once, files copied in place are seen when their size stops changing.
 */
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { Logger } from '../stages/deps.js';
import { TEMP_PREFIX } from '../storage/local/local-object-store.js';

export interface RawWatcher {
  close(): Promise<void>;
}

export function watchRawFolder(root: string, onObject: (key: string) => void, log: Logger): Promise<RawWatcher> {
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    ignored: (p: string) => path.basename(p).startsWith(TEMP_PREFIX),
    awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 30 },
  });
  const handle = (file: string) => {
    const key = path.relative(root, file).split(path.sep).join('/');
    onObject(key);
  };
  watcher.on('add', handle);
  watcher.on('change', handle);
  watcher.on('error', (err) => log.error('watcher error', { error: String(err) }));
  return new Promise((resolve) => {
    watcher.on('ready', () => resolve({ close: () => watcher.close() }));
  });
}
