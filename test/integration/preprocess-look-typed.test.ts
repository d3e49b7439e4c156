/**
 * Columns that only look typed, through the preprocess stage: a flag column
 * with a recurring third answer is a category, an identifier column whose
 * later values are codes of one shape is text, and both keep every value as
 * written; stray garbage in a typed column stays a rejected cell. Positions
 * in the file include only the last few percent of rows, past the sample.
 */
import { describe, expect, it } from 'vitest';
import { usePreprocessHarness } from '../helpers/preprocess-harness.js';

const h = usePreprocessHarness();

function csv(header: string, rows: number, row: (i: number) => string): string {
  return `${header}\n${Array.from({ length: rows }, (_, k) => row(k + 1)).join('\n')}\n`;
}

describe('a flag column with another answer', () => {
  it.each([
    ['Maybe', 0.04],
    ["Don't know", 0.03],
    ['N/A – skipped', 0.02],
  ])('is text when %j recurs (%s of rows), with every answer kept as written', async (third, share) => {
    // Prepare: yes/no answers, and the third answer on every k-th row.
    const every = Math.round(1 / share);
    const answer = (i: number) => (i % every === 0 ? third : i % 3 ? 'Yes' : 'No');
    const text = csv('respondent,answer', 1200, (i) => `${i},${answer(i).includes(',') ? `"${answer(i)}"` : answer(i)}`);

    // Act
    const r = await h.run('survey/a.csv', text);

    // Assess
    expect((await h.types(r)).answer).toBe('VARCHAR');
    expect(await h.column(r, 'answer')).toEqual(Array.from({ length: 1200 }, (_, k) => answer(k + 1)));
    expect(h.reported(r, 'answer').reason).toMatch(
      new RegExp(
        `^looked like a boolean column \\(9\\d(\\.\\d)?% of values\\) but another answer recurs \\(${JSON.stringify(third).replace(/[()]/g, '\\$&')} in \\d+ rows\\): a category; kept as text so no value is lost$`,
      ),
    );
    expect(await h.rejectedCells(r)).toEqual([]);
  });

  it('is text when the third answer comes only in the last 3% of rows, past the sample', async () => {
    // Prepare: 3,000 yes/no rows, then 90 rows of "Maybe" among yes/no; types first decided on 300 rows.
    const answer = (i: number) => (i > 3000 && i % 2 ? 'Maybe' : i % 3 ? 'y' : 'n');

    // Act
    const r = await h.run(
      'survey/late.csv',
      csv('id,answer', 3090, (i) => `${i},${answer(i)}`),
      { defaults: { typeSampleRows: 300 } },
    );

    // Assess
    expect((await h.types(r)).answer).toBe('VARCHAR');
    expect(await h.column(r, 'answer')).toEqual(Array.from({ length: 3090 }, (_, k) => answer(k + 1)));
  });

  it('stays a flag when the other values are ways of writing "no value", however often they come', async () => {
    // Prepare: "unknown" on 2% of rows, "#REF!" and "?" once each.
    const answer = (i: number) => (i === 7 ? '#REF!' : i === 11 ? '?' : i % 50 === 0 ? 'unknown' : i % 2 ? 'yes' : 'no');

    // Act
    const r = await h.run(
      'survey/stray.csv',
      csv('id,answer', 1000, (i) => `${i},${answer(i)}`),
    );

    // Assess
    expect((await h.types(r)).answer).toBe('BOOLEAN');
    const cells = await h.rejectedCells(r);
    expect(cells).toHaveLength(22);
    expect(cells.slice(0, 3)).toEqual([
      [8, 'answer', '#REF!'],
      [12, 'answer', '?'],
      [51, 'answer', 'unknown'],
    ]);
    expect(h.reported(r, 'answer').reason).toBe('97.8% of values are yes/no words (no, yes: English); 22 other values ("unknown", "#REF!", "?") set to NULL');
  });
});

describe('an identifier column with codes', () => {
  it.each([
    ['INV-2024-0042 style', (i: number) => `INV-2024-${String(i).padStart(4, '0')}`],
    ['A17B style', (i: number) => `A${i % 97}B`],
  ])('is text when later values are codes of one shape (%s), every value kept', async (_, code) => {
    // Prepare: 2,000 numeric ids, then 50 codes (the last 2.4%); types first decided on 200 rows.
    const id = (i: number) => (i <= 2000 ? String(10000 + i) : code(i));

    // Act
    const r = await h.run(
      'invoices/a.csv',
      csv('invoice,amount', 2050, (i) => `${id(i)},${i}.50`),
      { defaults: { typeSampleRows: 200 } },
    );

    // Assess
    expect(await h.types(r)).toMatchObject({ invoice: 'VARCHAR', amount: 'DECIMAL(18,2)' });
    expect(await h.column(r, 'invoice')).toEqual(Array.from({ length: 2050 }, (_, k) => id(k + 1)));
    expect(h.reported(r, 'invoice').reason).toMatch(
      /^looked like an integer column \(97\.6% of values\) but 50 values are codes of one shape \(".+", \d+ different\): an identifier; kept as text so no value is lost$/,
    );
  });

  it('stays a number column with stray garbage of no common shape, the garbage rejected', async () => {
    // Prepare
    const qty = (i: number) => (i === 40 ? 'n/a?' : i === 90 ? 'unknown' : i === 150 ? '#REF!' : i === 170 ? 'x1' : String(i % 13));

    // Act
    const r = await h.run(
      'stock/a.csv',
      csv('sku,qty', 400, (i) => `S${i},${qty(i)}`),
    );

    // Assess
    expect((await h.types(r)).qty).toBe('BIGINT');
    expect((await h.rejectedCells(r)).map(([, , v]) => v)).toEqual(['n/a?', 'unknown', '#REF!', 'x1']);
  });

  it('keeps the type sluice.yaml sets, the codes rejected', async () => {
    // Prepare
    const id = (i: number) => (i <= 380 ? String(i) : `INV-${i}`);

    // Act
    const r = await h.run(
      'invoices/set.csv',
      csv('invoice,amount', 400, (i) => `${id(i)},${i}`),
      {
        datasets: { invoices: { columns: { invoice: { type: 'bigint' } } } },
      },
    );

    // Assess
    expect((await h.types(r)).invoice).toBe('BIGINT');
    expect(await h.rejectedCells(r)).toHaveLength(20);
  });
});
