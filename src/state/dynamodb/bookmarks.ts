/**
 * The bookmark port on DynamoDB: one item per (job, input key) in the
 * bookmarks table (see tables.ts), so a job's bookmarks are one partition,
 * read back in input-key order. An invalidated bookmark has no `inputHash`
 * attribute and reads as `''`, the value SQLite stores.
 *
 * `reset` and `invalidate` go item by item (DynamoDB has no multi-item
 * update); each write is conditional on the item still being there, so the
 * counts are what was changed, and a bookmark set meanwhile is never
 * resurrected or half-written. `bookmarkEditItems` gives a `BookmarkEdit` as
 * TransactWriteItems entries, for a catalog backend that moves bookmarks in
 * the same transaction as its files.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Bookmark, BookmarkEdit, BookmarkEntry, BookmarkStore } from '../../stages/ports.js';
import { isConditionFailure, queryAll, stateFailure, type TransactItem, withStateErrors } from './client.js';

interface BookmarkItem {
  job: string;
  inputKey: string;
  inputHash?: string;
  outputKey: string;
  outputs?: string[];
  updatedAt: number;
}

function toBookmark(item: BookmarkItem): Bookmark {
  return {
    inputKey: item.inputKey,
    inputHash: item.inputHash ?? '',
    outputKey: item.outputKey,
    outputs: item.outputs?.length ? item.outputs : [item.outputKey],
    updatedAt: item.updatedAt,
  };
}

function toItem(job: string, b: BookmarkEntry, now: number): BookmarkItem {
  return {
    job,
    inputKey: b.inputKey,
    ...(b.inputHash ? { inputHash: b.inputHash } : {}),
    outputKey: b.outputKey,
    ...(b.outputs?.length ? { outputs: [...b.outputs] } : {}),
    updatedAt: now,
  };
}

/**
 * A job's bookmark edit as transaction entries (document-client shapes):
 * deletes for removed keys, then puts; a key both removed and set is only
 * put, as applying the removal first would leave it. At most 100 entries
 * fit in one DynamoDB transaction together with the caller's own.
 */
export function bookmarkEditItems(table: string, edit: BookmarkEdit, now: number): TransactItem[] {
  const setKeys = new Set((edit.set ?? []).map((b) => b.inputKey));
  const removals = (edit.remove ?? []).filter((key) => !setKeys.has(key));
  return [
    ...[...new Set(removals)].map((inputKey) => ({ Delete: { TableName: table, Key: { job: edit.job, inputKey } } })),
    ...(edit.set ?? []).map((b) => ({ Put: { TableName: table, Item: toItem(edit.job, b, now) } })),
  ];
}

export class DynamoBookmarks implements BookmarkStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(job: string, inputKey: string): Promise<Bookmark | undefined> {
    const out = await withStateErrors('GetItem', this.table, () =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: { job, inputKey }, ConsistentRead: true })),
    );
    return out.Item && toBookmark(out.Item as BookmarkItem);
  }

  async set(job: string, b: BookmarkEntry): Promise<void> {
    await withStateErrors('PutItem', this.table, () => this.doc.send(new PutCommand({ TableName: this.table, Item: toItem(job, b, this.now()) })));
  }

  async remove(job: string, inputKey: string): Promise<void> {
    await withStateErrors('DeleteItem', this.table, () => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { job, inputKey } })));
  }

  async list(job: string): Promise<Bookmark[]> {
    const items = await queryAll<BookmarkItem>(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'job = :job',
      ExpressionAttributeValues: { ':job': job },
      ConsistentRead: true,
    });
    return items.map(toBookmark);
  }

  async reset(job: string): Promise<number> {
    return this.eachBookmark(job, 'DeleteItem', (inputKey) => new DeleteCommand({ TableName: this.table, Key: { job, inputKey }, ...STILL_THERE }));
  }

  async invalidate(job: string): Promise<number> {
    return this.eachBookmark(
      job,
      'UpdateItem',
      (inputKey) => new UpdateCommand({ TableName: this.table, Key: { job, inputKey }, UpdateExpression: 'REMOVE inputHash', ...STILL_THERE }),
    );
  }

  /** Apply a conditional write to each of a job's bookmarks; how many it changed (a bookmark removed meanwhile is not counted). */
  private async eachBookmark(job: string, command: string, write: (inputKey: string) => DeleteCommand | UpdateCommand): Promise<number> {
    let changed = 0;
    for (const b of await this.list(job)) {
      try {
        await this.doc.send(write(b.inputKey));
        changed++;
      } catch (err) {
        if (!isConditionFailure(err)) throw stateFailure(err, command, this.table);
      }
    }
    return changed;
  }
}

const STILL_THERE = { ConditionExpression: 'attribute_exists(job)' };
