import { describe, expect, it } from 'vitest';
import { describeDiff, diffSchemas, emptyDiff, misfit, type SchemaDiff } from '../../src/core/schema.js';
import type { ColumnSchema } from '../../src/core/types.js';

const col = (name: string, type: string, nullable = false): ColumnSchema => ({ name, type, nullable });

const NO_CHANGE: SchemaDiff = { added: [], removed: [], widened: [], changed: [] };

const TABLE = [col('id', 'BIGINT'), col('amount', 'DECIMAL(21,2)'), col('price', 'DOUBLE'), col('sold_on', 'TIMESTAMP'), col('note', 'VARCHAR', true)];

describe('misfit', () => {
  it('is empty for a file with the same columns and types', () => {
    // Act
    const diff = misfit(TABLE, [...TABLE]);

    // Assess
    expect(diff).toEqual(NO_CHANGE);
    expect(emptyDiff(diff)).toBe(true);
  });

  it('is empty for a file with a subset of the columns in another order', () => {
    // Prepare
    const file = [col('price', 'DOUBLE'), col('id', 'BIGINT')];

    // Act
    const diff = misfit(TABLE, file);

    // Assess
    expect(diff).toEqual(NO_CHANGE);
  });

  it.each([
    ['an INTEGER into a BIGINT column', 'id', 'INTEGER'],
    ['a TINYINT into a BIGINT column', 'id', 'TINYINT'],
    ['a BIGINT into a DECIMAL(21,2) column', 'amount', 'BIGINT'],
    ['a DECIMAL(10,2) into a DECIMAL(21,2) column', 'amount', 'DECIMAL(10,2)'],
    ['a BIGINT into a DOUBLE column', 'price', 'BIGINT'],
    ['a DECIMAL(18,3) into a DOUBLE column', 'price', 'DECIMAL(18,3)'],
    ['a DATE into a TIMESTAMP column', 'sold_on', 'DATE'],
    ['a BIGINT into a VARCHAR column', 'note', 'BIGINT'],
    ['a DATE into a VARCHAR column', 'note', 'DATE'],
  ])('is empty for %s (a narrower type fits)', (_what, name, type) => {
    // Act
    const diff = misfit(TABLE, [col(name, type)]);

    // Assess
    expect(diff).toEqual(NO_CHANGE);
  });

  it('reports a column the table lacks as added, nullable, after the existing ones', () => {
    // Prepare
    const file = [col('region', 'VARCHAR'), col('id', 'BIGINT'), col('qty', 'INTEGER')];

    // Act
    const diff = misfit(TABLE, file);

    // Assess: the file's rows are not the only rows of the table, so the new columns are nullable.
    expect(diff).toEqual({ ...NO_CHANGE, added: [col('region', 'VARCHAR', true), col('qty', 'INTEGER', true)] });
  });

  it.each([
    ['INTEGER', 'BIGINT', 'BIGINT'],
    ['BIGINT', 'DOUBLE', 'DOUBLE'],
    ['BIGINT', 'DECIMAL(18,2)', 'DECIMAL(21,2)'],
    ['DECIMAL(18,2)', 'BIGINT', 'DECIMAL(21,2)'],
    ['DECIMAL(10,2)', 'DECIMAL(12,4)', 'DECIMAL(12,4)'],
    ['DATE', 'TIMESTAMP', 'TIMESTAMP'],
    ['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH TIME ZONE'],
  ])('reports a %s column given %s as widened to %s', (tableType, fileType, widened) => {
    // Act
    const diff = misfit([col('x', tableType)], [col('x', fileType)]);

    // Assess
    expect(diff).toEqual({ ...NO_CHANGE, widened: [{ name: 'x', from: tableType, to: widened }] });
  });

  it('classifies a DATE given to a BIGINT column (they meet at VARCHAR) as diffSchemas does', () => {
    // Act
    const diff = misfit([col('code', 'BIGINT')], [col('code', 'DATE')]);

    // Assess
    const expected = diffSchemas([col('code', 'BIGINT')], [col('code', 'VARCHAR')]);
    expect(diff.widened).toEqual(expected.widened);
    expect(diff.changed).toEqual(expected.changed);
    expect(diff).toEqual({ ...NO_CHANGE, widened: [{ name: 'code', from: 'BIGINT', to: 'VARCHAR' }] });
  });

  it('reports a VARCHAR given to a BOOLEAN column as widened to VARCHAR', () => {
    // Act
    const diff = misfit([col('flag', 'BOOLEAN')], [col('flag', 'VARCHAR')]);

    // Assess
    expect(diff).toEqual({ ...NO_CHANGE, widened: [{ name: 'flag', from: 'BOOLEAN', to: 'VARCHAR' }] });
  });

  it('ignores nullability in both directions', () => {
    // Prepare
    const table = [col('id', 'BIGINT', false), col('note', 'VARCHAR', true)];
    const file = [col('id', 'BIGINT', true), col('note', 'VARCHAR', false)];

    // Act
    const diff = misfit(table, file);

    // Assess
    expect(diff).toEqual(NO_CHANGE);
  });

  it('ignores nullability of a column that is also widened', () => {
    // Act
    const diff = misfit([col('qty', 'INTEGER', false)], [col('qty', 'BIGINT', true)]);

    // Assess
    expect(diff).toEqual({ ...NO_CHANGE, widened: [{ name: 'qty', from: 'INTEGER', to: 'BIGINT' }] });
  });

  it('never reports removed columns, even for a file without any of the columns', () => {
    // Act
    const fewer = misfit(TABLE, [col('region', 'VARCHAR')]);
    const none = misfit(TABLE, []);

    // Assess
    expect(fewer.removed).toEqual([]);
    expect(fewer).toEqual({ ...NO_CHANGE, added: [col('region', 'VARCHAR', true)] });
    expect(none).toEqual(NO_CHANGE);
  });

  it('reports every column of a file as added to a table without columns', () => {
    // Act
    const diff = misfit([], [col('id', 'BIGINT'), col('note', 'VARCHAR', true)]);

    // Assess
    expect(diff).toEqual({ ...NO_CHANGE, added: [col('id', 'BIGINT', true), col('note', 'VARCHAR', true)] });
  });

  it('reports added and widened columns together, each in file order', () => {
    // Prepare
    const table = [col('id', 'INTEGER'), col('day', 'DATE'), col('qty', 'BIGINT')];
    const file = [col('qty', 'DOUBLE'), col('b', 'BOOLEAN'), col('id', 'BIGINT'), col('a', 'DATE'), col('day', 'DATE')];

    // Act
    const diff = misfit(table, file);

    // Assess: widened follow the table's column order, added the file's.
    expect(diff).toEqual({
      added: [col('b', 'BOOLEAN', true), col('a', 'DATE', true)],
      removed: [],
      widened: [
        { name: 'id', from: 'INTEGER', to: 'BIGINT' },
        { name: 'qty', from: 'BIGINT', to: 'DOUBLE' },
      ],
      changed: [],
    });
  });

  it('leaves its arguments as they were', () => {
    // Prepare
    const table = [col('id', 'INTEGER')];
    const file = [col('id', 'BIGINT'), col('x', 'VARCHAR')];

    // Act
    misfit(table, file);

    // Assess
    expect(table).toEqual([col('id', 'INTEGER')]);
    expect(file).toEqual([col('id', 'BIGINT'), col('x', 'VARCHAR')]);
  });
});

describe('describeDiff', () => {
  it('writes one line per change: added, widened, changed, then removed', () => {
    // Prepare
    const diff: SchemaDiff = {
      added: [col('region', 'VARCHAR', true), col('qty', 'BIGINT')],
      removed: [col('note', 'VARCHAR')],
      widened: [{ name: 'amount', from: 'BIGINT', to: 'DOUBLE' }],
      changed: [{ name: 'code', from: 'VARCHAR', to: 'BIGINT' }],
    };

    // Act
    const lines = describeDiff(diff);

    // Assess
    expect(lines).toEqual(['+ region VARCHAR', '+ qty BIGINT', '~ amount BIGINT → DOUBLE', '~ code VARCHAR → BIGINT', '- note VARCHAR']);
  });

  it('has no lines for an empty diff', () => {
    expect(describeDiff(NO_CHANGE)).toEqual([]);
  });

  it('describes what misfit reports', () => {
    // Act
    const lines = describeDiff(misfit([col('id', 'INTEGER')], [col('id', 'BIGINT'), col('day', 'DATE')]));

    // Assess
    expect(lines).toEqual(['+ day DATE', '~ id INTEGER → BIGINT']);
  });
});

describe('diffSchemas beside misfit', () => {
  it('reports removed columns and nullability-only differences as no change, unlike a version diff of types', () => {
    // Prepare
    const before = [col('id', 'BIGINT'), col('note', 'VARCHAR')];
    const after = [col('id', 'BIGINT', true)];

    // Act
    const diff = diffSchemas(before, after);

    // Assess: the version diff names the removed column; a nullability change alone is not in it.
    expect(diff).toEqual({ ...NO_CHANGE, removed: [col('note', 'VARCHAR')] });
    expect(misfit(before, after)).toEqual(NO_CHANGE);
  });

  it('classifies a narrowing between versions as changed, not widened', () => {
    // Act
    const diff = diffSchemas([col('qty', 'DOUBLE')], [col('qty', 'BIGINT')]);

    // Assess
    expect(diff).toEqual({ ...NO_CHANGE, changed: [{ name: 'qty', from: 'DOUBLE', to: 'BIGINT' }] });
  });
});
