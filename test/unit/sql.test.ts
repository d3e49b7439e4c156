import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { neutraliseFormula } from '../../src/core/formula.js';
import { Engine } from '../../src/engine/duckdb.js';
import { convertsExactly, neutralisedFormula, quoteString } from '../../src/engine/sql.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.open({ tempDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-sql-')) });
});

afterAll(() => {
  engine.close();
});

/** Whether `value` read as `from` fits a column of type `to`. */
async function fits(value: string | null, from: string, to: string): Promise<unknown> {
  return engine.withConnection(async (c) => {
    const literal = value === null ? 'NULL' : quoteString(value);
    const reader = await c.runAndReadAll(`SELECT ${convertsExactly('v', from, to)} AS fits FROM (SELECT CAST(${literal} AS ${from}) AS v)`);
    return reader.getRowObjectsJson()[0]?.fits;
  });
}

describe('convertsExactly', () => {
  it.each([
    ['12', 'VARCHAR', 'BIGINT', true],
    ['abc', 'VARCHAR', 'BIGINT', false],
    ['007', 'VARCHAR', 'BIGINT', false],
    ['2.5', 'DOUBLE', 'BIGINT', false],
    ['3.0', 'DOUBLE', 'BIGINT', true],
    ['2024-01-01', 'VARCHAR', 'DATE', true],
    ['hello', 'VARCHAR', 'DATE', false],
    ['5', 'BIGINT', 'DECIMAL(18,2)', true],
    ['100000000000000000', 'BIGINT', 'DECIMAL(18,2)', false],
    ['1.25', 'DOUBLE', 'DECIMAL(18,2)', true],
    ['1.255', 'DOUBLE', 'DECIMAL(18,2)', false],
    ['2024-01-01 10:00:00', 'TIMESTAMP', 'DATE', false],
    ['2024-01-01 00:00:00', 'TIMESTAMP', 'DATE', true],
  ])('%s as %s into %s: %s', async (value, from, to, expected) => {
    expect(await fits(value, from, to)).toBe(expected);
  });

  it('lets a NULL fit any type', async () => {
    expect(await fits(null, 'VARCHAR', 'BIGINT')).toBe(true);
  });
});

describe('formula neutralising', () => {
  it.each([
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['+1+1', "'+1+1"],
    ['-2-3', "'-2-3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['plain', 'plain'],
    ['-5', '-5'],
    ['+3.5', '+3.5'],
    ['-1e3', '-1e3'],
    ['-.5', '-.5'],
    ['-', "'-"],
    ['-5;calc', "'-5;calc"],
    ['a=b', 'a=b'],
    ['', ''],
  ])('%j becomes %j, the same in JavaScript and in DuckDB', async (text, expected) => {
    const inSql = await engine.withConnection(async (c) => {
      const reader = await c.runAndReadAll(`SELECT ${neutralisedFormula(quoteString(text))} AS v`);
      return reader.getRowObjectsJson()[0]?.v;
    });

    expect(neutraliseFormula(text)).toBe(expected);
    expect(inSql).toBe(expected);
  });
});
