/**
 * The DynamoDB backends run the port contracts against dynalite on loopback,
 * each case on tables of its own (a fresh prefix); below them, what only
 * DynamoDB has: several clients racing on one table, and the service's errors
 * turned into ours.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateError } from '../../src/core/errors.js';
import { bookmarkEditItems, DynamoBookmarks } from '../../src/state/dynamodb/bookmarks.js';
import { DynamoCatalog } from '../../src/state/dynamodb/catalog.js';
import { documentClient } from '../../src/state/dynamodb/client.js';
import { DynamoRunQueue } from '../../src/state/dynamodb/queue.js';
import { tableNames } from '../../src/state/dynamodb/tables.js';
import { fileEntry, fileRegistration } from '../helpers/catalog-entries.js';
import { T0 } from '../helpers/contract-case.js';
import { freshTables as freshTablesOn, type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { bookmarksContract } from './bookmarks.contract.js';
import { catalogContract } from './catalog.contract.js';
import { claimed, LEASE, queueContract, runSpec } from './queue.contract.js';

let dynamo: RunningDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

const freshTables = () => freshTablesOn(dynamo);

bookmarksContract('DynamoDB', async ({ now }) => {
  const t = await freshTables();
  return { bookmarks: new DynamoBookmarks(t.doc, t.names.bookmarks, now), cleanup: t.cleanup };
});

catalogContract('DynamoDB', async ({ now, policyOf }) => {
  const t = await freshTables();
  return { catalog: new DynamoCatalog(t.doc, t.names, now, policyOf), bookmarks: new DynamoBookmarks(t.doc, t.names.bookmarks, now), cleanup: t.cleanup };
});

queueContract('DynamoDB', async ({ now }) => {
  const t = await freshTables();
  return { queue: new DynamoRunQueue(t.doc, t.names.runs, now), cleanup: t.cleanup };
});

describe('DynamoDB only', () => {
  describe('queue', () => {
    it('two queues on their own clients, claiming at the same moment, never hand the same run to two owners', async () => {
      // Prepare
      const t = await freshTables();
      const queueA = new DynamoRunQueue(t.doc, t.names.runs, () => T0);
      const queueB = new DynamoRunQueue(documentClient(dynamo.client()), t.names.runs, () => T0);
      const enqueued: number[] = [];
      for (let i = 0; i < 20; i++) enqueued.push((await queueA.enqueue(runSpec({ subject: `f${i}.csv`, lockKey: i % 4 === 0 ? 'shared' : `lock-${i}` }))).id);

      // Act
      const claims: { owner: string; id: number }[] = [];
      for (let round = 0; round < 20; round++) {
        const [a, b] = await Promise.all([queueA.claim('A', LEASE), queueB.claim('B', LEASE)]);
        if (a) claims.push({ owner: 'A', id: a.id });
        if (b) claims.push({ owner: 'B', id: b.id });
      }

      // Assess: the four runs sharing a lock key wait for the first of them, which is never finished here.
      const ids = claims.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((x, y) => x - y)).toEqual(enqueued.filter((_, i) => i === 0 || i % 4 !== 0));
      for (const c of claims) expect((await queueA.get(c.id))?.leaseOwner).toBe(c.owner);
      await t.cleanup();
    });

    it('a completion needing more writes than one transaction takes is a StateError and changes nothing', async () => {
      // Prepare
      const t = await freshTables();
      const queue = new DynamoRunQueue(t.doc, t.names.runs, () => T0);
      const { id } = await queue.enqueue(runSpec());
      await claimed(queue, 'w1');
      const next = Array.from({ length: 40 }, (_, i) => runSpec({ stage: 'crawl', subject: `processed/${i}`, lockKey: `crawl:${i}` }));

      // Act
      const act = queue.complete(id, 'w1', { status: 'succeeded', next });

      // Assess
      await expect(act).rejects.toThrow(StateError);
      await expect(act).rejects.toThrow(/needs 123 writes in one transaction, and DynamoDB takes at most 100; nothing was changed/);
      expect(await queue.get(id)).toMatchObject({ status: 'running', leaseOwner: 'w1' });
      expect(await queue.list()).toHaveLength(1);
      await t.cleanup();
    });

    it('a missing runs table is a StateError naming the operation and the table', async () => {
      // Prepare
      const t = await freshTables();
      const queue = new DynamoRunQueue(t.doc, tableNames('nowhere-').runs);

      // Act
      const act = queue.enqueue(runSpec());

      // Assess
      await expect(act).rejects.toThrow(StateError);
      await expect(act).rejects.toThrow(/DynamoDB Query on nowhere-runs failed: ResourceNotFoundException/);
      await t.cleanup();
    });

    it('reapDeadOwners expires nothing: leases running out are the mechanism', async () => {
      // Prepare
      const t = await freshTables();
      const queue = new DynamoRunQueue(t.doc, t.names.runs, () => T0);
      await queue.enqueue(runSpec());
      await claimed(queue, 'gone-host:999999:x');

      // Act
      const reaped = await queue.reapDeadOwners();

      // Assess
      expect(reaped).toBe(0);
      expect(await queue.claim('w2', LEASE)).toBeUndefined();
      await t.cleanup();
    });
  });

  describe('catalog', () => {
    it('two catalogs on their own clients registering files of one table at the same moment both land, and the stats count both', async () => {
      // Prepare
      const t = await freshTables();
      const catalogA = new DynamoCatalog(t.doc, t.names, () => T0);
      const catalogB = new DynamoCatalog(documentClient(dynamo.client()), t.names, () => T0);
      await catalogA.registerFile(fileRegistration({ fileKey: 'sales/0.parquet' }));

      // Act
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? catalogA : catalogB).registerFile(fileRegistration({ fileKey: `sales/${i + 1}.parquet`, rows: 10 }))),
      );

      // Assess
      expect(await catalogA.fileKeys('processed', 'sales')).toHaveLength(7);
      expect((await catalogB.getTable('processed', 'sales'))?.stats).toEqual({ rows: 160, bytes: 7 * 2_048, files: 7 });
      expect(await catalogA.versions('processed', 'sales')).toHaveLength(1);
      await t.cleanup();
    });

    /** The table a job's swap writes, and one output file of it. */
    const orders = { database: 'final', table: 'orders', location: 'data/final/orders' } as const;
    const part = (i: number) => fileEntry({ fileKey: `orders/part-${String(i).padStart(2, '0')}.parquet` });

    it('a swap needing more writes than one transaction takes is a StateError and changes nothing', async () => {
      // Prepare
      const t = await freshTables();
      const catalog = new DynamoCatalog(t.doc, t.names, () => T0);
      const bookmarks = new DynamoBookmarks(t.doc, t.names.bookmarks, () => T0);
      await catalog.replaceFiles({ ...orders, remove: [], add: [fileEntry({ fileKey: 'orders/old.parquet' })] });

      // Act: the table item, 1 removal, 98 files and 1 bookmark make 101 writes.
      const act = catalog.replaceFiles({
        ...orders,
        remove: ['orders/old.parquet'],
        add: Array.from({ length: 98 }, (_, i) => part(i)),
        bookmarks: { job: 'orders-job', set: [{ inputKey: 'sales/a.csv', inputHash: 'a-1', outputKey: 'orders/part-00.parquet' }] },
      });

      // Assess
      await expect(act).rejects.toThrow(StateError);
      await expect(act).rejects.toThrow(
        /a swap of files in final\.orders needs 101 writes in one transaction, and DynamoDB takes at most 100; nothing was changed/,
      );
      expect(await catalog.fileKeys('final', 'orders')).toEqual(['orders/old.parquet']);
      expect(await bookmarks.list('orders-job')).toEqual([]);
      await t.cleanup();
    });

    it('a swap of exactly 100 writes fits in one transaction', async () => {
      // Prepare
      const t = await freshTables();
      const catalog = new DynamoCatalog(t.doc, t.names, () => T0);
      const add = Array.from({ length: 98 }, (_, i) => part(i));

      // Act: the table item, its first version and 98 files.
      const change = await catalog.replaceFiles({ ...orders, remove: [], add });

      // Assess
      expect(change.version).toBe(1);
      expect(await catalog.fileKeys('final', 'orders')).toEqual(add.map((f) => f.fileKey));
      await t.cleanup();
    });

    it('swaps nothing when moving the bookmarks fails: files and bookmarks change in one transaction', async () => {
      // Prepare: the bookmarks the catalog moves live in a table that does not exist.
      const t = await freshTables();
      const catalog = new DynamoCatalog(t.doc, { ...t.names, bookmarks: tableNames('nowhere-').bookmarks }, () => T0);
      await catalog.replaceFiles({ ...orders, remove: [], add: [part(0)] });

      // Act
      const act = catalog.replaceFiles({
        ...orders,
        remove: [part(0).fileKey],
        add: [part(1)],
        bookmarks: { job: 'orders-job', set: [{ inputKey: 'sales/b.csv', inputHash: 'b-1', outputKey: part(1).fileKey }] },
      });

      // Assess
      await expect(act).rejects.toThrow(StateError);
      await expect(act).rejects.toThrow(/DynamoDB TransactWriteItems on t\w+-catalog failed/);
      expect(await catalog.fileKeys('final', 'orders')).toEqual([part(0).fileKey]);
      expect((await catalog.getTable('final', 'orders'))?.stats.files).toBe(1);
      await t.cleanup();
    });

    it('a missing catalog table is a StateError naming the operation and the table', async () => {
      // Prepare
      const t = await freshTables();
      const catalog = new DynamoCatalog(t.doc, tableNames('nowhere-'), () => T0);

      // Act
      const act = catalog.registerFile(fileRegistration());

      // Assess
      await expect(act).rejects.toThrow(StateError);
      await expect(act).rejects.toThrow(/DynamoDB GetItem on nowhere-catalog failed: ResourceNotFoundException/);
      await t.cleanup();
    });
  });

  describe('bookmarks', () => {
    it('an edit moves a job’s bookmarks in one transaction, and none move when the transaction is refused', async () => {
      // Prepare
      const t = await freshTables();
      const bookmarks = new DynamoBookmarks(t.doc, t.names.bookmarks, () => T0);
      await bookmarks.set('orders', { inputKey: 'sales/a.csv', inputHash: 'a-1', outputKey: 'orders/a.parquet' });
      const entry = (key: string) => ({ inputKey: `sales/${key}.csv`, inputHash: `${key}-1`, outputKey: `orders/${key}.parquet` });
      const refusing = {
        ConditionCheck: { TableName: t.names.bookmarks, Key: { job: 'orders', inputKey: 'never' }, ConditionExpression: 'attribute_exists(job)' },
      };

      // Act
      await t.doc.send(
        new TransactWriteCommand({ TransactItems: bookmarkEditItems(t.names.bookmarks, { job: 'orders', remove: ['sales/a.csv'], set: [entry('b')] }, T0) }),
      );
      const refused = t.doc.send(
        new TransactWriteCommand({
          TransactItems: [...bookmarkEditItems(t.names.bookmarks, { job: 'orders', remove: ['sales/b.csv'], set: [entry('c')] }, T0), refusing],
        }),
      );

      // Assess
      await expect(refused).rejects.toThrow(/TransactionCanceled|Transaction cancelled/);
      expect((await bookmarks.list('orders')).map((b) => b.inputKey)).toEqual(['sales/b.csv']);
      await t.cleanup();
    });

    it('a missing table is a StateError naming the operation and the table, with the service error as cause', async () => {
      // Prepare
      const t = await freshTables();
      const bookmarks = new DynamoBookmarks(t.doc, tableNames('nowhere-').bookmarks);

      // Act
      const act = bookmarks.get('orders', 'sales/a.csv');

      // Assess
      await expect(act).rejects.toThrow(StateError);
      await expect(act).rejects.toThrow(/DynamoDB GetItem on nowhere-bookmarks failed: ResourceNotFoundException/);
      await expect(act).rejects.not.toThrow(/DYNALITE/);
      await t.cleanup();
    });
  });
});
