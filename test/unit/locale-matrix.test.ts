/**
 * The locale matrix: for every CLDR locale the parsers know, numbers, money,
 * percentages, dates and timestamps rendered by Intl.NumberFormat and
 * Intl.DateTimeFormat are read back through the real macros in DuckDB to the
 * same number or date. Forms deliberately not supported are listed, and each
 * is checked to come back NULL (a rejected cell), never as a wrong value.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLDR_LOCALES, localCurrency } from '../../src/core/cldr.js';
import { Engine, quoteString } from '../../src/engine/duckdb.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.open({ tempDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-locales-')) });
});

afterAll(() => {
  engine.close();
});

/** Evaluate SQL expressions in one query; DATE and TIMESTAMP come back as text. */
async function evaluate(expressions: string[]): Promise<unknown[]> {
  return engine.withConnection(async (c) => {
    const reader = await c.runAndReadAll(`SELECT ${expressions.map((e, i) => `${e} AS v${i}`).join(', ')}`);
    return reader.getRowsJson()[0] as unknown[];
  });
}

/** Read each rendered value as a number with the decimal separator its format uses; NULL stays null. */
async function readNumbers(rendered: { text: string; decimalComma: boolean }[]): Promise<(number | null)[]> {
  const results = await evaluate(rendered.map((r) => `sluice_num(${quoteString(r.text)}, ${r.decimalComma})`));
  return results.map((r) => (r === null ? null : Number(r)));
}

/** Render `values` in `locale` with `options`, remembering which decimal separator the format writes (fr-CH money has a point). */
function render(locale: string, options: Intl.NumberFormatOptions, values: number[]) {
  const withDecimals = new Intl.NumberFormat(locale, { ...options, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const comma = withDecimals.formatToParts(1.5).find((p) => p.type === 'decimal')?.value === ',';
  const format = new Intl.NumberFormat(locale, options);
  return values.map((v) => ({ text: format.format(v), decimalComma: comma }));
}

const NUMBERS = [0, 7, -42, 1234.56, -1234567.89, 987654321.5, 0.25];
const INTEGERS = [0, 7, -42, 1234, -1234567, 987654321];
const DATES = [
  [2024, 3, 5],
  [2023, 11, 23],
  [1999, 1, 31],
  [2025, 9, 9],
  [2024, 5, 1],
  [2026, 12, 28],
] as const;
const TIMES = [
  [2024, 3, 5, 14, 22],
  [2023, 11, 23, 9, 5],
  [1999, 1, 31, 0, 45],
] as const;
const iso = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

type DateStyle = 'short' | 'medium' | 'long';
/**
 * Date and timestamp forms left out on purpose, each checked to read as NULL:
 * - ko-KR short `24. 3. 5.`: a two-digit year first, which no other form writes;
 * - fr-CA times `14 h 22`; day periods written in the language (el-GR `μ.μ.`,
 *   zh-TW `下午`, ko-KR `PM` before the time); hi-IN long times ending in `बजे`.
 */
const UNSUPPORTED_DATES: Record<string, DateStyle[]> = { 'ko-KR': ['short'] };
const UNSUPPORTED_TIMES: Record<string, DateStyle[]> = {
  'fr-CA': ['short', 'medium', 'long'],
  'el-GR': ['short', 'medium', 'long'],
  'zh-TW': ['short', 'medium', 'long'],
  'ko-KR': ['short', 'medium', 'long'],
  'hi-IN': ['long'],
};
const STYLES: DateStyle[] = ['short', 'medium', 'long'];

/** The date format's day order: whether the day comes before the month. */
function dayFirst(locale: string): boolean {
  const types = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeZone: 'UTC' }).formatToParts(0).map((p) => p.type);
  return types.indexOf('day') < types.indexOf('month');
}

describe.each(CLDR_LOCALES)('numbers written in %s', (locale) => {
  it('read back plain, grouped and negative numbers with two decimals', async () => {
    // Prepare
    const rendered = render(locale, { minimumFractionDigits: 2 }, NUMBERS);

    // Act
    const results = await readNumbers(rendered);

    // Assess
    expect(results, JSON.stringify(rendered)).toEqual(NUMBERS);
  });

  it('read back grouped integers', async () => {
    // Prepare
    const rendered = render(locale, {}, INTEGERS);

    // Act
    const results = await readNumbers(rendered);

    // Assess
    expect(results, JSON.stringify(rendered)).toEqual(INTEGERS);
  });

  it.each([localCurrency(locale), 'USD', 'EUR'])('read back amounts of %s in the currency format', async (currency) => {
    // Prepare
    const options = { style: 'currency', currency } as const;
    const digits = new Intl.NumberFormat(locale, options).resolvedOptions().maximumFractionDigits ?? 2;
    const rendered = render(locale, options, NUMBERS);

    // Act
    const results = await readNumbers(rendered);

    // Assess
    expect(results, JSON.stringify(rendered)).toEqual(NUMBERS.map((v) => Number(v.toFixed(digits))));
  });

  it('reads percentages as the number before the sign, and says they are percentages', async () => {
    // Prepare
    const rendered = render(locale, { style: 'percent', maximumFractionDigits: 1 }, [0.125, -0.5]);

    // Act
    const results = await readNumbers(rendered);
    const percent = await evaluate(rendered.map((r) => `sluice_is_percent(${quoteString(r.text)})`));

    // Assess
    if (locale === 'tr-TR') {
      // The sign before the number (`%12,5`) is not supported: it is refused rather than read as 12.5.
      expect(results).toEqual([null, null]);
    } else {
      expect(results, JSON.stringify(rendered)).toEqual([12.5, -50]);
      expect(percent).toEqual([true, true]);
    }
  });
});

describe.each(CLDR_LOCALES)('dates written in %s', (locale) => {
  it.each(STYLES)('read back the %s date style to the same day, or to NULL where unsupported', async (dateStyle) => {
    // Prepare
    const format = new Intl.DateTimeFormat(locale, { dateStyle, timeZone: 'UTC' });
    const rendered = DATES.map(([y, m, d]) => format.format(Date.UTC(y, m - 1, d)));

    // Act
    const results = await evaluate(rendered.map((v) => `sluice_date(${quoteString(v)}, ${dayFirst(locale)})`));

    // Assess
    const supported = !UNSUPPORTED_DATES[locale]?.includes(dateStyle);
    expect(results, JSON.stringify(rendered)).toEqual(DATES.map(([y, m, d]) => (supported ? iso(y, m, d) : null)));
  });

  it.each(STYLES)('read back the %s date style with a short time to the same instant, or to NULL where unsupported', async (dateStyle) => {
    // Prepare
    const format = new Intl.DateTimeFormat(locale, { dateStyle, timeStyle: 'short', timeZone: 'UTC' });
    const rendered = TIMES.map(([y, m, d, h, min]) => format.format(Date.UTC(y, m - 1, d, h, min)));

    // Act
    const results = await evaluate(rendered.map((v) => `sluice_ts(${quoteString(v)}, ${dayFirst(locale)})`));

    // Assess
    const supported = !UNSUPPORTED_TIMES[locale]?.includes(dateStyle) && !UNSUPPORTED_DATES[locale]?.includes(dateStyle);
    const expected = TIMES.map(([y, m, d, h, min]) => `${iso(y, m, d)} ${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}:00`);
    expect(results, JSON.stringify(rendered)).toEqual(supported ? expected : expected.map(() => null));
  });
});

describe('locales deliberately not supported', () => {
  it('refuses every number and date written in Arabic-Indic digits (ar-EG)', async () => {
    // Prepare
    const numbers = [
      new Intl.NumberFormat('ar-EG', { minimumFractionDigits: 2 }),
      new Intl.NumberFormat('ar-EG', { style: 'currency', currency: 'EGP' }),
    ].flatMap((f) => NUMBERS.map((v) => f.format(v)));
    const dates = STYLES.flatMap((dateStyle) =>
      DATES.map(([y, m, d]) => new Intl.DateTimeFormat('ar-EG', { dateStyle, timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d))),
    );

    // Act
    const results = await evaluate([
      ...numbers.flatMap((v) => [`sluice_num(${quoteString(v)}, false)`, `sluice_num(${quoteString(v)}, true)`]),
      ...dates.flatMap((v) => [`sluice_date(${quoteString(v)}, true)`, `sluice_ts(${quoteString(v)}, true)`]),
    ]);

    // Assess
    expect(results.every((r) => r === null)).toBe(true);
    expect(results).toHaveLength(numbers.length * 2 + dates.length * 2);
  });

  it('refuses Thai dates with month names, whose years count from the Buddhist era (th-TH: 2567 is 2024)', async () => {
    // Prepare
    const dates = (['medium', 'long'] as const).flatMap((dateStyle) =>
      DATES.map(([y, m, d]) => new Intl.DateTimeFormat('th-TH', { dateStyle, timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d))),
    );

    // Act
    const results = await evaluate(dates.map((v) => `sluice_date(${quoteString(v)}, true)`));

    // Assess
    expect(results, JSON.stringify(dates)).toEqual(dates.map(() => null));
  });

  it('reads Thai numbers and Gregorian numeric dates (th-TH-u-ca-gregory); a Buddhist-era `5/3/67` cannot be told from one', async () => {
    // Prepare
    const numbers = render('th-TH', { minimumFractionDigits: 2 }, NUMBERS);
    const format = new Intl.DateTimeFormat('th-TH-u-ca-gregory', { dateStyle: 'short', timeZone: 'UTC' });
    const dates = DATES.map(([y, m, d]) => format.format(Date.UTC(y, m - 1, d)));

    // Act
    const readNumbersBack = await readNumbers(numbers);
    const readDates = await evaluate(dates.map((v) => `sluice_date(${quoteString(v)}, true)`));

    // Assess
    expect(readNumbersBack).toEqual(NUMBERS);
    expect(readDates, JSON.stringify(dates)).toEqual(DATES.map(([y, m, d]) => iso(y, m, d)));
  });
});

describe('forms typed by hand', () => {
  it.each([
    ['12,34,567.89', false, '1234567.89'],
    ['₹ 1,23,456', false, '123456'],
    ['-₹1,23,45,678.50', false, '-12345678.50'],
    ['−1 234,5', true, '-1234.5'],
    ['1\u202F234\u202F567,25', true, '1234567.25'],
    ['1\u00A0234,50 kr', true, '1234.50'],
    ["1'234.56", false, '1234.56'],
    ['1’234.56', false, '1234.56'],
    ["CHF 1'234.50", false, '1234.50'],
    ["CHF-1'234.50", false, '-1234.50'],
    ['R$ 1.234,56', true, '1234.56'],
    ['1 234,56 zł', true, '1234.56'],
    ['1 234 kr', true, '1234'],
    ['1 234,50 Kč', true, '1234.50'],
    ['1.234.568 ₫', true, '1234568'],
    ['₪ 1,234.50', false, '1234.50'],
    ['฿1,234.50', false, '1234.50'],
    ['1.234,56 €', true, '1234.56'],
    ['€ -1.234,56', true, '-1234.56'],
    ['PLN 1 234,56', true, '1234.56'],
    ['1,234.56 SGD', false, '1234.56'],
    ['R 1 234,50', true, '1234.50'],
  ])('reads %j (decimal comma: %s) as %j', async (value, comma, expected) => {
    // Act
    const [result] = await evaluate([`sluice_num(${quoteString(value)}, ${comma})`]);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['5K', false],
    ['5 F', false],
    ['1,2,34', false],
    ["1'234,567.8", false],
    ['1.234 567,8', true],
  ])('refuses %j (decimal comma: %s): a unit after a number, or mixed group separators', async (value, comma) => {
    expect(await evaluate([`sluice_num(${quoteString(value)}, ${comma})`])).toEqual([null]);
  });

  it.each([
    ['5. März 2024', '2024-03-05'],
    ['5 mars 2024', '2024-03-05'],
    ['5 de marzo de 2024', '2024-03-05'],
    ['5 marzo 2024', '2024-03-05'],
    ['5 maart 2024', '2024-03-05'],
    ['5 marca 2024', '2024-03-05'],
    ['5 мар. 2024', '2024-03-05'],
    ['5 МАРТА 2024 г.', '2024-03-05'],
    ['2024年3月5日', '2024-03-05'],
    ['2024/3/5', '2024-03-05'],
    ['2024. 3. 5.', '2024-03-05'],
    ['2024년 3월 5일', '2024-03-05'],
    ['23 Sept 2023', '2023-09-23'],
    ['05-Mar-2024', '2024-03-05'],
    ['March 5 2024', '2024-03-05'],
  ])('reads %j as %j', async (value, expected) => {
    // Act
    const [result] = await evaluate([`sluice_date(${quoteString(value)}, true)`]);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['2024年3月5日 14:22', '2024-03-05 14:22:00'],
    ['5. März 2024 um 14:22', '2024-03-05 14:22:00'],
    ['5.3.2024 klo 14.22', '2024-03-05 14:22:00'],
    ['5 de marzo de 2024, 2:22 p.m.', '2024-03-05 14:22:00'],
  ])('reads %j as %j', async (value, expected) => {
    // Act
    const [result] = await evaluate([`sluice_ts(${quoteString(value)}, true)`]);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(['31 février 2024', '5 Mätz 2024', '5 apples 2024', '3 de 4 de 2024'])('refuses %j: no such day, or no month name', async (value) => {
    expect(await evaluate([`sluice_date(${quoteString(value)}, true)`])).toEqual([null]);
  });
});
