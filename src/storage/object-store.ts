/**
 * One interface for every zone backend (a local folder, an S3 prefix). It
 * promises atomic puts (a reader never sees half an object) without relying on
 * rename: a backend may implement atomicity however it can.
 */
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  /** Last modification, ms since the epoch. */
  modifiedMs: number;
  /** Cheap change marker (size+mtime, or an ETag); equal tags mean unchanged content. */
  tag: string;
}

export interface ObjectStat extends ObjectInfo {
  /** Hex SHA-256 of the content. */
  sha256: string;
}

export interface ObjectStore {
  /** Human description used in messages, e.g. `data/raw` or `s3://bucket/raw`. */
  readonly location: string;
  /** Write an object atomically from bytes or a stream; returns its stat. */
  put(key: string, body: Uint8Array | string | Readable): Promise<ObjectStat>;
  /** Write an object atomically from a local file (the file is left in place). */
  putFile(key: string, localPath: string): Promise<ObjectStat>;
  /** Read an object as a stream; ObjectNotFoundError if it does not exist. */
  get(key: string): Promise<Readable>;
  /** Info without hashing, or undefined. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Info with content hash, or undefined. */
  stat(key: string): Promise<ObjectStat | undefined>;
  /** All objects under a prefix ('' for everything), in key order. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /** Copy an object within this store, atomically at the destination. */
  copy(fromKey: string, toKey: string): Promise<ObjectStat>;
  /**
   * Copy an object of another store here without passing its bytes through
   * this process (S3 to S3: inside S3), atomically at the destination; a
   * store that cannot for this source (another kind of store), or at all
   * (no such method), leaves the caller to stream it with `get` and `put`.
   */
  copyFrom?(source: ObjectStore, fromKey: string, toKey: string): Promise<ObjectInfo | undefined>;
  /** Remove an object; no error if it is absent. */
  delete(key: string): Promise<void>;
  /**
   * A local file path holding the object's bytes, for engines that read files.
   * Local stores return the object itself; remote stores download to `tmpDir`
   * and return `cleanup` to remove the copy.
   */
  materialize(key: string, tmpDir: string): Promise<{ path: string; cleanup: () => Promise<void> }>;
  /**
   * The object's own file when the store is a local folder, for engines that
   * read it in place; undefined for a remote store, whose objects an engine
   * reads through `materialize`. Nothing is checked: the file may be gone.
   */
  localPath(key: string): string | undefined;
  /** A URI for readers outside Sluice (Athena DDL, manifests, table locations). */
  uri(key: string): string;
}
