/**
 * The DynamoDB backends run the port contracts against dynalite on loopback,
 * each case on tables of its own (a fresh prefix); below them, what only
 * DynamoDB has: several clients racing on one table, and the service's errors
 * turned into ours.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateError } from '../../src/core/errors.js';
import { bookmarkEditItems, DynamoBookmarks } from '../../src/state/dynamodb/bookmarks.js';
import { createTables, tableNames } from '../../src/state/dynamodb/tables.js';
import { T0 } from '../helpers/contract-case.js';
import { type RunningDynamo, startDynamo } from '../helpers/dynalite.js';
import { bookmarksContract } from './bookmarks.contract.js';

let dynamo: RunningDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

/** Tables of their own under a fresh prefix, and a document client for them. */
async function freshTables() {
  const client = dynamo.client();
  const names = await createTables(client, `t${randomBytes(5).toString('hex')}-`);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc, names, cleanup: async () => client.destroy() };
}

bookmarksContract('DynamoDB', async ({ now }) => {
  const t = await freshTables();
  return { bookmarks: new DynamoBookmarks(t.doc, t.names.bookmarks, now), cleanup: t.cleanup };
});

describe('DynamoDB only', () => {
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
