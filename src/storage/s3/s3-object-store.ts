/**
 * A zone in an S3 bucket (or any S3-compatible store: MinIO, Ceph, R2) under
 * a key prefix, behind the same ObjectStore port as a local folder.
 *
 * - Writes are atomic as S3 makes them: an object appears whole when its
 *   PutObject, or its multipart upload, completes; a failed upload is aborted
 *   and leaves nothing.
 * - Each object written here carries its SHA-256 as user metadata
 *   (`x-amz-meta-sha256`), so `stat` need not read it back. A body of unknown
 *   length is spooled to scratch space while it is hashed, since metadata must
 *   be sent before the body. Objects written by others are hashed on `stat`.
 * - Copies stay inside S3 (CopyObject; UploadPartCopy in parts past S3's
 *   5 GiB limit on one copy, aborted on failure): a copy, also from another
 *   S3 zone (`copyFrom`), never passes its bytes through this process, so an
 *   object too large to download can still be quarantined.
 * - A missing key is the store's ObjectNotFoundError, with S3's error as its
 *   cause; other failures are StorageErrors naming the key and the S3 error
 *   code, never credentials. The SDK retries throttling and 5xx answers with
 *   backoff as `../aws-retry.ts` states (5 attempts, or `AWS_MAX_ATTEMPTS`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ObjectNotFoundError, StorageError } from '../../core/errors.js';
import { validateKey } from '../../core/keys.js';
import { scrubAwsError } from '../aws-errors.js';
import type { ObjectInfo, ObjectStat, ObjectStore } from '../object-store.js';
import { s3ClientConfig } from './client.js';

/** Bodies up to this size go in one PutObject; larger ones in parts of this size. */
const PART_BYTES = 8 * 1024 * 1024;
const SHA256_META = 'sha256';

/** How objects are copied inside S3: one CopyObject up to `singleMax` bytes (S3's limit: 5 GiB), else parts of `partBytes`. */
export interface CopyLimits {
  singleMax: number;
  partBytes: number;
}
const COPY_LIMITS: CopyLimits = { singleMax: 5 * 1024 ** 3, partBytes: 512 * 1024 ** 2 };
/** S3's limit on the parts of one multipart upload. */
const MAX_PARTS = 10_000;
/** Parts copied at once. */
const COPY_CONCURRENCY = 4;

export interface S3Location {
  bucket: string;
  /** The zone's key prefix in the bucket, '' or ending with '/'. */
  prefix: string;
}

/** `s3://bucket/some/prefix` → bucket and prefix (with a trailing '/'); undefined for anything else. */
export function parseS3Uri(uri: string): S3Location | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!m) return undefined;
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: m[1] as string, prefix: prefix ? `${prefix}/` : '' };
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;

  private readonly tmpDir: string;
  private readonly copyLimits: CopyLimits;

  /** `copyLimits` is for tests, which copy in parts without 5 GiB objects. */
  constructor(
    readonly where: S3Location,
    opts: { client?: S3Client; tmpDir?: string; copyLimits?: CopyLimits } = {},
  ) {
    this.client = opts.client ?? new S3Client(s3ClientConfig());
    this.tmpDir = opts.tmpDir ?? os.tmpdir();
    this.copyLimits = opts.copyLimits ?? COPY_LIMITS;
  }

  get location(): string {
    return `s3://${this.where.bucket}/${this.where.prefix}`.replace(/\/$/, '');
  }

  private keyOf(key: string): string {
    return `${this.where.prefix}${validateKey(key)}`;
  }

  /** S3's answer as one of ours: a miss is ObjectNotFoundError, anything else a StorageError with S3's code. */
  private fail(err: unknown, key: string, action: string): never {
    scrubAwsError(err);
    if (isMissing(err)) throw new ObjectNotFoundError(key, this.location, { cause: err });
    const code = err instanceof S3ServiceException ? `${errorCode(err)} (HTTP ${err.$metadata.httpStatusCode ?? '?'})` : (err as Error).message;
    throw new StorageError(`cannot ${action} "${key}" in ${this.location}: ${code}`, key, { cause: err });
  }

  async put(key: string, body: Uint8Array | string | Readable): Promise<ObjectStat> {
    const target = this.keyOf(key);
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return this.upload(key, target, bytes, bytes.length, createHash('sha256').update(bytes).digest('hex'));
    }
    // Metadata goes before the body: spool the stream to scratch space while hashing it, then upload the copy.
    return this.withSpool(async (file) => {
      const hash = createHash('sha256');
      let size = 0;
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(file),
      ).catch((err) => this.fail(err, key, 'write'));
      return this.uploadFile(key, target, file, size, hash.digest('hex'));
    });
  }

  async putFile(key: string, localPath: string): Promise<ObjectStat> {
    const target = this.keyOf(key);
    const st = await fs.stat(localPath).catch((err) => this.fail(err, key, 'read the local file for'));
    const hash = createHash('sha256');
    await pipeline(createReadStream(localPath), hash).catch((err) => this.fail(err, key, 'read the local file for'));
    return this.uploadFile(key, target, localPath, st.size, hash.digest('hex'));
  }

  private async withSpool<T>(fn: (file: string) => Promise<T>): Promise<T> {
    await fs.mkdir(this.tmpDir, { recursive: true });
    const file = path.join(this.tmpDir, `.sluice-s3-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      return await fn(file);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  private uploadFile(key: string, target: string, file: string, size: number, sha256: string): Promise<ObjectStat> {
    return this.upload(key, target, size <= PART_BYTES ? undefined : createReadStream(file), size, sha256, file);
  }

  /** One PutObject for a small body, a multipart upload (aborted on failure, so nothing shows) for a large one. */
  private async upload(key: string, target: string, bytes: Buffer | Readable | undefined, size: number, sha256: string, file?: string): Promise<ObjectStat> {
    const body = bytes ?? (file ? await fs.readFile(file) : Buffer.alloc(0));
    try {
      await new Upload({
        client: this.client,
        params: {
          Bucket: this.where.bucket,
          Key: target,
          Body: body,
          ContentLength: Buffer.isBuffer(body) ? body.length : undefined,
          Metadata: { [SHA256_META]: sha256 },
        },
        partSize: PART_BYTES,
        queueSize: 2,
        leavePartsOnError: false,
      }).done();
    } catch (err) {
      this.fail(err, key, 'write');
    }
    const info = await this.head(key);
    if (!info) throw new StorageError(`"${key}" in ${this.location} is missing right after it was written`, key);
    return { ...info, size, sha256 };
  }

  async get(key: string): Promise<Readable> {
    const target = this.keyOf(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.where.bucket, Key: target }));
      return out.Body as Readable;
    } catch (err) {
      return this.fail(err, key, 'read');
    }
  }

  private async headRaw(key: string): Promise<HeadObjectCommandOutput | undefined> {
    const target = this.keyOf(key);
    try {
      return await this.client.send(new HeadObjectCommand({ Bucket: this.where.bucket, Key: target }));
    } catch (err) {
      if (isMissing(err)) return undefined;
      return this.fail(err, key, 'look up');
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const out = await this.headRaw(key);
    return out && infoOf(key, out.ContentLength, out.LastModified, out.ETag);
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    const out = await this.headRaw(key);
    if (!out) return undefined;
    const info = infoOf(key, out.ContentLength, out.LastModified, out.ETag);
    const stored = out.Metadata?.[SHA256_META];
    if (stored && /^[0-9a-f]{64}$/.test(stored)) return { ...info, sha256: stored };
    // Written by someone else: read it once to hash it.
    const hash = createHash('sha256');
    try {
      await pipeline(await this.get(key), hash);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
    return { ...info, sha256: hash.digest('hex') };
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    const keys: ObjectInfo[] = [];
    do {
      let out: ListObjectsV2CommandOutput;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.where.bucket, Prefix: `${this.where.prefix}${prefix}`, ContinuationToken: token }),
        );
      } catch (err) {
        this.fail(err, prefix, 'list');
      }
      for (const o of out.Contents ?? []) {
        const key = o.Key?.slice(this.where.prefix.length);
        // Folder markers (`a/`, made by consoles) and keys no zone could hold are not objects of this zone.
        if (!key || key.endsWith('/') || !isValidKey(key)) continue;
        keys.push(infoOf(key, o.Size, o.LastModified, o.ETag));
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    // S3 lists in UTF-8 byte order; the port promises the order keys sort in.
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  async copy(fromKey: string, toKey: string): Promise<ObjectStat> {
    await this.copyInside(this, fromKey, toKey);
    const stat = await this.stat(toKey);
    if (!stat) throw new StorageError(`"${toKey}" in ${this.location} is missing right after it was copied`, toKey);
    return stat;
  }

  /** A copy from another S3 zone made inside S3; undefined when `source` is not an S3 zone (the caller streams it). */
  async copyFrom(source: ObjectStore, fromKey: string, toKey: string): Promise<ObjectInfo | undefined> {
    if (!(source instanceof S3ObjectStore)) return undefined;
    await this.copyInside(source, fromKey, toKey);
    const info = await this.head(toKey);
    if (!info) throw new StorageError(`"${toKey}" in ${this.location} is missing right after it was copied`, toKey);
    return info;
  }

  /**
   * Copy `fromKey` of `source` to `toKey` here, with its metadata, inside S3.
   * Every request names the source's ETag, so a source replaced meanwhile
   * fails the copy rather than mixing two versions; a copy in parts that
   * fails is aborted, and nothing shows at `toKey`.
   */
  private async copyInside(source: S3ObjectStore, fromKey: string, toKey: string): Promise<void> {
    const from = source.keyOf(fromKey);
    const target = this.keyOf(toKey);
    const copySource = `${source.where.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    const head = await source.headRaw(fromKey);
    if (!head) throw new ObjectNotFoundError(fromKey, source.location);
    const size = head.ContentLength ?? 0;
    const at = { Bucket: this.where.bucket, Key: target };
    const fail = (err: unknown) =>
      err instanceof ObjectNotFoundError ? Promise.reject(err) : this.fail(err, fromKey, `copy to "${toKey}" in ${this.location}`);
    if (size <= this.copyLimits.singleMax) {
      await this.client
        .send(new CopyObjectCommand({ ...at, CopySource: copySource, CopySourceIfMatch: head.ETag, MetadataDirective: 'COPY' }))
        .catch((err: unknown) => (isMissing(err) ? Promise.reject(new ObjectNotFoundError(fromKey, source.location, { cause: err })) : fail(err)));
      return;
    }
    const started = await this.client
      .send(new CreateMultipartUploadCommand({ ...at, Metadata: head.Metadata, ContentType: head.ContentType }))
      .catch((err: unknown) => fail(err));
    const partBytes = Math.max(this.copyLimits.partBytes, Math.ceil(size / MAX_PARTS));
    const ranges = Array.from({ length: Math.ceil(size / partBytes) }, (_, i) => ({
      PartNumber: i + 1,
      range: `bytes=${i * partBytes}-${Math.min(size, (i + 1) * partBytes) - 1}`,
    }));
    const parts: { PartNumber: number; ETag?: string }[] = [];
    try {
      let next = 0;
      let failed = false;
      const worker = async () => {
        for (let part = ranges[next++]; part && !failed; part = ranges[next++]) {
          const out = await this.client.send(
            new UploadPartCopyCommand({
              ...at,
              UploadId: started.UploadId,
              PartNumber: part.PartNumber,
              CopySource: copySource,
              CopySourceRange: part.range,
              CopySourceIfMatch: head.ETag,
            }),
          );
          parts.push({ PartNumber: part.PartNumber, ETag: out.CopyPartResult?.ETag });
        }
      };
      const stopOnFailure = (err: unknown) => {
        failed = true;
        throw err;
      };
      await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, ranges.length) }, () => worker().catch(stopOnFailure)));
      parts.sort((a, b) => a.PartNumber - b.PartNumber);
      await this.client.send(new CompleteMultipartUploadCommand({ ...at, UploadId: started.UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ ...at, UploadId: started.UploadId })).catch(() => {});
      await fail(err);
    }
  }

  async delete(key: string): Promise<void> {
    const target = this.keyOf(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.where.bucket, Key: target }));
    } catch (err) {
      if (!isMissing(err)) this.fail(err, key, 'delete');
    }
  }

  async materialize(key: string, tmpDir: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
    const body = await this.get(key);
    await fs.mkdir(tmpDir, { recursive: true });
    // The copy keeps the object's extension (engines pick a reader by it); a long name is not carried over whole.
    const base = path.posix.basename(key);
    const name =
      Buffer.byteLength(base) <= 200 ? base : `${createHash('sha256').update(base).digest('hex').slice(0, 16)}${path.posix.extname(base).slice(0, 20)}`;
    const file = path.join(tmpDir, `s3-${randomBytes(6).toString('hex')}-${name}`);
    try {
      await pipeline(body, createWriteStream(file));
    } catch (err) {
      await fs.rm(file, { force: true });
      this.fail(err, key, 'download');
    }
    return { path: file, cleanup: () => fs.rm(file, { force: true }) };
  }

  localPath(): undefined {
    return undefined;
  }

  uri(key: string): string {
    return `s3://${this.where.bucket}/${this.where.prefix}${key}`;
  }
}

/** S3's error code; an answer without one (S3 answers a HEAD with a status only) is named by its HTTP status: `Forbidden`. */
function errorCode(err: S3ServiceException): string {
  if (err.name !== 'Unknown' && !/^\d+$/.test(err.name)) return err.name;
  return STATUS_CODES[err.$metadata.httpStatusCode ?? 0]?.replace(/\W/g, '') ?? err.name;
}

function isMissing(err: unknown): boolean {
  if (!(err instanceof S3ServiceException)) return false;
  // A missing bucket is a 404 too, but a configuration mistake, not a missing object.
  return err.name !== 'NoSuchBucket' && (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404);
}

function isValidKey(key: string): boolean {
  try {
    validateKey(key);
    return true;
  } catch {
    return false;
  }
}

function infoOf(key: string, size: number | undefined, modified: Date | undefined, etag: string | undefined): ObjectInfo {
  return { key, size: size ?? 0, modifiedMs: modified?.getTime() ?? 0, tag: etag ?? `${size}-${modified?.getTime()}` };
}
