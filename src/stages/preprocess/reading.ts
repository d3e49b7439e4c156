/**
 * Reading a prepared file: its dialect and header, then the engine's CSV read
 * of its records as cleaned text (trimmed, null tokens as NULL), checked
 * record for record by this process's own CSV checker so that every
 * unreadable row is listed with its reason.
 */
import { createReadStream } from 'node:fs';
import { type CodeTokens, codeTokens } from '../../core/codes.js';
import { CsvRecordChecker, type Dialect, detectDialect, parseRecords } from '../../core/dialect.js';
import { errorMessage, InputError } from '../../core/errors.js';
import { type HeaderMapping, normalizeHeaders } from '../../core/headers.js';
import { quoteIdentifier as q, quoteList, quoteString } from '../../engine/sql.js';
import type { PreparedInput } from './input.js';
import type { PreprocessReport } from './report.js';
import { columnSpec, firstLine, nullTokensFor, type PreprocessRun } from './run.js';
import { letterCaseExpression } from './variants.js';

/**
 * Characters trimmed from values: spaces, tabs, line breaks, no-break spaces,
 * a stray BOM, and the invisible direction marks right-to-left exports put
 * around numbers and dates (U+200E/U+200F, U+061C, U+2066–U+2069).
 */
const TRIM_CHARS = ' \t\r\n\u00a0\u2007\u202f\ufeff\u200e\u200f\u061c\u2066\u2067\u2068\u2069';
/** DuckDB needs a null string; null tokens are applied after trimming, so give it one no file contains. */
const NO_NULL_STRING = '\u0001sluice:no-null\u0001';
/** Longest record accepted (a longer one is a rejected row); the read buffer is twice this, per thread, outside DuckDB's memory cap. */
const MAX_LINE_BYTES = 16 * 1024 * 1024;
/**
 * Records are first read with this limit: DuckDB splits a file into buffers
 * of twice the longest record it accepts and works on one buffer per thread,
 * so a 16 MiB limit would read a 10 MB file on one thread. A longer record is
 * skipped by that read, the counts disagree with the checker's, and the file
 * is read again with MAX_LINE_BYTES.
 */
const SHORT_LINE_BYTES = 1024 * 1024;

/**
 * How the engine reads the CSV: `skip` drops bad records (the JS checker
 * lists them) and takes records up to SHORT_LINE_BYTES; `skip-long` takes
 * records up to MAX_LINE_BYTES; `store` keeps DuckDB's own rejects, exact but
 * memory-hungry on large files, used when the checker and the engine disagree.
 */
export type ReadMode = 'skip' | 'skip-long' | 'store';

/** What reading found: how many good records, and the unreadable ones with their reasons. */
export interface RecordsRead {
  readRows: number;
  rejectRows: Record<string, unknown>[];
}

/**
 * Report the prepared file's encoding, detect its dialect and read its header
 * (or name its columns when it has none): the columns every later step reads.
 */
export function readHeader(prepared: PreparedInput, key: string, report: PreprocessReport): { dialect: Dialect; headers: HeaderMapping[] } {
  report.encoding = prepared.encoding;
  report.compressed = prepared.compressed;
  report.bytes = prepared.textBytes;
  if (prepared.textBytes === 0 || prepared.sample.trim() === '') throw new InputError(`${key}: the file is empty; there is nothing to process`, key);

  const dialect = detectDialect(prepared.sample, prepared.sampleIsComplete);
  const { columns: _columns, ...decided } = dialect;
  // A whitespace-separated file is read as its rewrite with tabs (see input.ts); the report names what the raw file holds.
  report.dialect = prepared.whitespace ? { ...decided, delimiter: 'whitespace', whitespace: prepared.whitespace } : decided;
  const tableSample =
    dialect.skipLines > 0
      ? prepared.sample
          .split(/\r\n|\n|\r/)
          .slice(dialect.skipLines)
          .join('\n')
      : prepared.sample;
  const firstRecord = parseRecords(tableSample, dialect.delimiter, dialect.quote, prepared.sampleIsComplete, 1)[0] ?? [];
  if (firstRecord.length === 0) throw new InputError(`${key}: no header or record could be read from the start of the file`, key);
  const names = firstRecord.map((h) => h.trim());
  // `#id,name`: the mark is not part of the first name.
  const unmarked = (names[0] ?? '').replace(/^#\s*/, '');
  // A first name that is only the mark (`#,name`: a column of row numbers) keeps it.
  if (dialect.hashHeader && unmarked !== '') names[0] = unmarked;
  const originals = dialect.header ? names : firstRecord.map((_, i) => `column_${i + 1}`);
  return { dialect, headers: normalizeHeaders(originals) };
}

/**
 * Columns of short letter codes whose null tokens of the same shape are values
 * (`NA` among country codes is Namibia), decided on the records at the start
 * of the file (core/codes.ts).
 */
export function findCodeTokens(run: PreprocessRun): Map<number, CodeTokens> {
  const { dialect, prepared } = run;
  const lines = prepared.sample.split(/\r\n|\n|\r/);
  const table = dialect.skipLines > 0 ? lines.slice(dialect.skipLines).join('\n') : prepared.sample;
  const records = parseRecords(table, dialect.delimiter, dialect.quote, prepared.sampleIsComplete, CODE_SAMPLE_RECORDS).slice(dialect.header ? 1 : 0);
  const found = new Map<number, CodeTokens>();
  for (const [i, h] of run.headers.entries()) {
    // Tokens set for the column itself are the user's word on it.
    if (columnSpec(run.ds, h.name, h.original)?.nullTokens) continue;
    const codes = codeTokens(
      records.map((r) => (r[i] ?? '').trim()),
      nullTokensFor({ ...run, codeTokens: undefined }, i),
    );
    if (codes) found.set(i, codes);
  }
  return found;
}

/** Records at the start of the file that decide which columns hold codes. */
const CODE_SAMPLE_RECORDS = 2_000;

/** The engine's CSV read (see ReadMode). */
function readCsvCall(run: PreprocessRun, columnNames: string[], mode: ReadMode): string {
  const { dialect, tables } = run;
  const lineBytes = mode === 'skip' ? SHORT_LINE_BYTES : MAX_LINE_BYTES;
  const columns = `{${columnNames.map((c) => `${quoteString(c)}: 'VARCHAR'`).join(', ')}}`;
  return `read_csv(${quoteString(run.prepared.path)},
    auto_detect = false, header = ${dialect.header ? 'true' : 'false'}, skip = ${dialect.skipLines},
    delim = ${quoteString(dialect.delimiter)}, quote = ${quoteString(dialect.quote)}, escape = ${quoteString(dialect.escape)},
    columns = ${columns}, strict_mode = true, null_padding = false, nullstr = ${quoteString(NO_NULL_STRING)},
    max_line_size = ${lineBytes}, buffer_size = ${lineBytes * 2},
    ${mode !== 'store' ? 'ignore_errors = true' : `store_rejects = true, rejects_table = ${quoteString(tables.rejects)}, rejects_scan = ${quoteString(tables.scans)}, rejects_limit = 0`})`;
}

/**
 * The file's good records as trimmed text with null tokens as NULL and a
 * column's `case` applied to the rest, one column
 * per header. Two layers, so each expression names its column once: a
 * 2,000-column file must stay cheap to plan. DuckDB's plain trim() strips
 * Unicode spaces and is much faster than a character list, which is only
 * needed for values holding a tab, line break or BOM. (Four substring tests
 * instead of the regular expression run faster but bind four times slower,
 * which a 2,000-column file feels.)
 */
export function cleanTextSelect(run: PreprocessRun, mode: ReadMode): string {
  const { headers } = run;
  const positional = headers.map((_, i) => `c${i}`);
  const trimmed = positional.map((col) => {
    const v = q(col);
    return `CASE WHEN regexp_matches(${v}, '[\\t\\r\\n\\x{FEFF}\\x{200E}\\x{200F}\\x{061C}\\x{2066}-\\x{2069}]') THEN trim(${v}, ${quoteString(TRIM_CHARS)}) ELSE trim(${v}) END AS ${v}`;
  });
  const nulled = positional.map((col, i) => {
    const tokens = nullTokensFor(run, i);
    const spec = columnSpec(run.ds, headers[i]?.name, headers[i]?.original);
    const v = q(col);
    const name = q(headers[i]?.name ?? col);
    const value = spec?.case ? letterCaseExpression(v, spec.case) : v;
    return tokens.length ? `CASE WHEN list_contains(${quoteList(tokens)}, ${v}) THEN NULL ELSE ${value} END AS ${name}` : `${value} AS ${name}`;
  });
  return `SELECT ${nulled.join(', ')} FROM (SELECT ${trimmed.join(', ')} FROM ${readCsvCall(run, positional, mode)})`;
}

/** Run a statement that reads the CSV; a failure of the read says the file cannot be read as CSV (it is quarantined). */
export async function readingCsv<T>(run: PreprocessRun, read: () => Promise<T>): Promise<T> {
  const { key, dialect } = run;
  try {
    return await read();
  } catch (err) {
    // The engine running out of memory or disk says nothing about the file: fail the run (it is retried), do not quarantine.
    if (/out of memory|could not allocate|no space left/i.test(errorMessage(err))) throw err;
    throw new InputError(
      `${key}: cannot be read as CSV (delimiter ${JSON.stringify(dialect.delimiter)}): ${firstLine(errorMessage(err))}`,
      key,
      undefined,
      undefined,
      {
        cause: err,
      },
    );
  }
}

/**
 * Load the file's good records with `load` (which returns how many it read)
 * and list the bad records. The engine reads while this process checks every
 * record's shape; when both count the same good rows, the checker's list of
 * bad ones stands. Otherwise the file is loaded again taking records up to
 * MAX_LINE_BYTES and, when the counts still differ (an error only the engine
 * sees, such as a bad byte sequence), once more keeping the engine's own
 * rejects, which is exact but holds much of the file in memory.
 */
export async function readChecked(run: PreprocessRun, load: (mode: ReadMode) => Promise<number>): Promise<RecordsRead & { mode: ReadMode }> {
  const { connection: c, dialect, tables } = run;
  const checker = new CsvRecordChecker(dialect.delimiter, dialect.quote, run.headers.length, dialect.header, dialect.skipLines);
  let mode: ReadMode = 'skip';
  let [readRows] = await Promise.all([readingCsv(run, () => load(mode)), feedFile(run.prepared.path, checker)]);
  checker.end();
  const agrees = () => readRows === checker.accepted && !checker.overflow;
  if (!agrees()) {
    // A record longer than SHORT_LINE_BYTES, or an error only the engine sees.
    mode = 'skip-long';
    await c.run(`DROP TABLE ${q(tables.base)}`);
    readRows = await readingCsv(run, () => load(mode));
  }
  if (agrees()) {
    await c.run(`CREATE TABLE ${q(tables.rejects)} (line BIGINT, error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR, column_idx BIGINT)`);
    const appender = await c.createAppender(tables.rejects);
    for (const r of checker.rejected) {
      appender.appendBigInt(BigInt(r.record));
      appender.appendVarchar(r.errorType);
      appender.appendVarchar(r.message);
      appender.appendVarchar(r.text);
      appender.appendBigInt(0n);
      appender.endRow();
    }
    appender.closeSync();
    const rejectRows = checker.rejected.map((r) => ({ line: r.record, error_type: r.errorType, error_message: r.message, csv_line: r.text }));
    return { readRows, rejectRows, mode };
  }
  mode = 'store';
  await c.run(`DROP TABLE ${q(tables.base)}`);
  readRows = await readingCsv(run, () => load(mode));
  const rejects = await c.runAndReadAll(
    `SELECT line, string_agg(DISTINCT error_type, ', ') AS error_type, arg_min(error_message, column_idx) AS error_message, any_value(csv_line) AS csv_line
     FROM ${q(tables.rejects)} GROUP BY line ORDER BY line`,
  );
  return { readRows, rejectRows: rejects.getRowObjectsJS(), mode };
}

/** Count the records read into the report, or fail when no record was good. */
export function countRecords(run: PreprocessRun, read: RecordsRead): void {
  const { key, report } = run;
  const { readRows, rejectRows } = read;
  report.rows.read = readRows + rejectRows.length;
  report.rows.rejected = rejectRows.length;
  if (readRows === 0) {
    throw new InputError(
      rejectRows.length > 0
        ? `${key}: every one of ${rejectRows.length} rows was rejected (first: line ${rejectRows[0]?.line}: ${rejectRows[0]?.error_message}); check the delimiter and quoting`
        : `${key}: the file has a header but no data rows`,
      key,
    );
  }
}

/** Stream a file's bytes through a chunk consumer (bytes, not strings: no garbage to collect on large files). */
export async function feedFile(file: string, consumer: { push(chunk: Uint8Array): void }): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) consumer.push(chunk as Buffer);
}
