/**
 * A zone that is not a local folder, as an S3 bucket is to the engine: it has
 * no local paths, so every reader must materialize a copy through `get`. It
 * keeps its objects in a folder only to have somewhere to keep them, and
 * counts the copies it hands out and those not yet cleaned up.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WrappedStore } from './wrapped-store.js';

export class RemoteLikeStore extends WrappedStore {
  materialized = 0;
  readonly live = new Set<string>();

  override get location(): string {
    return `remote://${this.inner.location}`;
  }
  override localPath(): undefined {
    return undefined;
  }
  override uri(key: string): string {
    return `remote://${key}`;
  }

  override async materialize(key: string, tmpDir: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
    await fs.mkdir(tmpDir, { recursive: true });
    const file = path.join(tmpDir, `copy-${++this.materialized}-${path.basename(key)}`);
    await pipeline(await this.inner.get(key), createWriteStream(file));
    this.live.add(file);
    return {
      path: file,
      cleanup: async () => {
        await fs.rm(file, { force: true });
        this.live.delete(file);
      },
    };
  }
}
