import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booleanWordLists } from '../../src/core/vocabulary.js';
import { Engine, quoteString } from '../../src/engine/duckdb.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.open({ tempDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-macros-')) });
});

afterAll(() => {
  engine.close();
});

/** Evaluate one SQL expression with the parsing macros installed; DATE and TIMESTAMP come back as text. */
async function evaluate(expression: string): Promise<unknown> {
  return engine.withConnection(async (c) => {
    const reader = await c.runAndReadAll(`SELECT ${expression} AS v`);
    return reader.getRowObjectsJson()[0]?.v;
  });
}

const num = (value: string, decimalComma = false) => evaluate(`sluice_num(${quoteString(value)}, ${decimalComma})`);
const date = (value: string, dayFirst = false) => evaluate(`sluice_date(${quoteString(value)}, ${dayFirst})`);
const ts = (value: string, dayFirst = false) => evaluate(`sluice_ts(${quoteString(value)}, ${dayFirst})`);
const bool = (value: string, zeroOne = false) => evaluate(`sluice_bool(${quoteString(value)}, ${zeroOne})`);

describe('sluice_num', () => {
  it.each([
    ['$1,234.50', '1234.50'],
    ['(12.50)', '-12.50'],
    ['($12.50)', '-12.50'],
    ['-$5', '-5'],
    ['USD 12', '12'],
    ['12.50 EUR', '12.50'],
    ['€ 3.5', '3.5'],
    ['12,345,678.9', '12345678.9'],
    ['1e5', '1e5'],
    ['.5', '.5'],
    ['12%', '12'],
  ])('reads %j with a decimal point as %j', async (value, expected) => {
    // Act
    const result = await num(value);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(['1,2,3', '1 234', '1,23', 'abc', '', '- 5'])('refuses %j with a decimal point', async (value) => {
    expect(await num(value)).toBeNull();
  });

  it.each([
    ['1.234,56', '1234.56'],
    ['1 234,56', '1234.56'],
    ["1'234,56", '1234.56'],
    ['(1.234,56)', '-1234.56'],
    ['€1.234,56', '1234.56'],
    ['12,5', '12.5'],
    ['1.234.567', '1234567'],
  ])('reads %j with a decimal comma as %j', async (value, expected) => {
    expect(await num(value, true)).toBe(expected);
  });

  it.each(['1.2345,6', '12.50 EUR', '1e5'])('refuses %j with a decimal comma', async (value) => {
    expect(await num(value, true)).toBeNull();
  });

  it('passes NULL through', async () => {
    expect(await evaluate('sluice_num(NULL, false)')).toBeNull();
  });
});

describe('sluice_is_percent', () => {
  it.each([
    ['12%', true],
    ['(12%)', true],
    ['12', false],
    ['%12', false],
  ])('says %j is a percentage: %s', async (value, expected) => {
    expect(await evaluate(`sluice_is_percent(${quoteString(value)})`)).toBe(expected);
  });
});

describe('sluice_date', () => {
  it('reads a slashed date month-first', async () => {
    expect(await date('03/05/2024', false)).toBe('2024-03-05');
  });

  it('reads a slashed date day-first', async () => {
    expect(await date('03/05/2024', true)).toBe('2024-05-03');
  });

  it('refuses a month above 12 month-first, and reads it day-first', async () => {
    // Act
    const monthFirst = await date('13/05/2024', false);
    const dayFirst = await date('13/05/2024', true);

    // Assess
    expect(monthFirst).toBeNull();
    expect(dayFirst).toBe('2024-05-13');
  });

  it.each(['5 Mar 2024', '2024/03/05', '2024-03-05', '05.03.24', '05.03.2024', 'Mar 5, 2024', 'March 5 2024', '05-Mar-24'])(
    'reads %j as 2024-03-05 in either order',
    async (value) => {
      // Act
      const monthFirst = await date(value, false);
      const dayFirst = await date(value, true);

      // Assess
      expect(monthFirst).toBe('2024-03-05');
      expect(dayFirst).toBe('2024-03-05');
    },
  );

  it('reads a two-digit year', async () => {
    expect(await date('3/5/24', false)).toBe('2024-03-05');
  });

  it.each(['12345', '20240305', '2024-02-30', '2024-13-01', 'March', '2024-03-05 10:00'])('refuses %j', async (value) => {
    expect(await date(value, false)).toBeNull();
  });
});

describe('sluice_ts', () => {
  it('normalises an offset to UTC', async () => {
    expect(await ts('2024-03-05T10:00:00+02:00', false)).toBe('2024-03-05 08:00:00');
  });

  it.each([
    ['2024-03-05T10:00:00-05:00', '2024-03-05 15:00:00'],
    ['2024-03-05 10:00:00Z', '2024-03-05 10:00:00'],
    ['2024-03-05T10:00:00', '2024-03-05 10:00:00'],
    ['2024-03-05 10:00', '2024-03-05 10:00:00'],
    ['2024-03-05', '2024-03-05 00:00:00'],
  ])('reads %j as %j', async (value, expected) => {
    expect(await ts(value, false)).toBe(expected);
  });

  it('reads a slashed timestamp in the given day order', async () => {
    // Act
    const monthFirst = await ts('03/05/2024 10:00 PM', false);
    const dayFirst = await ts('03/05/2024 10:00 PM', true);

    // Assess
    expect(monthFirst).toBe('2024-03-05 22:00:00');
    expect(dayFirst).toBe('2024-05-03 22:00:00');
  });

  it('reads a slashed date with a two-digit year as sluice_date does, at midnight', async () => {
    // Act
    const monthFirst = await ts('3/5/24', false);
    const dayFirst = await ts('3/5/24', true);

    // Assess
    expect(monthFirst).toBe('2024-03-05 00:00:00');
    expect(dayFirst).toBe('2024-05-03 00:00:00');
  });

  it.each([
    ['2024/03/05 10:00:30', false, '2024-03-05 10:00:30'],
    ['05.03.2024 10:00', false, '2024-03-05 10:00:00'],
    ['5 Mar 2024 1:05 PM', false, '2024-03-05 13:05:00'],
    ['5-Mar-24T12:00 AM', false, '2024-03-05 00:00:00'],
    ['Mar 5, 2024 12:30:15 pm', false, '2024-03-05 12:30:15'],
    ['5 OCT 2024 23:59:59.5', false, '2024-10-05 23:59:59.5'],
    ['13/05/2024T08:15', true, '2024-05-13 08:15:00'],
    ['3/5/24 9:05PM', true, '2024-05-03 21:05:00'],
  ])('reads the date and the time of %j apart (day-first: %j) as %j', async (value, dayFirst, expected) => {
    expect(await ts(value, dayFirst)).toBe(expected);
  });

  it.each(['12345', 'not a time', '', '03/05/2024 24:00', '03/05/2024 10:60', '31/02/2024 10:00', 'x 10:00', '03/05/2024 10:00 PM extra'])(
    'refuses %j',
    async (value) => {
      expect(await ts(value, false)).toBeNull();
    },
  );
});

describe('sluice_bool', () => {
  it.each([
    ['yes', true],
    ['no', false],
    ['Y', true],
    ['N', false],
    ['true', true],
    ['TRUE', true],
    ['f', false],
    ['T', true],
  ])('reads %j as %s', async (value, expected) => {
    expect(await bool(value)).toBe(expected);
  });

  it('reads 1 and 0 as booleans only with zero_one', async () => {
    // Act
    const withoutOne = await bool('1', false);
    const withOne = await bool('1', true);
    const withZero = await bool('0', true);

    // Assess
    expect(withoutOne).toBeNull();
    expect(withOne).toBe(true);
    expect(withZero).toBe(false);
  });

  it.each([
    ['ja', true],
    ['Nein', false],
    ['OUI', true],
    ['non', false],
    ['Sí', true],
    ['sì', true],
    ['não', false],
    ['NÃO', false],
    ['nee', false],
    ['Nej', false],
    ['tak', true],
    ['nie', false],
    ['да', true],
    ['НЕТ', false],
    ['evet', true],
    ['はい', true],
    ['否', false],
    ['kyllä', true],
  ])('reads %j in another language as %s, any case', async (value, expected) => {
    expect(await bool(value)).toBe(expected);
  });

  it('has no word that is yes in one language and no in another', () => {
    // Act
    const lists = booleanWordLists();

    // Assess
    expect(lists.true.filter((w) => lists.false.includes(w))).toEqual([]);
    expect(() => booleanWordLists({ true: ['Nein'] })).toThrow('boolean words both true and false: nein');
  });

  it.each(['2', 'maybe', 'yess'])('refuses %j even with zero_one', async (value) => {
    expect(await bool(value, true)).toBeNull();
  });
});
