/**
 * The catalog rules every backend shares (`core/catalog.ts`), called directly:
 * how a file meets its table under each change policy, how a table's schema
 * follows from its files, how partition keys are typed, and what a reader is
 * warned of. No database: the contract suite checks that backends apply them.
 */
import { describe, expect, it } from 'vitest';
import {
  deriveTable,
  type FileRegistration,
  parseTableName,
  partitionKeysOf,
  planRegistration,
  type SchemaChangePolicy,
  type SchemaSource,
  type TableSchemaState,
  tableWarnings,
} from '../../src/core/catalog.js';
import { CatalogError } from '../../src/core/errors.js';
import { datasetOf } from '../../src/core/keys.js';
import type { ColumnSchema } from '../../src/core/types.js';
import { col, fileRegistration, NO_CHANGE, SALES_COLUMNS, VARCHAR_PARTITION_VALUES } from '../helpers/catalog-entries.js';

const EXTRA = col('channel', 'VARCHAR');

/** A stored table at `version` with these columns (and partition keys). */
const tableOf = (columns: ColumnSchema[], version = 1, partitionKeys: ColumnSchema[] = []): TableSchemaState => ({ columns, partitionKeys, version });

/** The files a table is derived from, each with its columns and partition values. */
const sources = (...files: [ColumnSchema[], Record<string, string>?][]): SchemaSource[] =>
  files.map(([columns, partitionValues = {}]) => ({ columns, partitionValues }));

/** Files with only partition values (the partition keys' types come from these). */
const partitions = (...values: Record<string, string>[]) => values.map((partitionValues) => ({ partitionValues }));

describe('parseTableName', () => {
  it('parseTableName splits a qualified name', () => {
    // Act
    const parsed = [parseTableName('processed.sales'), parseTableName('final.Order_Lines2')];

    // Assess
    expect(parsed).toEqual([
      { database: 'processed', name: 'sales' },
      { database: 'final', name: 'Order_Lines2' },
    ]);
  });

  it('parseTableName takes the names of datasets that start with a digit, as the pipeline makes them from raw keys', () => {
    // Prepare
    const dataset = datasetOf('2024/jan.csv');

    // Act
    const parsed = [parseTableName(`final.${dataset}`), parseTableName('processed.1st_quarter')];

    // Assess
    expect(parsed).toEqual([
      { database: 'final', name: '2024' },
      { database: 'processed', name: '1st_quarter' },
    ]);
  });

  it.each([
    'foo',
    'raw.sales',
    'final.2024.x',
    'final.a b',
    'final."2024"',
    'final.größe',
    'processed.',
    'processed.sales.x',
    'final.or-ders',
    'processed.sales; drop table x',
  ])('parseTableName refuses %j', (name) => {
    // Act
    const act = () => parseTableName(name);

    // Assess
    expect(act).toThrow(CatalogError);
    expect(act).toThrow(/write processed\.<table> or final\.<table>/);
  });
});

describe('partitionKeysOf', () => {
  it('types integer values BIGINT, including leading zeros and negatives', () => {
    // Act
    const keys = partitionKeysOf(partitions({ month: '03', shift: '-1' }, { month: '12', shift: '2' }));

    // Assess
    expect(keys).toEqual([col('month', 'BIGINT'), col('shift', 'BIGINT')]);
  });

  it('types YYYY-MM-DD values DATE, including 29 February of a leap year', () => {
    // Act
    const keys = partitionKeysOf(partitions({ day: '2024-03-01' }, { day: '2024-12-31' }, { day: '2024-02-29' }));

    // Assess
    expect(keys).toEqual([col('day', 'DATE')]);
  });

  it.each(VARCHAR_PARTITION_VALUES)('types %s VARCHAR', (_what, value) => {
    // Act
    const keys = partitionKeysOf(partitions({ p: value }));

    // Assess
    expect(keys).toEqual([col('p', 'VARCHAR')]);
  });

  it('types a key VARCHAR once its values mix dates and integers, or integers and words', () => {
    // Act
    const keys = partitionKeysOf(partitions({ p: '2024-03-01', region: '1' }, { p: '20240301', region: 'eu' }));

    // Assess
    expect(keys).toEqual([col('p', 'VARCHAR'), col('region', 'VARCHAR')]);
  });

  it('makes a key nullable, keeping its type, when a file lacks it', () => {
    // Act
    const keys = partitionKeysOf(partitions({ day: '2024-03-01', year: '2024' }, {}));

    // Assess
    expect(keys).toEqual([col('day', 'DATE', true), col('year', 'BIGINT', true)]);
  });

  it('types each key from its own values, in the order keys first appear', () => {
    // Act
    const keys = partitionKeysOf(partitions({ region: 'eu', day: '2024-03-01' }, { year: '2024', region: 'us' }));

    // Assess
    expect(keys).toEqual([col('region', 'VARCHAR'), col('day', 'DATE', true), col('year', 'BIGINT', true)]);
  });

  it('takes the type a file declares for the column over the folder values, widened across files, with its comment', () => {
    // Prepare
    const files: { partitionValues: Record<string, string>; columns?: ColumnSchema[] }[] = [
      { partitionValues: { month: '2024-03' }, columns: [{ ...col('month', 'INTEGER'), comment: 'month number' }] },
      { partitionValues: { month: '2024-04' }, columns: [col('month', 'BIGINT')] },
      { partitionValues: {} },
    ];

    // Act
    const keys = partitionKeysOf(files);

    // Assess
    expect(keys).toEqual([{ ...col('month', 'BIGINT', true), comment: 'month number' }]);
  });

  it('has no keys for files without partition folders', () => {
    // Act & Assess
    expect(partitionKeysOf(partitions({}, {}))).toEqual([]);
    expect(partitionKeysOf([])).toEqual([]);
  });
});

describe('planRegistration', () => {
  const withExtra = fileRegistration({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, EXTRA] });
  const policies: SchemaChangePolicy[] = ['update', 'log', 'fail'];

  it.each(policies)('%s registers the first file of a new table as it is', (policy) => {
    // Act
    const plan = planRegistration(undefined, withExtra, policy);

    // Assess
    expect(plan).toEqual({ register: withExtra });
  });

  it.each(policies)('%s registers a file as it is when the table has no schema any more (its files all left)', (policy) => {
    // Act
    const plan = planRegistration(tableOf([], 2), withExtra, policy);

    // Assess
    expect(plan).toEqual({ register: withExtra });
  });

  it.each(policies)('%s registers a file with fewer columns, or narrower types, without drift', (policy) => {
    // Prepare
    const narrower = fileRegistration({ columns: [col('id', 'INTEGER'), col('amount', 'DECIMAL(10,2)')] });

    // Act
    const plan = planRegistration(tableOf(SALES_COLUMNS), narrower, policy);

    // Assess
    expect(plan).toEqual({ register: narrower });
  });

  it('update registers a file with an extra column and notes no drift: the schema will follow the files', () => {
    // Act
    const plan = planRegistration(tableOf(SALES_COLUMNS), withExtra, 'update');

    // Assess
    expect(plan).toEqual({ register: withExtra });
  });

  it('log registers a file with an extra column and returns the drift', () => {
    // Act
    const plan = planRegistration(tableOf(SALES_COLUMNS), withExtra, 'log');

    // Assess
    expect(plan).toEqual({ register: withExtra, drift: { ...NO_CHANGE, added: [col('channel', 'VARCHAR', true)] } });
  });

  it('log reports a widened type as drift', () => {
    // Act
    const plan = planRegistration(tableOf([col('qty', 'INTEGER')]), fileRegistration({ columns: [col('qty', 'BIGINT')] }), 'log');

    // Assess
    expect(plan).toMatchObject({ drift: { ...NO_CHANGE, widened: [{ name: 'qty', from: 'INTEGER', to: 'BIGINT' }] } });
  });

  it.each([
    ['an extra column', [...SALES_COLUMNS, EXTRA], {}, { added: [col('channel', 'VARCHAR', true)] }],
    [
      'wider types, naming each widening',
      [col('id', 'DOUBLE'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'TIMESTAMP')],
      {},
      {
        widened: [
          { name: 'id', from: 'BIGINT', to: 'DOUBLE' },
          { name: 'sold_on', from: 'DATE', to: 'TIMESTAMP' },
        ],
      },
    ],
    ['a DATE where the table has a BIGINT, as a widening to VARCHAR', [col('id', 'DATE')], {}, { widened: [{ name: 'id', from: 'BIGINT', to: 'VARCHAR' }] }],
    ['a partition value that does not fit the key type', SALES_COLUMNS, { day: 'latest' }, { widened: [{ name: 'day', from: 'DATE', to: 'VARCHAR' }] }],
  ])('fail refuses a file with %s', (_what, columns, partitionValues, rejected) => {
    // Prepare
    const table = tableOf(SALES_COLUMNS, 1, [col('day', 'DATE')]);

    // Act
    const plan = planRegistration(table, fileRegistration({ columns, partitionValues }), 'fail');

    // Assess
    expect(plan).toEqual({ rejected: { ...NO_CHANGE, ...rejected } });
  });

  it('fail registers a file whose partition value fits the key type', () => {
    // Act
    const file = fileRegistration({ partitionValues: { day: '2024-03-02' } });
    const plan = planRegistration(tableOf(SALES_COLUMNS, 1, [col('day', 'DATE')]), file, 'fail');

    // Assess
    expect(plan).toEqual({ register: file });
  });

  it('fitByValue catalogs a checked column with the table’s type, so it fits under fail', () => {
    // Prepare
    const file = fileRegistration({ columns: [col('id', 'BIGINT'), col('amount', 'BIGINT'), col('sold_on', 'DATE')] });

    // Act
    const unchecked = planRegistration(tableOf(SALES_COLUMNS), file, 'fail');
    const checked = planRegistration(tableOf(SALES_COLUMNS), file, 'fail', ['amount']);

    // Assess
    expect(unchecked).toEqual({ rejected: { ...NO_CHANGE, widened: [{ name: 'amount', from: 'DECIMAL(18,2)', to: 'DECIMAL(21,2)' }] } });
    expect(checked).toEqual({ register: { ...file, columns: SALES_COLUMNS } });
  });

  it('fitByValue leaves alone a checked column the table does not have', () => {
    // Prepare
    const file = fileRegistration({ columns: [...SALES_COLUMNS, col('qty', 'BIGINT')] });

    // Act
    const plan = planRegistration(tableOf(SALES_COLUMNS), file, 'log', ['qty']);

    // Assess
    expect(plan).toEqual({ register: file, drift: { ...NO_CHANGE, added: [col('qty', 'BIGINT', true)] } });
  });
});

describe('deriveTable', () => {
  it('a table that never had files stays absent', () => {
    // Act & Assess
    expect(deriveTable(undefined, [], 'update')).toEqual({ version: 0 });
  });

  it('creates version 1 from the first files, partition keys apart from the columns', () => {
    // Act
    const next = deriveTable(undefined, sources([[...SALES_COLUMNS, col('year', 'BIGINT')], { year: '2024' }]), 'fail');

    // Assess
    expect(next).toEqual({
      version: 1,
      create: true,
      schema: { columns: SALES_COLUMNS, partitionKeys: [col('year', 'BIGINT')] },
      diff: { ...NO_CHANGE, added: [...SALES_COLUMNS, col('year', 'BIGINT')] },
    });
  });

  it.each<SchemaChangePolicy>(['update', 'log', 'fail'])('%s: a table whose last file left is dropped in a new version with an empty schema', (policy) => {
    // Act
    const next = deriveTable(tableOf(SALES_COLUMNS, 4), [], policy);

    // Assess
    expect(next).toEqual({ version: 5, schema: { columns: [], partitionKeys: [] }, diff: { ...NO_CHANGE, removed: SALES_COLUMNS }, dropped: true });
  });

  it.each<SchemaChangePolicy>(['update', 'log', 'fail'])('%s: a dropped table takes its schema afresh from the next files', (policy) => {
    // Act
    const next = deriveTable(tableOf([], 2), sources([[col('code', 'VARCHAR')]]), policy);

    // Assess
    expect(next).toEqual({
      version: 3,
      schema: { columns: [col('code', 'VARCHAR')], partitionKeys: [] },
      diff: { ...NO_CHANGE, added: [col('code', 'VARCHAR')] },
    });
  });

  it.each<SchemaChangePolicy>(['log', 'fail'])('%s keeps the schema and the version whatever the files hold', (policy) => {
    // Act
    const next = deriveTable(tableOf(SALES_COLUMNS), sources([[col('id', 'DOUBLE'), EXTRA]]), policy);

    // Assess
    expect(next).toEqual({ version: 1 });
  });

  it('update keeps the version when the files still merge to the schema', () => {
    // Act
    const next = deriveTable(
      tableOf(SALES_COLUMNS),
      sources([SALES_COLUMNS], [[col('id', 'INTEGER'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'DATE')]]),
      'update',
    );

    // Assess
    expect(next).toEqual({ version: 1 });
  });

  it.each([
    [
      'adds a column only some files have, nullable',
      SALES_COLUMNS,
      [[SALES_COLUMNS], [[...SALES_COLUMNS, EXTRA]]],
      [...SALES_COLUMNS, col('channel', 'VARCHAR', true)],
    ],
    [
      'keeps a column nullable when only the earlier file has it',
      SALES_COLUMNS,
      [[[...SALES_COLUMNS, EXTRA]], [SALES_COLUMNS]],
      [...SALES_COLUMNS, col('channel', 'VARCHAR', true)],
    ],
    ['widens INTEGER to BIGINT', [col('id', 'INTEGER')], [[[col('id', 'INTEGER')]], [[col('id', 'BIGINT')]]], [col('id', 'BIGINT')]],
    [
      'widens BIGINT and DECIMAL(18,2) to a decimal that holds both',
      [col('amount', 'BIGINT')],
      [[[col('amount', 'BIGINT')]], [[col('amount', 'DECIMAL(18,2)')]]],
      [col('amount', 'DECIMAL(21,2)')],
    ],
    ['changes only nullability', [col('id', 'BIGINT')], [[[col('id', 'BIGINT', true)]]], [col('id', 'BIGINT', true)]],
  ] as [string, ColumnSchema[], [ColumnSchema[]][], ColumnSchema[]][])('update %s, in a new version', (_what, before, files, columns) => {
    // Act
    const next = deriveTable(tableOf(before), sources(...files), 'update');

    // Assess
    expect(next).toMatchObject({ version: 2, schema: { columns, partitionKeys: [] } });
    expect(next.create).toBeUndefined();
    expect(next.dropped).toBeUndefined();
  });

  it('update names the widened and the added columns in the diff', () => {
    // Act
    const next = deriveTable(tableOf([col('id', 'INTEGER')]), sources([[col('id', 'INTEGER')]], [[col('id', 'BIGINT'), col('note', 'VARCHAR')]]), 'update');

    // Assess
    expect(next.diff).toEqual({ ...NO_CHANGE, added: [col('note', 'VARCHAR', true)], widened: [{ name: 'id', from: 'INTEGER', to: 'BIGINT' }] });
  });

  it('update names a column no file holds any more as removed', () => {
    // Act
    const next = deriveTable(tableOf([...SALES_COLUMNS, col('note', 'VARCHAR', true)], 2), sources([SALES_COLUMNS]), 'update');

    // Assess
    expect(next).toEqual({
      version: 3,
      schema: { columns: SALES_COLUMNS, partitionKeys: [] },
      diff: { ...NO_CHANGE, removed: [col('note', 'VARCHAR', true)] },
    });
  });

  it('update retypes a partition key whose values stop being dates', () => {
    // Act
    const next = deriveTable(
      tableOf(SALES_COLUMNS, 1, [col('p', 'DATE')]),
      sources([SALES_COLUMNS, { p: '2024-03-01' }], [SALES_COLUMNS, { p: '20240301' }]),
      'update',
    );

    // Assess
    expect(next).toMatchObject({
      version: 2,
      schema: { partitionKeys: [col('p', 'VARCHAR')] },
      diff: { widened: [{ name: 'p', from: 'DATE', to: 'VARCHAR' }] },
    });
  });

  it('merges files that share a columnsKey once, as the first of them', () => {
    // Prepare: two files share a key; the second's columns are never read.
    const files: SchemaSource[] = [
      { columns: SALES_COLUMNS, partitionValues: {}, columnsKey: 'k' },
      { columns: [col('ignored', 'VARCHAR')], partitionValues: {}, columnsKey: 'k' },
    ];

    // Act
    const next = deriveTable(undefined, files, 'update');

    // Assess
    expect(next.schema?.columns).toEqual(SALES_COLUMNS);
  });
});

describe('tableWarnings', () => {
  const file = (fileKey: string, columns = SALES_COLUMNS, partitionValues: Record<string, string> = {}) => ({ fileKey, columns, partitionValues });
  const driftWarning =
    'the files hold columns or types the schema does not show (schemaChange: log): + channel VARCHAR, ~ id BIGINT → DOUBLE; ' +
    'set schemaChange to update and run `sluice catalog crawl --full` to take them in';

  it('names files at inconsistent folder depths', () => {
    // Prepare
    const files = [
      file('sales/a.parquet'),
      file('sales/year=2024/b.parquet', SALES_COLUMNS, { year: '2024' }),
      file('sales/year=2025/c.parquet', SALES_COLUMNS, { year: '2025' }),
    ];

    // Act
    const warnings = tableWarnings('processed.sales', tableOf(SALES_COLUMNS, 1, [col('year', 'BIGINT', true)]), files, 'update');

    // Assess
    expect(warnings).toEqual([
      'files of processed.sales are at inconsistent folder depths: 2 at year=/ (e.g. sales/year=2024/b.parquet); 1 at the top level (e.g. sales/a.parquet). ' +
        'They stay one table and partition columns are NULL where a file has no such folder; move the files into one layout.',
    ]);
  });

  it('log names the columns and types the files hold beyond the schema', () => {
    // Prepare
    const files = [file('sales/a.parquet'), file('sales/b.parquet', [...SALES_COLUMNS, EXTRA]), file('sales/c.parquet', [col('id', 'DOUBLE')])];

    // Act
    const warnings = tableWarnings('processed.sales', tableOf(SALES_COLUMNS), files, 'log');

    // Assess
    expect(warnings).toEqual([driftWarning]);
  });

  it.each<SchemaChangePolicy>(['update', 'fail'])('%s warns of no drift (the schema follows the files, or refused what did not fit)', (policy) => {
    // Prepare
    const files = [file('sales/a.parquet'), file('sales/b.parquet', [...SALES_COLUMNS, EXTRA]), file('sales/c.parquet', [col('id', 'DOUBLE')])];

    // Act & Assess
    expect(tableWarnings('processed.sales', tableOf(SALES_COLUMNS), files, policy)).toEqual([]);
  });

  it('is empty under log when every file fits, and for a table with no schema and no files', () => {
    // Act & Assess
    expect(tableWarnings('processed.sales', tableOf(SALES_COLUMNS), [file('sales/a.parquet'), file('sales/b.parquet', [col('id', 'INTEGER')])], 'log')).toEqual(
      [],
    );
    expect(tableWarnings('final.nothing', tableOf([], 0), [], 'log')).toEqual([]);
    expect(tableWarnings('processed.sales', tableOf([], 2), [file('sales/a.parquet', [...SALES_COLUMNS, EXTRA])], 'log')).toEqual([]);
  });
});

describe('a file through the rules', () => {
  it('fail: a refused file never reaches the table; a fitting one keeps its version', () => {
    // Prepare
    const table = tableOf(SALES_COLUMNS);
    const files: FileRegistration[] = [
      fileRegistration({ fileKey: 'sales/a.parquet' }),
      fileRegistration({ fileKey: 'sales/b.parquet', columns: [...SALES_COLUMNS, EXTRA] }),
    ];

    // Act
    const registered = files.flatMap((f) => {
      const plan = planRegistration(table, f, 'fail');
      return 'register' in plan ? [plan.register] : [];
    });
    const next = deriveTable(table, registered, 'fail');

    // Assess
    expect(registered.map((f) => f.fileKey)).toEqual(['sales/a.parquet']);
    expect(next).toEqual({ version: 1 });
  });
});
