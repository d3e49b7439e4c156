/**
 * Decimals in steps (issue 16, class 7): files of one dataset whose values differ by a decimal place land on one
 * type, or fit the table's type value by value, so the table gets no new schema version whose only change is the
 * precision; a value that needs more places or more digits is a real widening and makes one. Files are ingested
 * and the catalog read in the test process; values are read back through the catalog's views.
 */
import { describe, expect, it } from 'vitest';
import { showTable, tableVersions } from '../../src/views/catalog.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { crawlCatalog, ingestFiles, viewJson } from '../helpers/in-process.js';
import { tempDir } from '../helpers/project.js';

interface Version {
  version: number;
  columns: { name: string; type: string }[];
  diff: { widened: { name: string; from: string; to: string }[]; changed: unknown[]; added: unknown[] };
}

/** Each text ingested as `sales/<name>`, one after another; every file must be processed. */
async function ingestAll(dir: string, files: [string, string][]): Promise<void> {
  for (const [name, text] of files) {
    const [outcome] = await ingestFiles(dir, { [`sales/${name}`]: text });
    expect(outcome?.state).toBe('done');
  }
}

const versionsOf = (dir: string, table: string) => viewJson<Version[]>(dir, async (p) => (await tableVersions(p, table)) as unknown as Version[]);
const typeOf = async (dir: string, table: string, column: string) =>
  (await viewJson(dir, (p) => showTable(p, table))).columns.find((c: { name: string }) => c.name === column)?.type;
/** `v` of every row as text, exactly as the table holds it, by id. */
const valuesOf = async (dir: string, table = 'processed.sales') =>
  (await catalogRows<{ v: string | null }>(dir, `select CAST(v AS VARCHAR) AS v from ${table} order by id`)).map((r) => r.v);

const csv = (rows: [number, string][]) => `id,v\n${rows.map(([id, v]) => `${id},${v}`).join('\n')}\n`;

describe('decimals that differ within a step make no new schema version', () => {
  it.each([
    ['`5 %` then `12.5 %`', '5 %', '12.5 %', 'DECIMAL(18,4)', ['0.0500', '0.1250']],
    ['`12.5 %` then `5 %`', '12.5 %', '5 %', 'DECIMAL(18,4)', ['0.1250', '0.0500']],
    ['`1.5` then `1.25`', '1.5', '1.25', 'DECIMAL(18,2)', ['1.50', '1.25']],
    ['`1.25` then `1.5`', '1.25', '1.5', 'DECIMAL(18,2)', ['1.25', '1.50']],
    ['`10.5` then `10`', '10.5', '10', 'DECIMAL(18,2)', ['10.50', '10.00']],
  ])('%s: one version, and the values read back exactly', async (_name, first, second, type, values) => {
    // Prepare
    const dir = tempDir();

    // Act
    await ingestAll(dir, [
      ['a.csv', csv([[1, `"${first}"`]])],
      ['b.csv', csv([[2, `"${second}"`]])],
    ]);

    // Assess
    expect((await versionsOf(dir, 'processed.sales')).map((v) => v.version)).toEqual([1]);
    expect((await versionsOf(dir, 'final.sales')).map((v) => v.version)).toEqual([1]);
    expect(await typeOf(dir, 'processed.sales', 'v')).toBe(type);
    expect(await valuesOf(dir)).toEqual(values);
    expect(await valuesOf(dir, 'final.sales')).toEqual(values);
  });

  it('percentages of 1 and 2 decimals in the last rows of a file keep the type its first rows gave', async () => {
    // Prepare: 200 whole percentages, then three with decimals in the last 1.5% of the second file
    const whole = Array.from({ length: 200 }, (_, i): [number, string] => [i + 1, `${i % 100} %`]);
    const tail: [number, string][] = [
      [201, '12.5 %'],
      [202, '12.25 %'],
      [203, '99.99 %'],
    ];

    const dir = tempDir();

    // Act
    await ingestAll(dir, [
      ['a.csv', csv(whole.slice(0, 100))],
      ['b.csv', csv([...whole.slice(100), ...tail])],
    ]);

    // Assess
    expect((await versionsOf(dir, 'processed.sales')).map((v) => v.version)).toEqual([1]);
    expect(await typeOf(dir, 'processed.sales', 'v')).toBe('DECIMAL(18,4)');
    expect((await valuesOf(dir)).slice(-4)).toEqual(['0.9900', '0.1250', '0.1225', '0.9999']);
  });
});

describe('a widening across a step is a new version, and no value loses a digit', () => {
  it('`10` then `10.5`: a whole-number column that gains decimals becomes a decimal', async () => {
    // Prepare
    const dir = tempDir();

    // Act
    await ingestAll(dir, [
      ['a.csv', csv([[1, '10']])],
      ['b.csv', csv([[2, '10.5']])],
    ]);

    // Assess
    const versions = await versionsOf(dir, 'processed.sales');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.diff.widened).toEqual([{ name: 'v', from: 'BIGINT', to: 'DECIMAL(21,2)' }]);
    expect(await valuesOf(dir)).toEqual(['10.00', '10.50']);
  });

  it('`1.25` then `1.125` in the last rows of a file: three places do not fit a scale of 2, so the scale widens', async () => {
    // Prepare
    const dir = tempDir();
    const rows = Array.from({ length: 97 }, (_, i): [number, string] => [i + 2, '1.5']);

    // Act
    await ingestAll(dir, [
      ['a.csv', csv([[1, '1.25']])],
      ['b.csv', csv([...rows, [99, '1.125'], [100, '2.001'], [101, '3.0005']])],
      ['c.csv', csv([[102, '7.5']])],
    ]);

    // Assess
    const versions = await versionsOf(dir, 'processed.sales');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.diff.widened).toEqual([{ name: 'v', from: 'DECIMAL(18,2)', to: 'DECIMAL(20,4)' }]);
    const values = await valuesOf(dir);
    expect([values[0], values[1], ...values.slice(-4)]).toEqual(['1.2500', '1.5000', '1.1250', '2.0010', '3.0005', '7.5000']);
  });

  it('values growing from 5 to 20 whole digits widen the precision once, and every digit reads back', async () => {
    // Prepare
    const dir = tempDir();

    // Act
    await ingestAll(dir, [
      ['a.csv', csv([[1, '12345.5']])],
      ['b.csv', csv([[2, '12345678901234567890.25']])],
      ['c.csv', csv([[3, '67890.75']])],
    ]);

    // Assess
    const versions = await versionsOf(dir, 'processed.sales');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.diff.widened).toEqual([{ name: 'v', from: 'DECIMAL(18,2)', to: 'DECIMAL(22,2)' }]);
    expect(await valuesOf(dir)).toEqual(['12345.50', '12345678901234567890.25', '67890.75']);
  });

  it('a full crawl registers every file again and changes no type', async () => {
    // Prepare: one table widened from whole numbers to decimals, one whose files fit it value by value
    const widened = tempDir();
    await ingestAll(widened, [
      ['a.csv', csv([[1, '10']])],
      ['b.csv', csv([[2, '10.5']])],
    ]);
    const fitted = tempDir();
    await ingestAll(fitted, [
      ['a.csv', csv([[1, '"12.5 %"']])],
      ['b.csv', csv([[2, '"5 %"']])],
    ]);

    // Act
    const crawls = [await crawlCatalog(widened, true), await crawlCatalog(fitted, true)];

    // Assess
    expect(crawls.map((c) => c.queued)).toEqual([2, 2]);
    expect((await versionsOf(widened, 'processed.sales')).map((v) => v.version)).toEqual([1, 2]);
    expect(await typeOf(widened, 'processed.sales', 'v')).toBe('DECIMAL(21,2)');
    expect((await versionsOf(fitted, 'processed.sales')).map((v) => v.version)).toEqual([1]);
    expect(await valuesOf(fitted)).toEqual(['0.1250', '0.0500']);
  });

  it("the table's sole file registered again with narrower values defines the table afresh", async () => {
    // Prepare
    const dir = tempDir();
    await ingestAll(dir, [['a.csv', csv([[1, '10.5']])]]);

    // Act
    await ingestAll(dir, [['a.csv', csv([[1, '10']])]]);

    // Assess
    const versions = await versionsOf(dir, 'processed.sales');
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.diff.changed).toEqual([{ name: 'v', from: 'DECIMAL(18,2)', to: 'BIGINT' }]);
    expect(await valuesOf(dir)).toEqual(['10']);
  });
});
