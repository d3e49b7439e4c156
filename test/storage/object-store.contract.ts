/**
 * The behaviour every ObjectStore backend promises. A backend's test file calls
 * `objectStoreContract(name, newStore)`; the local store runs it against a temp
 * folder and the S3 store against a real S3 protocol server, so a difference
 * between backends shows up as a failing case here, not in the pipeline.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidKeyError, ObjectNotFoundError } from '../../src/core/errors.js';
import type { ObjectInfo, ObjectStore } from '../../src/storage/object-store.js';

export type NewObjectStore = () => Promise<{ store: ObjectStore; cleanup: () => Promise<void> }>;

const sha256Of = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** Every byte value, so a backend that mangles binary (text decoding, newlines) fails. */
const binaryBody = (): Uint8Array => Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function readText(store: ObjectStore, key: string): Promise<string> {
  return (await readAll(await store.get(key))).toString('utf8');
}

async function keysOf(listing: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of listing) keys.push(info.key);
  return keys;
}

/** A stream that yields `chunks` and then fails, like a network upload cut off halfway. */
function failingStream(chunks: string[], message = 'connection reset by peer'): Readable {
  let i = 0;
  return new Readable({
    read() {
      if (i < chunks.length) {
        this.push(Buffer.from(chunks[i++] as string));
        return;
      }
      setImmediate(() => this.destroy(new Error(message)));
    },
  });
}

/**
 * Start a call and return its promise, failing the test if the call throws
 * synchronously instead: callers chain `.catch()` on these methods.
 */
function started(call: () => Promise<unknown>): Promise<unknown> {
  let pending: Promise<unknown> | undefined;
  expect(() => {
    pending = call();
  }).not.toThrow();
  return pending ?? Promise.reject(new Error('the call threw synchronously'));
}

export function objectStoreContract(name: string, newStore: NewObjectStore): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    let cleanup: () => Promise<void>;
    let scratch: string;

    beforeEach(async () => {
      ({ store, cleanup } = await newStore());
      scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-contract-'));
    });

    afterEach(async () => {
      await cleanup();
      fs.rmSync(scratch, { recursive: true, force: true });
    });

    describe('put', () => {
      it('stores a string and returns its size and sha256', async () => {
        // Prepare
        const body = 'id,name\n1,Zoë\n';

        // Act
        const stat = await store.put('sales/2024-03.csv', body);

        // Assess
        expect(stat.key).toBe('sales/2024-03.csv');
        expect(stat.size).toBe(Buffer.byteLength(body));
        expect(stat.sha256).toBe(sha256Of(body));
        expect(await readText(store, 'sales/2024-03.csv')).toBe(body);
      });

      it('stores a Uint8Array byte for byte', async () => {
        // Prepare
        const body = binaryBody();

        // Act
        const stat = await store.put('bin/all-bytes.dat', body);

        // Assess
        expect(stat.size).toBe(body.length);
        expect(stat.sha256).toBe(sha256Of(body));
        expect(new Uint8Array(await readAll(await store.get('bin/all-bytes.dat')))).toEqual(body);
      });

      it('stores a Readable made of several chunks', async () => {
        // Prepare
        const chunks = ['id,amount\n', '1,10.50\n', '2,7.25\n'];

        // Act
        const stat = await store.put('streamed.csv', Readable.from(chunks.map((c) => Buffer.from(c))));

        // Assess
        const whole = chunks.join('');
        expect(stat.size).toBe(whole.length);
        expect(stat.sha256).toBe(sha256Of(whole));
        expect(await readText(store, 'streamed.csv')).toBe(whole);
      });

      it('stores an empty object', async () => {
        // Act
        const stat = await store.put('empty.csv', '');

        // Assess
        expect(stat.size).toBe(0);
        expect(stat.sha256).toBe(sha256Of(''));
        expect((await readAll(await store.get('empty.csv'))).length).toBe(0);
      });

      it('replaces an existing object and reports the new content', async () => {
        // Prepare
        await store.put('a.csv', 'old content, longer than the new one\n');

        // Act
        const stat = await store.put('a.csv', 'new\n');

        // Assess
        expect(stat.size).toBe(4);
        expect(stat.sha256).toBe(sha256Of('new\n'));
        expect(await readText(store, 'a.csv')).toBe('new\n');
        expect(await keysOf(store.list(''))).toEqual(['a.csv']);
      });

      it('leaves no object behind when the body stream fails midway', async () => {
        // Prepare
        const body = failingStream(['id,name\n', '1,a\n'.repeat(1000)]);

        // Act
        const outcome = store.put('broken/upload.csv', body);

        // Assess
        await expect(outcome).rejects.toThrow();
        expect(await store.head('broken/upload.csv')).toBeUndefined();
        expect(await store.stat('broken/upload.csv')).toBeUndefined();
        await expect(store.get('broken/upload.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect(await keysOf(store.list(''))).toEqual([]);
      });

      it('keeps the old object when an overwrite fails midway', async () => {
        // Prepare
        await store.put('keep.csv', 'old\n');

        // Act
        const outcome = store.put('keep.csv', failingStream(['new partial']));

        // Assess
        await expect(outcome).rejects.toThrow();
        expect(await readText(store, 'keep.csv')).toBe('old\n');
        expect((await store.stat('keep.csv'))?.sha256).toBe(sha256Of('old\n'));
        expect(await keysOf(store.list(''))).toEqual(['keep.csv']);
      });

      it('never shows a reader anything but the old or the new content while overwriting', async () => {
        // Prepare
        const oldBody = `${'o'.repeat(64 * 1024)}\n`;
        const newBody = `${'n'.repeat(256 * 1024)}\n`;
        await store.put('swap.csv', oldBody);
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        // The new body arrives in two halves with a pause between them, so readers run mid-write.
        const half = newBody.length / 2;
        const slowBody = Readable.from(
          (async function* () {
            yield Buffer.from(newBody.slice(0, half));
            await gate;
            yield Buffer.from(newBody.slice(half));
          })(),
        );

        // Act
        const writing = store.put('swap.csv', slowBody);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const duringWrite = await readText(store, 'swap.csv');
        const listedDuringWrite = await keysOf(store.list(''));
        release();
        await writing;
        const afterWrite = await readText(store, 'swap.csv');

        // Assess
        expect(duringWrite === oldBody || duringWrite === newBody).toBe(true);
        expect(listedDuringWrite).toEqual(['swap.csv']);
        expect(afterWrite).toBe(newBody);
      });
    });

    describe('get', () => {
      it('rejects with ObjectNotFoundError naming the key when the object is missing', async () => {
        // Act
        const outcome = store.get('nowhere/missing.csv');

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(store.get('nowhere/missing.csv')).rejects.toMatchObject({ key: 'nowhere/missing.csv' });
      });

      it('treats a prefix of other keys as missing, not as an object', async () => {
        // Prepare
        await store.put('folder/inner.csv', 'x\n');

        // Act
        const outcome = await store.get('folder').then(
          (stream) => {
            stream.destroy();
            return 'resolved with a stream';
          },
          (err: unknown) => err,
        );

        // Assess
        expect(outcome).toBeInstanceOf(ObjectNotFoundError);
        expect(await store.head('folder')).toBeUndefined();
      });
    });

    describe('head and stat', () => {
      it('return undefined for a missing key', async () => {
        // Act
        const info = await store.head('missing.csv');
        const stat = await store.stat('missing.csv');

        // Assess
        expect(info).toBeUndefined();
        expect(stat).toBeUndefined();
      });

      it('describe a stored object', async () => {
        // Prepare
        const put = await store.put('dir/x.csv', 'abc');

        // Act
        const info = await store.head('dir/x.csv');
        const stat = await store.stat('dir/x.csv');

        // Assess
        expect(info).toMatchObject({ key: 'dir/x.csv', size: 3 });
        expect(typeof info?.tag).toBe('string');
        expect(info?.modifiedMs).toBeGreaterThan(0);
        expect(stat).toMatchObject({ key: 'dir/x.csv', size: 3, sha256: sha256Of('abc') });
        expect(stat?.sha256).toBe(put.sha256);
      });

      it('report a new sha256 and tag once the content changes, even at the same size', async () => {
        // Prepare
        await store.put('change.csv', 'aaaa');
        const before = await store.stat('change.csv');

        // Act
        await store.put('change.csv', 'bbbb');
        const after = await store.stat('change.csv');

        // Assess
        expect(before?.sha256).toBe(sha256Of('aaaa'));
        expect(after?.sha256).toBe(sha256Of('bbbb'));
        expect(after?.tag).not.toBe(before?.tag);
      });
    });

    describe('list', () => {
      const seed = async (keys: string[]): Promise<void> => {
        for (const key of keys) await store.put(key, `content of ${key}\n`);
      };

      it('lists every object in key order, nested keys with "/"', async () => {
        // Prepare
        await seed(['b.csv', 'a/z.csv', 'a/b/c.csv', 'a.csv', 'c/d/e/f.csv']);

        // Act
        const keys = await keysOf(store.list());

        // Assess
        expect(keys).toEqual(['a.csv', 'a/b/c.csv', 'a/z.csv', 'b.csv', 'c/d/e/f.csv']);
      });

      it('lists only the keys under a prefix, sorted', async () => {
        // Prepare
        await seed(['sales/2024/02.csv', 'sales/2024/01.csv', 'sales-archive/x.csv', 'sales.csv', 'orders/1.csv', 'sales/z.csv']);

        // Act
        const underFolder = await keysOf(store.list('sales/'));
        const underYear = await keysOf(store.list('sales/2024/'));
        const byStem = await keysOf(store.list('sales'));

        // Assess
        expect(underFolder).toEqual(['sales/2024/01.csv', 'sales/2024/02.csv', 'sales/z.csv']);
        expect(underYear).toEqual(['sales/2024/01.csv', 'sales/2024/02.csv']);
        expect(byStem).toEqual(['sales-archive/x.csv', 'sales.csv', 'sales/2024/01.csv', 'sales/2024/02.csv', 'sales/z.csv']);
      });

      it('returns nothing for an empty store or an unknown prefix', async () => {
        // Prepare
        const before = await keysOf(store.list(''));
        await seed(['a/b.csv']);

        // Act
        const unknown = await keysOf(store.list('nope/'));

        // Assess
        expect(before).toEqual([]);
        expect(unknown).toEqual([]);
      });

      it('reports each object with its size', async () => {
        // Prepare
        await store.put('s/one.csv', '1');
        await store.put('s/three.csv', '333');

        // Act
        const infos: ObjectInfo[] = [];
        for await (const info of store.list('s/')) infos.push(info);

        // Assess
        expect(infos.map((i) => [i.key, i.size])).toEqual([
          ['s/one.csv', 1],
          ['s/three.csv', 3],
        ]);
      });
    });

    describe('copy', () => {
      it('copies an object and leaves the source in place', async () => {
        // Prepare
        const source = await store.put('src/a.csv', 'copy me\n');

        // Act
        const copied = await store.copy('src/a.csv', 'dst/nested/a.csv');

        // Assess
        expect(copied).toMatchObject({ key: 'dst/nested/a.csv', size: source.size, sha256: source.sha256 });
        expect(await readText(store, 'dst/nested/a.csv')).toBe('copy me\n');
        expect(await readText(store, 'src/a.csv')).toBe('copy me\n');
      });

      it('replaces an existing destination', async () => {
        // Prepare
        await store.put('from.csv', 'fresh\n');
        await store.put('to.csv', 'stale\n');

        // Act
        await store.copy('from.csv', 'to.csv');

        // Assess
        expect(await readText(store, 'to.csv')).toBe('fresh\n');
      });

      it('rejects with ObjectNotFoundError naming the missing source, creating nothing', async () => {
        // Act
        const outcome = store.copy('missing.csv', 'target.csv');

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(store.copy('missing.csv', 'target.csv')).rejects.toMatchObject({ key: 'missing.csv' });
        expect(await store.head('target.csv')).toBeUndefined();
      });
    });

    describe('delete', () => {
      it('removes an object', async () => {
        // Prepare
        await store.put('gone/soon.csv', 'x');
        await store.put('gone/stays.csv', 'y');

        // Act
        await store.delete('gone/soon.csv');

        // Assess
        expect(await store.head('gone/soon.csv')).toBeUndefined();
        await expect(store.get('gone/soon.csv')).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect(await keysOf(store.list(''))).toEqual(['gone/stays.csv']);
      });

      it('accepts a missing key', async () => {
        // Act
        const outcome = store.delete('never/existed.csv');

        // Assess
        await expect(outcome).resolves.toBeUndefined();
      });

      it('forgets the hash of a deleted object when the key is written again', async () => {
        // Prepare
        await store.put('again.csv', 'first');
        await store.stat('again.csv');
        await store.delete('again.csv');

        // Act
        await store.put('again.csv', 'other');
        const stat = await store.stat('again.csv');

        // Assess
        expect(stat?.sha256).toBe(sha256Of('other'));
      });
    });

    describe('putFile', () => {
      it('stores the bytes of a local file and leaves the file in place', async () => {
        // Prepare
        const local = path.join(scratch, 'upload.csv');
        const body = 'id\n1\n2\n';
        fs.writeFileSync(local, body);

        // Act
        const stat = await store.putFile('uploads/upload.csv', local);

        // Assess
        expect(stat).toMatchObject({ key: 'uploads/upload.csv', size: body.length, sha256: sha256Of(body) });
        expect(await readText(store, 'uploads/upload.csv')).toBe(body);
        expect(fs.readFileSync(local, 'utf8')).toBe(body);
      });

      it('rejects when the local file does not exist, creating nothing', async () => {
        // Prepare
        const local = path.join(scratch, 'does-not-exist.csv');

        // Act
        const outcome = store.putFile('uploads/none.csv', local);

        // Assess: the message names what is missing, the local file, not the key.
        await expect(outcome).rejects.toThrow(local);
        expect(await store.head('uploads/none.csv')).toBeUndefined();
        expect(await keysOf(store.list(''))).toEqual([]);
      });
    });

    describe('materialize', () => {
      it('gives a readable local path with the same bytes', async () => {
        // Prepare
        const body = binaryBody();
        await store.put('m/data.bin', body);

        // Act
        const { path: local, cleanup: release } = await store.materialize('m/data.bin', scratch);

        // Assess
        try {
          expect(path.isAbsolute(local)).toBe(true);
          expect(new Uint8Array(fs.readFileSync(local))).toEqual(body);
        } finally {
          await release();
        }
        expect(await store.head('m/data.bin')).toMatchObject({ size: body.length });
      });

      it('rejects with ObjectNotFoundError for a missing key', async () => {
        // Act
        const outcome = store.materialize('m/missing.bin', scratch);

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('rejects with ObjectNotFoundError for a key that is only a prefix of other keys', async () => {
        // Prepare
        await store.put('m/folder/inner.bin', 'x');

        // Act
        const outcome = store.materialize('m/folder', scratch);

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(ObjectNotFoundError);
      });
    });

    describe('keys', () => {
      const invalidKeys = ['../x', 'a/../../x', '/abs', 'a//b', 'a/./b', '', 'back\\slash', 'tab\there'];

      const operations: [string, (key: string) => Promise<unknown>][] = [
        ['put', (key) => store.put(key, 'x')],
        ['putFile', (key) => store.putFile(key, path.join(scratch, 'any.csv'))],
        ['get', (key) => store.get(key)],
        ['head', (key) => store.head(key)],
        ['stat', (key) => store.stat(key)],
        ['copy from', (key) => store.copy(key, 'ok.csv')],
        ['copy to', (key) => store.copy('ok.csv', key)],
        ['delete', (key) => store.delete(key)],
        ['materialize', (key) => store.materialize(key, scratch)],
      ];

      it.each(operations)('%s rejects unsafe keys with InvalidKeyError', async (_, operation) => {
        // Prepare
        await store.put('ok.csv', 'x');
        fs.writeFileSync(path.join(scratch, 'any.csv'), 'x');

        for (const key of invalidKeys) {
          // Act
          const outcome = started(() => operation(key));

          // Assess
          await expect(outcome, `key ${JSON.stringify(key)}`).rejects.toBeInstanceOf(InvalidKeyError);
        }
        expect(await keysOf(store.list(''))).toEqual(['ok.csv']);
      });

      it('stores names of 236 characters and of 255 bytes, the file-system limit', async () => {
        // Prepare
        const long = `ds/${'a'.repeat(232)}.csv`;
        const widest = `ds/${'é'.repeat(125)}b.csv`;
        fs.writeFileSync(path.join(scratch, 'any.csv'), 'from a file');

        // Act
        await store.put(long, 'x');
        await store.putFile(widest, path.join(scratch, 'any.csv'));
        await store.copy(long, `copy/${'c'.repeat(251)}.csv`);

        // Assess
        expect(await keysOf(store.list(''))).toEqual([`copy/${'c'.repeat(251)}.csv`, long, widest]);
        expect(await readText(store, widest)).toBe('from a file');
      });

      it('refuses a name over 255 bytes with InvalidKeyError, writing nothing', async () => {
        // Prepare
        const tooLong = `ds/${'é'.repeat(126)}.csv`;

        // Act
        const outcome = started(() => store.put(tooLong, 'x'));

        // Assess
        await expect(outcome).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(outcome).rejects.toThrow('is 256 bytes; file and folder names are limited to 255 bytes');
        expect(await keysOf(store.list(''))).toEqual([]);
      });

      it('accepts keys with spaces, dots and non-ASCII letters', async () => {
        // Prepare
        const key = 'Ventes été/2024 03/data.v2.csv';

        // Act
        await store.put(key, 'x');

        // Assess
        expect(await keysOf(store.list(''))).toEqual([key]);
        expect(await readText(store, key)).toBe('x');
      });
    });
  });
}
