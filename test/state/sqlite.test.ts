/**
 * The SQLite backends run the port contracts, each case on a fresh state file
 * in a temp folder; below them, what only SQLite on this machine has: several
 * connections to one file, owners that are processes on this host, and
 * transactions a statement can make fail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteCatalog } from '../../src/state/catalog.js';
import { type Db, openStateDb } from '../../src/state/database.js';
import { SqliteBookmarks } from '../../src/state/records.js';
import { col, fileEntry, fileRegistration, SALES_COLUMNS } from '../helpers/catalog-entries.js';
import { T0 } from '../helpers/contract-case.js';
import { bookmarksContract } from './bookmarks.contract.js';
import { catalogContract } from './catalog.contract.js';

/** A state file of its own, and every connection opened to it, closed and removed together. */
function tempState() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-state-'));
  const file = path.join(dir, '.sluice', 'state.db');
  const connections: Db[] = [];
  const open = (): Db => {
    const db = openStateDb(file);
    connections.push(db);
    return db;
  };
  const db = open();
  const close = async () => {
    for (const c of connections.splice(0)) c.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { db, open, close };
}

catalogContract('SQLite', async ({ now, policyOf }) => {
  const state = tempState();
  return { catalog: new SqliteCatalog(state.db, now, policyOf), bookmarks: new SqliteBookmarks(state.db, now), cleanup: state.close };
});

bookmarksContract('SQLite', async ({ now }) => {
  const state = tempState();
  return { bookmarks: new SqliteBookmarks(state.db, now), cleanup: state.close };
});

describe('SQLite only', () => {
  let state: ReturnType<typeof tempState>;
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    state = tempState();
    now = T0;
  });

  afterEach(async () => {
    await state.close();
  });

  /** Make every insert into `table` fail, as a full disk or a broken page would, so the transaction around it fails. */
  function failInsertsInto(table: string): void {
    state.db.exec(`CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
  }

  describe('catalog', () => {
    it('applies the update policy when none is given', async () => {
      // Prepare
      const catalog = new SqliteCatalog(state.db, clock);
      await catalog.registerFile(fileRegistration({ fileKey: 'sales/a.parquet' }));

      // Act
      const change = await catalog.registerFile(fileRegistration({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, col('channel', 'VARCHAR')] }));

      // Assess
      expect(change).toMatchObject({ version: 2, diff: { added: [col('channel', 'VARCHAR', true)] } });
      expect(change.drift).toBeUndefined();
      expect(change.rejected).toBeUndefined();
    });

    it('replaceFiles swaps nothing when moving the bookmarks fails: files and bookmarks change in one transaction', async () => {
      // Prepare
      const catalog = new SqliteCatalog(state.db, clock);
      const bookmarks = new SqliteBookmarks(state.db, clock);
      await catalog.replaceFiles('final', 'orders', 'data/final/orders', [], [fileEntry({ fileKey: 'orders/a.parquet' })]);
      await bookmarks.set('orders', { inputKey: 'sales/a.parquet', inputHash: 'a-1', outputKey: 'orders/a.parquet' });
      failInsertsInto('bookmarks');

      // Act
      const act = catalog.replaceFiles('final', 'orders', 'data/final/orders', ['orders/a.parquet'], [fileEntry({ fileKey: 'orders/b.parquet' })], {
        job: 'orders',
        remove: ['sales/a.parquet'],
        set: [{ inputKey: 'sales/b.parquet', inputHash: 'b-1', outputKey: 'orders/b.parquet' }],
      });

      // Assess
      await expect(act).rejects.toThrow('refused by the test');
      expect(await catalog.fileKeys('final', 'orders')).toEqual(['orders/a.parquet']);
      expect((await bookmarks.list('orders')).map((b) => b.inputKey)).toEqual(['sales/a.parquet']);
    });
  });
});
