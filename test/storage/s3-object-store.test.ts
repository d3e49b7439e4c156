/**
 * The S3 store against a real S3 protocol server (s3rver on loopback, started
 * here): the whole object-store contract, then what only S3 has (prefixes in
 * a bucket, objects written by others, a missing bucket).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, StorageError } from '../../src/core/errors.js';
import { LocalObjectStore } from '../../src/storage/local/local-object-store.js';
import { parseS3Uri, S3ObjectStore } from '../../src/storage/s3/s3-object-store.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';
import { objectStoreContract, readAll } from './object-store.contract.js';

let s3: RunningS3;
let zones = 0;

beforeAll(async () => {
  s3 = await startS3(['sluice-test']);
});
afterAll(async () => {
  await s3?.stop();
});

/** Every object under a prefix goes when a test ends. */
async function emptyPrefix(prefix: string): Promise<void> {
  const client = s3.client();
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'sluice-test', Prefix: prefix }));
  const objects = (listed.Contents ?? []).map((o) => ({ Key: o.Key as string }));
  if (objects.length) await client.send(new DeleteObjectsCommand({ Bucket: 'sluice-test', Delete: { Objects: objects } }));
}

objectStoreContract('S3ObjectStore (s3rver)', async () => {
  const prefix = `zone-${++zones}/`;
  return { store: new S3ObjectStore({ bucket: 'sluice-test', prefix }, { client: s3.client() }), cleanup: () => emptyPrefix(prefix) };
});

describe('S3ObjectStore specifics', () => {
  it('parses zone URIs into bucket and prefix, and refuses anything else', () => {
    expect(parseS3Uri('s3://my-bucket/raw')).toEqual({ bucket: 'my-bucket', prefix: 'raw/' });
    expect(parseS3Uri('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b/' });
    expect(parseS3Uri('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    for (const bad of ['s3://', 's3://UPPER/x', 'data/raw', 'https://bucket/x', 's3://a/x']) expect(parseS3Uri(bad), bad).toBeUndefined();
  });

  it('keeps zones apart by prefix in one bucket, and names the zone as an s3:// URI', async () => {
    const raw = new S3ObjectStore({ bucket: 'sluice-test', prefix: 'apart-raw/' }, { client: s3.client() });
    const final = new S3ObjectStore({ bucket: 'sluice-test', prefix: 'apart-final/' }, { client: s3.client() });
    await raw.put('orders/a.csv', 'raw');
    await final.put('orders/a.csv', 'final');
    const keys = async (store: S3ObjectStore) => {
      const out: string[] = [];
      for await (const o of store.list('')) out.push(o.key);
      return out;
    };
    expect(await keys(raw)).toEqual(['orders/a.csv']);
    expect((await readAll(await final.get('orders/a.csv'))).toString()).toBe('final');
    expect(raw.location).toBe('s3://sluice-test/apart-raw');
    expect(raw.uri('orders/a.csv')).toBe('s3://sluice-test/apart-raw/orders/a.csv');
    expect(raw.localPath()).toBeUndefined();
    await emptyPrefix('apart-');
  });

  it('hashes an object another client wrote (no sha256 of ours on it), and skips folder markers when listing', async () => {
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: 'sluice-test', Key: 'foreign/orders/a.csv', Body: 'id\n1\n' }));
    await client.send(new PutObjectCommand({ Bucket: 'sluice-test', Key: 'foreign/orders/', Body: '' }));
    const store = new S3ObjectStore({ bucket: 'sluice-test', prefix: 'foreign/' }, { client });
    expect((await store.stat('orders/a.csv'))?.sha256).toBe(createHash('sha256').update('id\n1\n').digest('hex'));
    const listed: string[] = [];
    for await (const o of store.list('')) listed.push(o.key);
    expect(listed).toEqual(['orders/a.csv']);
    await emptyPrefix('foreign/');
  });

  it('uploads a body larger than one part in parts, and reads it back whole with its sha256', async () => {
    const client = s3.client();
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const store = new S3ObjectStore({ bucket: 'sluice-test', prefix: 'big/' }, { client });
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const chunks = Array.from({ length: 9 }, (_, i) => Buffer.concat([chunk, Buffer.from(String(i))]));
    const whole = Buffer.concat(chunks);
    const stat = await store.put('orders/big.csv', Readable.from(chunks));
    expect(stat).toMatchObject({ size: whole.length, sha256: createHash('sha256').update(whole).digest('hex') });
    expect(sent.filter((c) => c !== 'HeadObjectCommand')).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    expect((await readAll(await store.get('orders/big.csv'))).equals(whole)).toBe(true);
    await emptyPrefix('big/');
  });

  it('copies an object from another S3 zone inside S3, in parts past the one-copy limit, bytes and metadata intact', async () => {
    // Prepare
    const client = s3.client();
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const raw = new S3ObjectStore({ bucket: 'sluice-test', prefix: 'copy-raw/' }, { client });
    const small = new S3ObjectStore({ bucket: 'sluice-test', prefix: 'copy-one/' }, { client });
    const parts = new S3ObjectStore({ bucket: 'sluice-test', prefix: 'copy-parts/' }, { client, copyLimits: { singleMax: 1024, partBytes: 1024 } });
    const body = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
    const written = await raw.put('orders/a.csv', body);
    sent.length = 0;

    // Act
    const one = await small.copyFrom(raw, 'orders/a.csv', 'orders/a.csv');
    const oneSent = sent.splice(0);
    const inParts = await parts.copyFrom(raw, 'orders/a.csv', 'kept/a.csv');
    const partsSent = sent.splice(0);
    const local = await parts.copyFrom(new LocalObjectStore(tempDir()), 'orders/a.csv', 'x.csv');

    // Assess
    expect(oneSent.filter((c) => c !== 'HeadObjectCommand')).toEqual(['CopyObjectCommand']);
    expect(partsSent.filter((c) => c !== 'HeadObjectCommand')).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCopyCommand',
      'UploadPartCopyCommand',
      'UploadPartCopyCommand',
      'CompleteMultipartUploadCommand',
    ]);
    expect(one).toMatchObject({ key: 'orders/a.csv', size: body.length });
    expect(inParts).toMatchObject({ key: 'kept/a.csv', size: body.length });
    expect((await readAll(await small.get('orders/a.csv'))).equals(body)).toBe(true);
    expect((await readAll(await parts.get('kept/a.csv'))).equals(body)).toBe(true);
    // The sha256 Sluice wrote on the source came along: stat need not read the copy.
    expect((await parts.stat('kept/a.csv'))?.sha256).toBe(written.sha256);
    // Another kind of store is left to the caller, who streams it.
    expect(local).toBeUndefined();
    await emptyPrefix('copy-');
  });

  it('reports a missing bucket as a StorageError naming it, not as a missing object', async () => {
    const store = new S3ObjectStore({ bucket: 'no-such-bucket', prefix: '' }, { client: s3.client() });
    const err = await store.get('a.csv').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).not.toBeInstanceOf(ObjectNotFoundError);
    expect((err as Error).message).toMatch(/cannot read "a\.csv" in s3:\/\/no-such-bucket: NoSuchBucket/);
    expect((err as Error).message).not.toMatch(/S3RVER/);
  });
});
