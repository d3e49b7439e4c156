/** An object store that hands every call to another one: test stores override only what they change. */
import type { Readable } from 'node:stream';
import type { ObjectInfo, ObjectStat, ObjectStore } from '../../src/storage/object-store.js';

export class WrappedStore implements ObjectStore {
  constructor(protected readonly inner: ObjectStore) {}

  get location(): string {
    return this.inner.location;
  }
  put(key: string, body: Uint8Array | string | Readable): Promise<ObjectStat> {
    return this.inner.put(key, body);
  }
  putFile(key: string, localPath: string): Promise<ObjectStat> {
    return this.inner.putFile(key, localPath);
  }
  copy(fromKey: string, toKey: string): Promise<ObjectStat> {
    return this.inner.copy(fromKey, toKey);
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
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  materialize(key: string, tmpDir: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
    return this.inner.materialize(key, tmpDir);
  }
  localPath(key: string): string | undefined {
    return this.inner.localPath(key);
  }
  uri(key: string): string {
    return this.inner.uri(key);
  }
}
