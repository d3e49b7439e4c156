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
import { StateCorruptError } from '../../src/core/errors.js';
import { SqliteCatalog } from '../../src/state/catalog.js';
import { type Db, openStateDb } from '../../src/state/database.js';
import { SqliteRunQueue } from '../../src/state/queue.js';
import { SqliteBookmarks } from '../../src/state/records.js';
import { col, fileEntry, fileRegistration, SALES_COLUMNS } from '../helpers/catalog-entries.js';
import { T0 } from '../helpers/contract-case.js';
import { bookmarksContract } from './bookmarks.contract.js';
import { catalogContract } from './catalog.contract.js';
import { claimed, LEASE, queueContract, runSpec } from './queue.contract.js';

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
  return { file, db, open, close };
}

catalogContract('SQLite', async ({ now, policyOf }) => {
  const state = tempState();
  return { catalog: new SqliteCatalog(state.db, now, policyOf), bookmarks: new SqliteBookmarks(state.db, now), cleanup: state.close };
});

bookmarksContract('SQLite', async ({ now }) => {
  const state = tempState();
  return { bookmarks: new SqliteBookmarks(state.db, now), cleanup: state.close };
});

queueContract('SQLite', async ({ now }) => {
  const state = tempState();
  return { queue: new SqliteRunQueue(state.db, now), cleanup: state.close };
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
      await catalog.replaceFiles({
        database: 'final',
        table: 'orders',
        location: 'data/final/orders',
        remove: [],
        add: [fileEntry({ fileKey: 'orders/a.parquet' })],
      });
      await bookmarks.set('orders', { inputKey: 'sales/a.parquet', inputHash: 'a-1', outputKey: 'orders/a.parquet' });
      failInsertsInto('bookmarks');

      // Act
      const act = catalog.replaceFiles({
        database: 'final',
        table: 'orders',
        location: 'data/final/orders',
        remove: ['orders/a.parquet'],
        add: [fileEntry({ fileKey: 'orders/b.parquet' })],
        bookmarks: {
          job: 'orders',
          remove: ['sales/a.parquet'],
          set: [{ inputKey: 'sales/b.parquet', inputHash: 'b-1', outputKey: 'orders/b.parquet' }],
        },
      });

      // Assess
      await expect(act).rejects.toThrow('refused by the test');
      expect(await catalog.fileKeys('final', 'orders')).toEqual(['orders/a.parquet']);
      expect((await bookmarks.list('orders')).map((b) => b.inputKey)).toEqual(['sales/a.parquet']);
    });
  });

  it('a state file damaged on disk is refused when opened, naming the file and the way back', async () => {
    // Prepare: enough catalog rows for several pages, all in the main file, then pages 3 to 6 overwritten.
    const catalog = new SqliteCatalog(state.db, clock);
    for (let i = 0; i < 100; i++) await catalog.registerFile(fileRegistration({ fileKey: `sales/${i}.parquet` }));
    state.db.pragma('wal_checkpoint(TRUNCATE)');
    state.db.close();
    const pageSize = 4096;
    const fd = fs.openSync(state.file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4 * pageSize, 0xa5), 0, 4 * pageSize, 2 * pageSize);
    fs.closeSync(fd);

    // Act
    const act = () => openStateDb(state.file);

    // Assess
    expect(act).toThrow(StateCorruptError);
    expect(act).toThrow(`the state database ${state.file} is corrupt`);
    expect(act).toThrow(/--rebuild-state/);
  });

  describe('queue', () => {
    it('complete enqueues nothing and finishes nothing when the transaction fails', async () => {
      // Prepare
      const queue = new SqliteRunQueue(state.db, clock);
      const { id } = await queue.enqueue(runSpec());
      await claimed(queue, 'w1');
      const next = [runSpec({ stage: 'crawl', subject: 'processed/sales', lockKey: 'crawl' })];
      failInsertsInto('runs');

      // Act
      const act = queue.complete(id, 'w1', { status: 'succeeded', next });

      // Assess
      await expect(act).rejects.toThrow('refused by the test');
      expect(await queue.get(id)).toMatchObject({ status: 'running', leaseOwner: 'w1', result: null });
      expect((await queue.list()).map((r) => r.stage)).toEqual(['preprocess']);
    });

    describe('two connections to one database file', () => {
      it('never hand the same run to two owners', async () => {
        // Prepare
        const queue = new SqliteRunQueue(state.db, clock);
        const queueA = new SqliteRunQueue(state.open(), clock);
        const queueB = new SqliteRunQueue(state.open(), clock);
        const enqueued: number[] = [];
        for (let i = 0; i < 50; i++) enqueued.push((await queue.enqueue(runSpec({ subject: `f${i}.csv`, lockKey: `lock-${i}` }))).id);

        // Act
        const claims: { owner: string; id: number }[] = [];
        for (let turn = 0; turn < 200; turn++) {
          const [owner, q] = turn % 2 === 0 ? (['A', queueA] as const) : (['B', queueB] as const);
          const run = await q.claim(owner, LEASE);
          if (run) claims.push({ owner, id: run.id });
        }

        // Assess
        const ids = claims.map((c) => c.id);
        expect(ids).toHaveLength(50);
        expect(new Set(ids).size).toBe(50);
        expect([...ids].sort((a, b) => a - b)).toEqual(enqueued);
        expect(claims.filter((c) => c.owner === 'A')).toHaveLength(25);
        for (const c of claims) expect((await queue.get(c.id))?.leaseOwner).toBe(c.owner);
      });

      it('see each other’s locks', async () => {
        // Prepare
        const queue = new SqliteRunQueue(state.db, clock);
        const otherQueue = new SqliteRunQueue(state.open(), clock);
        await queue.enqueue(runSpec({ subject: 'a', lockKey: 'shared' }));
        await queue.enqueue(runSpec({ subject: 'b', lockKey: 'shared' }));

        // Act
        const mine = await queue.claim('A', LEASE);
        const theirs = await otherQueue.claim('B', LEASE);

        // Assess
        expect(mine).toBeDefined();
        expect(theirs).toBeUndefined();
      });
    });

    describe('reapDeadOwners', () => {
      it('expires the lease of a run held by a process that no longer exists on this host', async () => {
        // Prepare
        const queue = new SqliteRunQueue(state.db, clock);
        const { id } = await queue.enqueue(runSpec());
        await claimed(queue, `${os.hostname()}:999999:x`, 10 * 60_000);
        const beforeReap = await queue.claim('w2', LEASE);

        // Act
        const reaped = await queue.reapDeadOwners();
        const afterReap = await queue.claim('w2', LEASE);

        // Assess
        expect(beforeReap).toBeUndefined();
        expect(reaped).toBe(1);
        expect(afterReap).toMatchObject({ id, leaseOwner: 'w2', attempts: 2 });
      });

      it('leaves live local owners and owners on other hosts alone', async () => {
        // Prepare
        const queue = new SqliteRunQueue(state.db, clock);
        const owners = [`${os.hostname()}:${process.pid}:me`, `${os.hostname()}:${process.ppid}:parent`, 'another-host:999999:x'];
        const ids: number[] = [];
        for (const [i, owner] of owners.entries()) {
          ids.push((await queue.enqueue(runSpec({ subject: `s${i}`, lockKey: `l${i}` }))).id);
          await claimed(queue, owner, 10 * 60_000);
        }

        // Act
        const reaped = await queue.reapDeadOwners();

        // Assess
        expect(reaped).toBe(0);
        expect(await queue.claim('w2', LEASE)).toBeUndefined();
        const leases = [];
        for (const id of ids) leases.push((await queue.get(id))?.leaseUntil);
        expect(leases).toEqual(owners.map(() => T0 + 10 * 60_000));
      });
    });
  });
});
