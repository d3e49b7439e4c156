/**
 * Catalog inputs shared by the catalog contract suite and the unit tests of
 * the pure catalog rules: a file of `processed.sales` with three columns,
 * varied by overrides.
 */
import type { FileEntry, FileRegistration } from '../../src/core/catalog.js';
import type { ColumnSchema } from '../../src/core/types.js';

export const col = (name: string, type: string, nullable = false): ColumnSchema => ({ name, type, nullable });

export const SALES_COLUMNS = [col('id', 'BIGINT'), col('amount', 'DECIMAL(18,2)'), col('sold_on', 'DATE')];

/** A diff that changes nothing, to spread the one change a case expects into. */
export const NO_CHANGE = { added: [], removed: [], widened: [], changed: [] };

export function fileRegistration(overrides: Partial<FileRegistration> = {}): FileRegistration {
  const fileKey = overrides.fileKey ?? 'sales/2024-03.parquet';
  return {
    database: 'processed',
    table: 'sales',
    location: 'data/processed/sales',
    fileKey,
    sha256: `sha-of-${fileKey}`,
    sourceRawKey: fileKey.replace(/\.parquet$/, '.csv'),
    sourceSha256: `raw-sha-of-${fileKey}`,
    rows: 100,
    bytes: 2_048,
    columns: SALES_COLUMNS,
    partitionValues: {},
    ...overrides,
  };
}

/** A file as `replaceFiles` takes it (a job's output, without its table). */
export function fileEntry(overrides: Partial<FileRegistration> = {}): FileEntry {
  const { database: _database, table: _table, location: _location, ...entry } = fileRegistration(overrides);
  return entry;
}

/** Partition folder values that are neither a BIGINT nor a real DATE, so their key is typed VARCHAR: what each is, and the value. */
export const VARCHAR_PARTITION_VALUES: [string, string][] = [
  ['a word', 'eu'],
  ['a number too long for BIGINT', '1234567890123456789'],
  ['a decimal number', '1.5'],
  ['a month that does not exist', '2024-13-01'],
  ['a day that does not exist', '2024-02-30'],
  ['29 February outside a leap year', '2023-02-29'],
  ['a date in another format', '01/03/2024'],
  ['a date and time', '2024-03-01 10:00:00'],
  ['an empty value', ''],
];
