/**
 * A zone that is not a local folder, as an S3 bucket is to the engine: it has
 * no local paths, so every reader must materialize a copy through `get`. It
 * keeps its objects in a folder only to have somewhere to keep them, and
 * counts the copies it hands out and those not yet cleaned up.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectInfo, ObjectStat, ObjectStore } from '../../src/storage/object-store.js';

export class RemoteLikeStore implements ObjectStore {
  materialized = 0;
  readonly live = new Set<string>();

  constructor(private readonly inner: ObjectStore) {}

  get location(): string {
    return `remote://${this.inner.location}`;
  }
  put(key: string, body: Uint8Array | string | Readable): Promise<ObjectStat> {
    return this.inner.put(key, body);
  }
  putFile(key: string, localPath: string): Promise<ObjectStat> {
    return this.inner.putFile(key, localPath);
  }
  get(key: string): Promise<Readable> {
    return this.inner.get(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  stat(key: string): Promise<ObjectStat | undefined> {
    return this.inner.stat(key);
  }
  list(prefix?: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }
  copy(fromKey: string, toKey: string): Promise<ObjectStat> {
    return this.inner.copy(fromKey, toKey);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  localPath(): undefined {
    return undefined;
  }
  uri(key: string): string {
    return `remote://${key}`;
  }

  async materialize(key: string, tmpDir: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
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
