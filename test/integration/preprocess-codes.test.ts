/**
 * Codes that look like something else, through the preprocess stage: a null
 * token that is a code in a column of codes (`NA` is Namibia among country
 * codes), and numbers written with a leading `+` (dialling codes) stay text,
 * wherever in the file they come; signed numbers stay numbers.
 */
import { describe, expect, it } from 'vitest';
import { usePreprocessHarness } from '../helpers/preprocess-harness.js';

const h = usePreprocessHarness();
const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'NL', 'ES', 'IT', 'ZA', 'BW', 'KE'];

function csv(header: string, rows: number, row: (i: number) => string): string {
  return `${header}\n${Array.from({ length: rows }, (_, k) => row(k + 1)).join('\n')}\n`;
}

describe('a null token among codes', () => {
  it.each([
    ['throughout the file', (i: number) => i % 11 === 0],
    ['only in the last 2% of rows', (i: number) => i > 2940 && i % 3 === 0],
  ])('is a code in a column of country codes when it comes %s, and a missing value elsewhere', async (_, namibia) => {
    // Prepare: NA in the country column; NA and an empty cell in a numeric column beside it.
    const country = (i: number) => (namibia(i) ? 'NA' : (COUNTRIES[i % COUNTRIES.length] as string));
    const amount = (i: number) => (i % 17 === 0 ? 'NA' : i % 19 === 0 ? '' : String(i));

    // Act
    const r = await h.run(
      'sales/a.csv',
      csv('country,amount', 3000, (i) => `${country(i)},${amount(i)}`),
      { defaults: { dedupe: 'none' } },
    );

    // Assess
    expect(await h.types(r)).toMatchObject({ country: 'VARCHAR', amount: 'BIGINT' });
    expect(await h.column(r, 'country')).toEqual(Array.from({ length: 3000 }, (_, k) => country(k + 1)));
    const amounts = await h.column(r, 'amount');
    expect(amounts.filter((v) => v === null)).toHaveLength(Array.from({ length: 3000 }, (_, k) => amount(k + 1)).filter((v) => v === 'NA' || v === '').length);
    expect(h.reported(r, 'country').reason).toBe('free text; "NA" read as a value, not missing: the column\'s other values are 2-letter codes');
  });

  it('stays missing in a column of codes whose own null tokens name it, and in a column of words', async () => {
    // Prepare
    const row = (i: number) =>
      `${i % 13 === 0 ? 'NA' : COUNTRIES[i % COUNTRIES.length]},${i % 13 === 0 ? 'NA' : ['red', 'green', 'blue', 'cyan', 'teal', 'pink'][i % 6]}`;

    // Act
    const r = await h.run('sales/b.csv', csv('country,colour', 200, row), {
      datasets: { sales: { dedupe: 'none', columns: { country: { nullTokens: ['NA', ''] } } } },
    });

    // Assess
    expect((await h.column(r, 'country')).filter((v) => v === null)).toHaveLength(15);
    expect((await h.column(r, 'colour')).filter((v) => v === null)).toHaveLength(15);
  });
});

describe('numbers written with a leading +', () => {
  it('are text when most values are so written and none is negative (dialling codes)', async () => {
    // Prepare
    const codes = ['+44', '+1', '+353', '+49', '+33', '+358', '+91'];
    const code = (i: number) => codes[i % codes.length] as string;

    // Act
    const r = await h.run(
      'phones/a.csv',
      csv('id,dial', 300, (i) => `${i},${code(i)}`),
    );

    // Assess
    expect((await h.types(r)).dial).toBe('VARCHAR');
    expect(await h.column(r, 'dial')).toEqual(Array.from({ length: 300 }, (_, k) => code(k + 1)));
    expect(h.reported(r, 'dial').reason).toContain('written with a leading + and none is negative');
  });

  it('are numbers in a column of signed changes', async () => {
    // Prepare
    const change = (i: number) => (i % 2 ? `+${i % 9}` : `-${i % 7}`);

    // Act
    const r = await h.run(
      'phones/delta.csv',
      csv('id,change', 300, (i) => `${i},${change(i)}`),
    );

    // Assess
    expect((await h.types(r)).change).toBe('BIGINT');
    expect(await h.column(r, 'change')).toEqual(Array.from({ length: 300 }, (_, k) => String(Number(change(k + 1)))));
  });

  it('types the whole file alike when the codes come only after the sample', async () => {
    // Prepare: 100 plain numbers, then 300 dialling codes; types first decided on the first 80 rows.
    const dial = (i: number) => (i <= 100 ? String(i) : `+${40 + (i % 50)}`);
    const text = csv('id,dial', 400, (i) => `${i},${dial(i)}`);

    // Act
    const sampled = await h.run('phones/late.csv', text, { defaults: { typeSampleRows: 80 } });
    const whole = await h.run('phones/late.csv', text);

    // Assess
    expect((await h.types(sampled)).dial).toBe('VARCHAR');
    expect(await h.column(sampled, 'dial')).toEqual(await h.column(whole, 'dial'));
    expect(sampled.report.typeSample).toMatchObject({ held: false });
  });
});

describe('direction marks around values', () => {
  it('are trimmed like spaces, so a right-to-left export types its numbers and dates', async () => {
    // Prepare: U+200F (right-to-left mark), U+200E, U+061C and U+2066…U+2069 (isolates) around values, as Hebrew and Arabic exports write them.
    const marks = ['\u200f', '\u200e', '\u061c', '\u2067', '\u2066'];
    const row = (i: number) => `${i},${marks[i % 5]}${i * 3}.25${i % 2 ? '\u2069' : ''},${marks[(i + 1) % 5]}2024-03-${String((i % 28) + 1).padStart(2, '0')}`;

    // Act
    const r = await h.run('rtl/a.csv', csv('id,amount,day', 60, row));

    // Assess
    expect(await h.types(r)).toMatchObject({ amount: 'DECIMAL(18,2)', day: 'DATE' });
    expect((await h.column(r, 'amount')).slice(0, 3)).toEqual(['3.25', '6.25', '9.25']);
    expect(await h.rejectedCells(r)).toEqual([]);
  });
});
