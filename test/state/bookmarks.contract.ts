/**
 * The behaviour every BookmarkStore backend promises (Glue job bookmarks,
 * locally): per job and input key, the input version a job processed and what
 * it wrote. A backend's test file calls `bookmarksContract(name, newStore)`
 * with a fresh store on the clock the suite moves.
 */
import { describe, expect, it } from 'vitest';
import type { BookmarkEntry, BookmarkStore } from '../../src/stages/ports.js';
import { backendEachCase, caseClock, forwarding, T0 } from '../helpers/contract-case.js';

export type NewBookmarkStore = (opts: { now: () => number }) => Promise<{ bookmarks: BookmarkStore; cleanup: () => Promise<void> }>;

function entry(inputKey: string, overrides: Partial<BookmarkEntry> = {}): BookmarkEntry {
  return { inputKey, inputHash: `hash-of-${inputKey}`, outputKey: `final/${inputKey}.parquet`, ...overrides };
}

export function bookmarksContract(name: string, newStore: NewBookmarkStore): void {
  describe(`BookmarkStore contract: ${name}`, () => {
    const clock = caseClock();
    const backend = backendEachCase(() => newStore(clock));
    const bookmarks = forwarding(() => backend().bookmarks);

    const inputKeys = async (job: string) => (await bookmarks.list(job)).map((b) => b.inputKey);

    it('get gives back what set stored, stamped with the time it was set', async () => {
      // Prepare
      const b = entry('sales/a.csv', { outputs: ['final/a.parquet', 'final/a.csv'] });

      // Act
      await bookmarks.set('orders', b);

      // Assess
      expect(await bookmarks.get('orders', 'sales/a.csv')).toEqual({ ...b, updatedAt: T0 });
    });

    it('get is undefined for an input the job has not processed, or for another job', async () => {
      // Prepare
      await bookmarks.set('orders', entry('sales/a.csv'));

      // Act
      const unknownInput = await bookmarks.get('orders', 'sales/b.csv');
      const otherJob = await bookmarks.get('revenue', 'sales/a.csv');

      // Assess
      expect(unknownInput).toBeUndefined();
      expect(otherJob).toBeUndefined();
    });

    it('outputs default to the output key', async () => {
      // Act
      await bookmarks.set('orders', entry('sales/a.csv', { outputKey: 'final/orders/a.parquet' }));
      await bookmarks.set('orders', entry('sales/b.csv', { outputKey: 'final/orders/b.parquet', outputs: [] }));

      // Assess
      expect((await bookmarks.get('orders', 'sales/a.csv'))?.outputs).toEqual(['final/orders/a.parquet']);
      expect((await bookmarks.get('orders', 'sales/b.csv'))?.outputs).toEqual(['final/orders/b.parquet']);
    });

    it('set again replaces the bookmark of that input, with the new time', async () => {
      // Prepare
      await bookmarks.set('orders', entry('sales/a.csv', { inputHash: 'h1', outputs: ['final/a-1.parquet', 'final/a-1.csv'] }));
      clock.at += 1_000;

      // Act
      await bookmarks.set('orders', entry('sales/a.csv', { inputHash: 'h2', outputKey: 'final/a-2.parquet' }));

      // Assess
      expect(await bookmarks.list('orders')).toEqual([
        { inputKey: 'sales/a.csv', inputHash: 'h2', outputKey: 'final/a-2.parquet', outputs: ['final/a-2.parquet'], updatedAt: T0 + 1_000 },
      ]);
    });

    it('list gives one job’s bookmarks in input-key order', async () => {
      // Prepare
      for (const key of ['sales/c.csv', 'sales/a.csv', 'other/z.csv', 'sales/b.csv']) await bookmarks.set('orders', entry(key));
      await bookmarks.set('revenue', entry('sales/0.csv'));

      // Act
      const keys = await inputKeys('orders');

      // Assess
      expect(keys).toEqual(['other/z.csv', 'sales/a.csv', 'sales/b.csv', 'sales/c.csv']);
      expect(await inputKeys('revenue')).toEqual(['sales/0.csv']);
      expect(await bookmarks.list('nobody')).toEqual([]);
    });

    it('remove forgets one input of one job', async () => {
      // Prepare
      await bookmarks.set('orders', entry('sales/a.csv'));
      await bookmarks.set('orders', entry('sales/b.csv'));
      await bookmarks.set('revenue', entry('sales/a.csv'));

      // Act
      await bookmarks.remove('orders', 'sales/a.csv');
      await bookmarks.remove('orders', 'sales/never.csv');

      // Assess
      expect(await inputKeys('orders')).toEqual(['sales/b.csv']);
      expect(await inputKeys('revenue')).toEqual(['sales/a.csv']);
    });

    it('reset forgets everything one job processed and says how much', async () => {
      // Prepare
      await bookmarks.set('orders', entry('sales/a.csv'));
      await bookmarks.set('orders', entry('sales/b.csv'));
      await bookmarks.set('revenue', entry('sales/a.csv'));

      // Act
      const removed = await bookmarks.reset('orders');
      const again = await bookmarks.reset('orders');

      // Assess
      expect(removed).toBe(2);
      expect(again).toBe(0);
      expect(await bookmarks.list('orders')).toEqual([]);
      expect(await inputKeys('revenue')).toEqual(['sales/a.csv']);
    });

    it('invalidate forgets the input versions of one job but keeps its outputs', async () => {
      // Prepare
      await bookmarks.set('orders', entry('sales/a.csv', { inputHash: 'h1', outputs: ['final/a.parquet', 'final/a.csv'] }));
      await bookmarks.set('orders', entry('sales/b.csv', { inputHash: 'h2' }));
      await bookmarks.set('revenue', entry('sales/a.csv', { inputHash: 'h1' }));
      const before = await bookmarks.list('orders');

      // Act
      const invalidated = await bookmarks.invalidate('orders');

      // Assess
      expect(invalidated).toBe(2);
      const after = await bookmarks.list('orders');
      expect(after.map((b) => b.inputHash)).toEqual(['', '']);
      expect(after.map(({ inputHash: _, ...rest }) => rest)).toEqual(before.map(({ inputHash: _, ...rest }) => rest));
      expect((await bookmarks.get('revenue', 'sales/a.csv'))?.inputHash).toBe('h1');
      expect(await bookmarks.invalidate('nobody')).toBe(0);
    });
  });
}
