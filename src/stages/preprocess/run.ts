/**
 * The context of one preprocess run, which every step takes instead of a long
 * list of arguments: the prepared file, its dialect and headers, the dataset's
 * settings, the report being filled in, the DuckDB connection and the run's
 * work tables. Also the small helpers the steps share.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig, PreprocessDefaults } from '../../config/schema.js';
import type { CodeTokens } from '../../core/codes.js';
import type { Dialect } from '../../core/dialect.js';
import type { HeaderMapping } from '../../core/headers.js';
import type { StageDeps } from '../deps.js';
import type { PreparedInput } from './input.js';
import type { PreprocessReport } from './report.js';
import type { WorkTables } from './work-tables.js';

export interface PreprocessRun {
  /** The raw key: every message about the file names it. */
  key: string;
  deps: StageDeps;
  report: PreprocessReport;
  /** The local UTF-8 copy of the raw file. */
  prepared: PreparedInput;
  dialect: Dialect;
  /** The file's columns: the header as written and its normalised name. */
  headers: HeaderMapping[];
  dataset: string;
  /** The dataset's settings in sluice.yaml, when it has any. */
  ds: DatasetConfig | undefined;
  defaults: PreprocessDefaults;
  connection: DuckDBConnection;
  tables: WorkTables;
  /** Columns (by index) whose null tokens of their codes' shape are values (`NA` among country codes). */
  codeTokens?: Map<number, CodeTokens>;
}

/** The null tokens of column `i`: the column's, the dataset's or the defaults', less those that are codes in it. */
export function nullTokensFor(run: Pick<PreprocessRun, 'ds' | 'defaults' | 'headers' | 'codeTokens'>, i: number): string[] {
  const h = run.headers[i];
  const tokens = columnSpec(run.ds, h?.name, h?.original)?.nullTokens ?? run.ds?.nullTokens ?? run.defaults.nullTokens;
  const kept = run.codeTokens?.get(i)?.kept;
  return kept ? tokens.filter((t) => !kept.includes(t)) : tokens;
}

/** A column's settings in sluice.yaml, found by its normalised name or by its header as written. */
export function columnSpec(ds: DatasetConfig | undefined, name: string | undefined, original: string | undefined) {
  if (!ds) return undefined;
  return (name !== undefined ? ds.columns[name] : undefined) ?? (original !== undefined ? ds.columns[original] : undefined);
}

/** The IANA zone a column's local times are read in: the column's, the dataset's or the default `timezone`. */
export function timezoneFor(run: Pick<PreprocessRun, 'ds' | 'defaults'>, name: string | undefined, original: string | undefined): string {
  return columnSpec(run.ds, name, original)?.timezone ?? run.ds?.timezone ?? run.defaults.timezone;
}

/** The one number a query answers, such as a count. */
export async function scalar(c: DuckDBConnection, sql: string): Promise<number> {
  const r = await c.runAndReadAll(sql);
  return Number(r.getRows()[0]?.[0] ?? 0);
}

/** The first line of an engine error (DuckDB adds lines of context after it). */
export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
