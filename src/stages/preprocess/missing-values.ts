/**
 * Missing values: the sluice.yaml policy of each column (`keep`, `drop`, a
 * fill) turns the typed rows into the filled table, and the NULLs per column
 * before and after filling go to the report.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig, MissingPolicy } from '../../config/schema.js';
import type { TypeDecision } from '../../core/infer.js';
import { quoteIdentifier as q } from '../../engine/sql.js';
import { columnSpec, type PreprocessRun, scalar } from './run.js';
import { fillExpression } from './sql.js';
import type { Loaded } from './typing.js';

/** The filled rows: how many, and how they came from the typed rows. */
export interface Filled {
  rows: number;
  /** The WHERE clause keeping the rows without a missing value in a `drop` column ('' when no column drops). */
  afterDrop: string;
  /** No fills and no drops: the filled rows are the typed rows. */
  identity: boolean;
}

/** NULLs per column, over the rows that were not dropped, before and after filling. */
export interface NullCounts {
  before: number[];
  after: number[];
}

export function missingPolicyFor(ds: DatasetConfig | undefined, name: string, original: string, fallback: MissingPolicy): MissingPolicy {
  return columnSpec(ds, name, original)?.missing ?? fallback;
}

/** Missing values: drop rows, then fill, from the typed rows into the filled table. */
export async function fillMissingValues(run: PreprocessRun, loaded: Loaded): Promise<Filled> {
  const { connection: c, headers, tables, ds, defaults } = run;
  const { readRows, decisions } = loaded;
  const drops: string[] = [];
  const fills = new Map<string, string>();
  headers.forEach((h, i) => {
    const policy = missingPolicyFor(ds, h.name, h.original, defaults.missing);
    if (policy === 'drop') drops.push(`${q(h.name)} IS NOT NULL`);
    const fill = fillExpression(h.name, policy, (decisions[i] as TypeDecision).duckType, tables.typed);
    if (fill) fills.set(h.name, fill);
  });
  const afterDrop = drops.length ? `WHERE ${drops.join(' AND ')}` : '';
  // Without fills or drops the filled rows are the typed rows: a view saves a copy of the data.
  const identity = fills.size === 0 && drops.length === 0;
  await c.run(
    identity
      ? `CREATE VIEW ${q(tables.filled)} AS SELECT * FROM ${q(tables.typed)}`
      : `CREATE TABLE ${q(tables.filled)} AS SELECT "__row", ${headers.map((h) => `${fills.get(h.name) ?? q(h.name)} AS ${q(h.name)}`).join(', ')} FROM ${q(tables.typed)} ${afterDrop}`,
  );
  const filledRows = identity ? readRows : await scalar(c, `SELECT count(*) FROM ${q(tables.filled)}`);
  run.report.rows.dropped = readRows - filledRows;
  return { rows: filledRows, afterDrop, identity };
}

/** Nulls per column before and after filling, over the rows that were not dropped. */
export async function countNulls(run: PreprocessRun, loaded: Loaded, filled: Filled): Promise<NullCounts> {
  const { connection: c, tables } = run;
  // Without dropped rows, a column's NULLs are the rows it did not parse a value for.
  const before = filled.afterDrop ? await nullsPerColumn(c, tables.typed, run.headers, filled.afterDrop) : loaded.counts.map((n) => loaded.readRows - n.parsed);
  const after = filled.identity ? before : await nullsPerColumn(c, tables.filled, run.headers, '');
  return { before, after };
}

/** NULLs per column of `table` (optionally under a WHERE clause); count(*) - count(c) plans fast even for thousands of columns. */
async function nullsPerColumn(c: DuckDBConnection, table: string, columns: readonly { name: string }[], where: string): Promise<number[]> {
  const r = await c.runAndReadAll(`SELECT ${columns.map((col) => `count(*) - count(${q(col.name)})`).join(', ')} FROM ${q(table)} ${where}`);
  return (r.getRows()[0] ?? []).map(Number);
}
