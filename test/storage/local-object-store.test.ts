import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore, TEMP_PREFIX } from '../../src/storage/local/local-object-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { objectStoreContract } from './object-store.contract.js';

function newTempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-local-store-'));
}

objectStoreContract('LocalObjectStore', async () => {
  const root = newTempRoot();
  return { store: new LocalObjectStore(root), cleanup: async () => fs.rmSync(root, { recursive: true, force: true }) };
});

/** Every file under `dir`, relative and '/'-separated, hidden ones included. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

describe('LocalObjectStore specifics', () => {
  let root: string;
  let store: LocalObjectStore;

  beforeEach(() => {
    root = newTempRoot();
    store = new LocalObjectStore(root);
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('does not list temp files left in the zone by another writer', async () => {
    // Prepare
    await store.put('sales/a.csv', 'a');
    fs.writeFileSync(path.join(root, 'sales', `${TEMP_PREFIX}abc123-b.csv`), 'half written');
    fs.writeFileSync(path.join(root, `${TEMP_PREFIX}def456-top.csv`), 'half written');
    fs.mkdirSync(path.join(root, `${TEMP_PREFIX}dir`));
    fs.writeFileSync(path.join(root, `${TEMP_PREFIX}dir`, 'inner.csv'), 'x');

    // Act
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);

    // Assess
    expect(keys).toEqual(['sales/a.csv']);
  });

  it('writes through a temp file in the target folder and leaves none behind', async () => {
    // Prepare
    let tempSeen: string[] = [];
    const body = Readable.from(
      (async function* () {
        yield Buffer.from('first half,');
        await new Promise((resolve) => setTimeout(resolve, 20));
        tempSeen = fs.readdirSync(path.join(root, 'sales'));
        yield Buffer.from('second half\n');
      })(),
    );

    // Act
    await store.put('sales/b.csv', body);

    // Assess
    expect(tempSeen).toHaveLength(1);
    expect(tempSeen[0]?.startsWith(TEMP_PREFIX)).toBe(true);
    expect(filesUnder(root)).toEqual(['sales/b.csv']);
  });

  it('removes its temp file when a put fails', async () => {
    // Prepare
    const body = new Readable({
      read() {
        this.push(Buffer.from('some bytes'));
        setImmediate(() => this.destroy(new Error('disk went away')));
      },
    });

    // Act
    const outcome = store.put('sales/c.csv', body);

    // Assess
    await expect(outcome).rejects.toThrow(/disk went away/);
    expect(filesUnder(root)).toEqual([]);
  });

  it('gives a uri that is the object file inside the root', async () => {
    // Prepare
    await store.put('sales/2024/03.csv', 'x,y\n');

    // Act
    const uri = store.uri('sales/2024/03.csv');

    // Assess
    expect(uri).toBe(path.join(root, 'sales', '2024', '03.csv'));
    expect(path.relative(root, uri).startsWith('..')).toBe(false);
    expect(fs.readFileSync(uri, 'utf8')).toBe('x,y\n');
  });

  it('refuses a uri for a key that escapes the root', () => {
    // Act
    const outside = () => store.uri('../outside.csv');

    // Assess
    expect(outside).toThrow(/invalid key/);
  });

  it('materializes to the object file itself, with a cleanup that keeps it', async () => {
    // Prepare
    await store.put('m/x.csv', 'x');
    const tmpDir = newTempRoot();

    // Act
    const materialized = await (store as ObjectStore).materialize('m/x.csv', tmpDir);
    await materialized.cleanup();

    // Assess
    expect(materialized.path).toBe(store.uri('m/x.csv'));
    expect(fs.readFileSync(store.uri('m/x.csv'), 'utf8')).toBe('x');
    expect(fs.readdirSync(tmpDir)).toEqual([]);
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('notices a file changed behind its back (no stale cached hash)', async () => {
    // Prepare
    await store.put('edit.csv', 'aaaa');
    await store.stat('edit.csv');
    const file = store.uri('edit.csv');
    fs.writeFileSync(file, 'bbbb');
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file, later, later);

    // Act
    const stat = await store.stat('edit.csv');

    // Assess
    expect(stat?.sha256).toBe('81cc5b17018674b401b42f35ba07bb79e211239c23bffe658da1577e3e646877');
  });
});
