import { describe, expect, it } from 'vitest';
import { diffSchemas, emptyDiff, mergeSchemas } from '../../src/core/schema.js';
import { type ColumnSchema, toDuckType, toHiveType, widenType } from '../../src/core/types.js';

function column(name: string, type: string, nullable = false): ColumnSchema {
  return { name, type, nullable };
}

describe('toDuckType', () => {
  it.each([
    ['string', 'VARCHAR'],
    ['text', 'VARCHAR'],
    ['int', 'INTEGER'],
    ['bigint', 'BIGINT'],
    ['double', 'DOUBLE'],
    ['decimal(12,2)', 'DECIMAL(12,2)'],
    ['DECIMAL ( 12 , 2 )', 'DECIMAL(12,2)'],
    ['numeric(10)', 'DECIMAL(10,0)'],
    ['decimal', 'DECIMAL(18,3)'],
    ['boolean', 'BOOLEAN'],
    ['date', 'DATE'],
    ['timestamp', 'TIMESTAMP'],
    ['Timestamp  With   Time Zone', 'TIMESTAMP WITH TIME ZONE'],
    ['varchar(20)', 'VARCHAR'],
    ['char(3)', 'VARCHAR'],
    [' BIGINT ', 'BIGINT'],
  ])('maps %j to %j', (userType, expected) => {
    expect(toDuckType(userType)).toBe(expected);
  });

  it.each(['decimal(40,2)', 'decimal(0,0)', 'decimal(2,3)', 'money', 'varchar(x)', ''])('refuses %j', (userType) => {
    expect(toDuckType(userType)).toBeUndefined();
  });
});

describe('toHiveType', () => {
  it.each([
    ['VARCHAR', 'string'],
    ['BIGINT', 'bigint'],
    ['INTEGER', 'int'],
    ['integer', 'int'],
    ['DOUBLE', 'double'],
    ['DECIMAL(12,2)', 'decimal(12,2)'],
    ['HUGEINT', 'decimal(38,0)'],
    ['BOOLEAN', 'boolean'],
    ['DATE', 'date'],
    ['TIMESTAMP', 'timestamp'],
    ['TIMESTAMP WITH TIME ZONE', 'timestamp'],
    ['BLOB', 'string'],
  ])('names %j %j in Glue', (duckType, expected) => {
    expect(toHiveType(duckType)).toBe(expected);
  });
});

describe('widenType', () => {
  it.each([
    ['INTEGER', 'BIGINT', 'BIGINT'],
    ['SMALLINT', 'INTEGER', 'INTEGER'],
    ['TINYINT', 'HUGEINT', 'HUGEINT'],
    ['BIGINT', 'DECIMAL(18,2)', 'DECIMAL(21,2)'],
    ['DECIMAL(18,2)', 'DECIMAL(10,4)', 'DECIMAL(20,4)'],
    ['DECIMAL(38,0)', 'DECIMAL(38,2)', 'DOUBLE'],
    ['BIGINT', 'DOUBLE', 'DOUBLE'],
    ['FLOAT', 'DOUBLE', 'DOUBLE'],
    ['DECIMAL(18,2)', 'DOUBLE', 'DOUBLE'],
    ['DATE', 'TIMESTAMP', 'TIMESTAMP'],
    ['DATE', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH TIME ZONE'],
    ['VARCHAR', 'BIGINT', 'VARCHAR'],
    ['BOOLEAN', 'BIGINT', 'VARCHAR'],
    ['DATE', 'VARCHAR', 'VARCHAR'],
    ['bigint', 'BIGINT', 'BIGINT'],
  ])('widens %s and %s to %s, in either order', (a, b, expected) => {
    // Act
    const ab = widenType(a, b);
    const ba = widenType(b, a);

    // Assess
    expect(ab).toBe(expected);
    expect(ba).toBe(expected);
  });

  it('never narrows: widening the result again with either input changes nothing', () => {
    // Prepare
    const pairs: [string, string][] = [
      ['INTEGER', 'BIGINT'],
      ['BIGINT', 'DECIMAL(18,2)'],
      ['DECIMAL(10,4)', 'DECIMAL(18,2)'],
      ['DATE', 'TIMESTAMP'],
      ['BIGINT', 'DOUBLE'],
      ['VARCHAR', 'DATE'],
    ];

    // Act
    const rewidened = pairs.map(([a, b]) => {
      const wide = widenType(a, b);
      return [wide, widenType(wide, a), widenType(wide, b)];
    });

    // Assess
    for (const [wide, withA, withB] of rewidened) {
      expect(withA).toBe(wide);
      expect(withB).toBe(wide);
    }
  });
});

describe('mergeSchemas', () => {
  it('keeps first positions, widens types and makes late or missing columns nullable', () => {
    // Prepare
    const first = [column('id', 'INTEGER'), column('amount', 'BIGINT'), column('day', 'DATE'), column('old', 'VARCHAR')];
    const second = [column('id', 'BIGINT'), column('note', 'VARCHAR'), column('amount', 'DECIMAL(18,2)'), column('day', 'TIMESTAMP')];

    // Act
    const merged = mergeSchemas([first, second]);

    // Assess
    expect(merged).toEqual([
      column('id', 'BIGINT'),
      column('amount', 'DECIMAL(21,2)'),
      column('day', 'TIMESTAMP'),
      column('old', 'VARCHAR', true),
      column('note', 'VARCHAR', true),
    ]);
  });

  it('keeps a column nullable once any file has it nullable', () => {
    // Act
    const merged = mergeSchemas([[column('id', 'BIGINT', true)], [column('id', 'BIGINT', false)]]);

    // Assess
    expect(merged).toEqual([column('id', 'BIGINT', true)]);
  });

  it('returns one file schema unchanged', () => {
    // Prepare
    const schema = [column('id', 'BIGINT'), column('name', 'VARCHAR', true)];

    // Act & Assess
    expect(mergeSchemas([schema])).toEqual(schema);
    expect(mergeSchemas([])).toEqual([]);
  });
});

describe('diffSchemas', () => {
  it('reports added, removed, widened and changed columns', () => {
    // Prepare
    const before = [column('id', 'INTEGER'), column('old', 'VARCHAR'), column('code', 'VARCHAR'), column('same', 'DATE')];
    const after = [column('id', 'BIGINT'), column('new', 'DATE', true), column('code', 'BIGINT'), column('same', 'DATE')];

    // Act
    const diff = diffSchemas(before, after);

    // Assess
    expect(diff).toEqual({
      added: [column('new', 'DATE', true)],
      removed: [column('old', 'VARCHAR')],
      widened: [{ name: 'id', from: 'INTEGER', to: 'BIGINT' }],
      changed: [{ name: 'code', from: 'VARCHAR', to: 'BIGINT' }],
    });
    expect(emptyDiff(diff)).toBe(false);
  });

  it('is empty between equal schemas', () => {
    // Prepare
    const schema = [column('id', 'BIGINT'), column('amount', 'DECIMAL(18,2)', true)];

    // Act
    const diff = diffSchemas(schema, [...schema]);

    // Assess
    expect(emptyDiff(diff)).toBe(true);
  });
});
