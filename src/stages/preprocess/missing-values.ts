/**
 * Missing values: the sluice.yaml policy of each column (`keep`, `drop`, a
 * fill) turns the typed rows into the filled table, and the NULLs per column
 * before and after filling go to the report.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { MissingPolicy } from '../../config/schema.js';
import { ConfigError } from '../../core/errors.js';
import type { HeaderMapping } from '../../core/headers.js';
import type { TypeDecision } from '../../core/infer.js';
import { typeFamily } from '../../core/types.js';
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

/**
 * A column's missing-value policy: its own in sluice.yaml, else the default.
 * `mean` needs numbers, dates or timestamps: as the default, a column of
 * another type keeps its NULLs; named for such a column, it is a mistake in
 * sluice.yaml, reported with the key to change.
 */
export function missingPolicyFor(run: Pick<PreprocessRun, 'ds' | 'defaults' | 'dataset'>, h: HeaderMapping, duckType: string): MissingPolicy {
  const own = columnSpec(run.ds, h.name, h.original)?.missing;
  const policy = own ?? run.defaults.missing;
  if (policy !== 'mean' || ['numeric', 'date', 'timestamp'].includes(typeFamily(duckType))) return policy;
  if (own === undefined) return 'keep';
  const key = run.ds?.columns[h.name]?.missing !== undefined ? h.name : h.original;
  throw new ConfigError(
    'sluice.yaml',
    `datasets.${run.dataset}.columns.${key}.missing`,
    `mean needs numbers or dates, and column "${h.name}" is ${duckType}; use median, mode, ffill or a constant`,
  );
}

/** Missing values: drop rows, then fill, from the typed rows into the filled table. */
export async function fillMissingValues(run: PreprocessRun, loaded: Loaded): Promise<Filled> {
  const { connection: c, headers, tables } = run;
  const { readRows, decisions } = loaded;
  const drops: string[] = [];
  const fills = new Map<string, string>();
  headers.forEach((h, i) => {
    const policy = missingPolicyFor(run, h, (decisions[i] as TypeDecision).duckType);
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
