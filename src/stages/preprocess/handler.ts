/**
 * The preprocess stage (the Lambda of the reference design): one raw CSV in,
 * one typed Parquet file out, rejected rows and cells to quarantine with their
 * reasons, and a report of every decision. Raw objects are only read.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig, MissingPolicy, PreprocessDefaults } from '../../config/schema.js';
import { CsvRecordChecker, type Dialect, detectDialect, parseRecords, RecordLineScanner } from '../../core/dialect.js';
import { ConfigError, errorMessage, InputError } from '../../core/errors.js';
import { normalizeHeaders } from '../../core/headers.js';
import { type ColumnEvidence, decideColumnType, fileDayOrder, type InferenceOptions, type TypeDecision, textHoldsForWhole } from '../../core/infer.js';
import { datasetOf, processedKeyFor, rejectsKeyFor } from '../../core/keys.js';
import { toDuckType } from '../../core/types.js';
import { COLUMN_COMMENTS_KEY } from '../../engine/duckdb.js';
import { ExpressionError, validateExpression } from '../../engine/expressions.js';
import { neutralisedFormula, quoteIdentifier as q, quoteList, quoteString } from '../../engine/sql.js';
import type { StageDeps } from '../deps.js';
import { quarantineRawFile } from '../quarantine.js';
import { type Encoding, type PreparedInput, prepareInput } from './input.js';
import { dedupeSelect, ruleViolations, uniqueViolations } from './rows.js';
import { evidenceFromRow, evidenceQuery, fillExpression, sampleGuard, typedExpression } from './sql.js';

export interface PreprocessInput {
  rawKey: string;
  sha256: string;
  /**
   * Another raw key whose output is already at this file's processed key
   * (`x.csv` and `x.csv.gz`, or `Sales/a.csv` and `sales/a.csv`): the file is
   * quarantined rather than overwrite it.
   */
  outputTakenBy?: string;
  /**
   * The raw object's change tag when the run began (ObjectInfo.tag). When
   * given, nothing is written unless the object still has it once it has been
   * read: a file that changed meanwhile (a writer still at work) ends the run
   * as `superseded`, and its new version is the next run's.
   */
  rawTag?: string;
}

export interface ColumnReport {
  original: string;
  name: string;
  type: string;
  logical: string;
  reason: string;
  /** Non-null values before typing, how many parsed and how many became NULL (rejected cells). */
  values: number;
  parsed: number;
  failed: number;
  nulls: number;
  ambiguousDateOrder?: boolean;
  override?: boolean;
  fill?: string;
  /** Values filled by the missing-value policy. */
  filled?: number;
}

export interface PreprocessReport {
  rawKey: string;
  sha256: string;
  dataset: string;
  encoding?: Encoding;
  compressed?: boolean;
  bytes?: number;
  dialect?: Omit<Dialect, 'columns'>;
  /** read: records in the file; rejected: unreadable (ragged) rows; invalid: rows breaking a rule; dropped: missing values with `drop`. */
  rows: { read: number; rejected: number; invalid: number; duplicates: number; dropped: number; written: number };
  rejectedCells: number;
  /**
   * Set when the file has more rows than types were decided on: how many rows
   * decided them, and whether every other value bore the decisions out (when
   * not, the types were decided again from all values).
   */
  typeSample?: { rows: number; held: boolean };
  columns: ColumnReport[];
  outputs: { processed?: string; rejects?: string; quarantined?: string };
  quarantine?: { reason: string };
  durationMs: number;
}

export interface PreprocessResult {
  outcome: 'processed' | 'quarantined' | 'superseded';
  report: PreprocessReport;
  processedKey?: string;
}

const TRIM_CHARS = ' \t\r\n\u00a0\u2007\u202f\ufeff';
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
type ReadMode = 'skip' | 'skip-long' | 'store';

/** Per-run names for temp tables, so runs sharing a DuckDB instance never meet. */
function tempNames() {
  const id = Math.random().toString(36).slice(2, 10);
  const name = (what: string) => `sluice_${what}_${id}`;
  return {
    clean: name('clean'),
    base: name('base'),
    typed: name('typed'),
    filled: name('filled'),
    invalid: name('invalid'),
    kept: name('kept'),
    rejected: name('rejected'),
    lines: name('lines'),
    rejects: name('rej'),
    scans: name('scan'),
  };
}

/** The engine's CSV read (see ReadMode). */
function readCsvCall(file: string, dialect: Dialect, columnNames: string[], names: ReturnType<typeof tempNames>, mode: ReadMode): string {
  const lineBytes = mode === 'skip' ? SHORT_LINE_BYTES : MAX_LINE_BYTES;
  const columns = `{${columnNames.map((c) => `${quoteString(c)}: 'VARCHAR'`).join(', ')}}`;
  return `read_csv(${quoteString(file)},
    auto_detect = false, header = ${dialect.header ? 'true' : 'false'}, skip = ${dialect.skipLines},
    delim = ${quoteString(dialect.delimiter)}, quote = ${quoteString(dialect.quote)}, escape = ${quoteString(dialect.escape)},
    columns = ${columns}, strict_mode = true, null_padding = false, nullstr = ${quoteString(NO_NULL_STRING)},
    max_line_size = ${lineBytes}, buffer_size = ${lineBytes * 2},
    ${mode !== 'store' ? 'ignore_errors = true' : `store_rejects = true, rejects_table = ${quoteString(names.rejects)}, rejects_scan = ${quoteString(names.scans)}, rejects_limit = 0`})`;
}

export async function preprocess(input: PreprocessInput, deps: StageDeps): Promise<PreprocessResult> {
  const started = Date.now();
  const dataset = datasetOf(input.rawKey);
  const report: PreprocessReport = {
    rawKey: input.rawKey,
    sha256: input.sha256,
    dataset,
    rows: { read: 0, rejected: 0, invalid: 0, duplicates: 0, dropped: 0, written: 0 },
    rejectedCells: 0,
    columns: [],
    outputs: {},
    durationMs: 0,
  };
  try {
    if (input.outputTakenBy) {
      throw new InputError(
        `${input.rawKey}: its output ${processedKeyFor(input.rawKey)} already holds the data of ${input.outputTakenBy}; rename one of the two files so their names differ by more than case or compression`,
        input.rawKey,
      );
    }
    const result = await preprocessOnce(input, deps, report);
    report.durationMs = Date.now() - started;
    return result;
  } catch (err) {
    if (err instanceof RawObjectChanged) return { outcome: 'superseded', report };
    if (!(err instanceof InputError)) throw err;
    // A file refused as it was while a writer was still at it is not refused: its finished version is read next.
    if (await rawObjectChanged(input, deps)) return { outcome: 'superseded', report };
    report.quarantine = { reason: err.message };
    report.durationMs = Date.now() - started;
    report.outputs.quarantined = await quarantineRawFile(deps.zones, input.rawKey, input.sha256, err.message);
    return { outcome: 'quarantined', report };
  }
}

async function preprocessOnce(input: PreprocessInput, deps: StageDeps, report: PreprocessReport): Promise<PreprocessResult> {
  const limits = { maxFileBytes: deps.config.defaults.maxFileBytes, maxGzipRatio: 100 };
  let prepared = await prepareInput(deps.zones.raw, input.rawKey, deps.tmpDir, limits);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return await transform(prepared, input, deps, report);
      } catch (err) {
        const message = errorMessage(err);
        // The sample looked like UTF-8 but a later part was not: the file is in a legacy encoding.
        const legacy = /invalid unicode/i.test(message) && prepared.encoding === 'utf-8';
        // DuckDB's strict parser refuses files that mix CRLF and LF line endings.
        const mixedNewlines = /state machine reached an invalid state/i.test(message) && !prepared.newlinesNormalized;
        if (attempt > 1 || !(legacy || mixedNewlines)) throw err;
        await prepared.cleanup();
        prepared = await prepareInput(deps.zones.raw, input.rawKey, deps.tmpDir, limits, {
          encoding: legacy ? 'windows-1252' : prepared.encoding,
          normalizeNewlines: mixedNewlines || prepared.newlinesNormalized,
        });
      }
    }
  } finally {
    await prepared.cleanup();
  }
}

/** The raw object changed while the run read it (see PreprocessInput.rawTag). */
class RawObjectChanged extends Error {}

async function rawObjectChanged(input: PreprocessInput, deps: StageDeps): Promise<boolean> {
  return input.rawTag !== undefined && (await deps.zones.raw.head(input.rawKey))?.tag !== input.rawTag;
}

/** Called after reading and before writing: a tag check is a stat, and every write changes the tag (size, mtime, inode; an ETag). */
async function ensureRawUnchanged(input: PreprocessInput, deps: StageDeps): Promise<void> {
  if (await rawObjectChanged(input, deps)) throw new RawObjectChanged(`${input.rawKey} changed while it was read`);
}

function datasetConfig(deps: StageDeps, dataset: string): DatasetConfig | undefined {
  return deps.config.datasets[dataset];
}

async function transform(prepared: PreparedInput, input: PreprocessInput, deps: StageDeps, report: PreprocessReport): Promise<PreprocessResult> {
  const key = input.rawKey;
  report.encoding = prepared.encoding;
  report.compressed = prepared.compressed;
  report.bytes = prepared.textBytes;
  if (prepared.textBytes === 0 || prepared.sample.trim() === '') throw new InputError(`${key}: the file is empty; there is nothing to process`, key);

  const dialect = detectDialect(prepared.sample, prepared.sampleIsComplete);
  report.dialect = { delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape, header: dialect.header, skipLines: dialect.skipLines };
  const tableSample =
    dialect.skipLines > 0
      ? prepared.sample
          .split(/\r\n|\n|\r/)
          .slice(dialect.skipLines)
          .join('\n')
      : prepared.sample;
  const firstRecord = parseRecords(tableSample, dialect.delimiter, dialect.quote, prepared.sampleIsComplete, 1)[0] ?? [];
  if (firstRecord.length === 0) throw new InputError(`${key}: no header or record could be read from the start of the file`, key);
  const originals = dialect.header ? firstRecord.map((h) => h.trim()) : firstRecord.map((_, i) => `column_${i + 1}`);
  const headers = normalizeHeaders(originals);

  const ds = datasetConfig(deps, report.dataset);
  const defaults = deps.config.defaults;
  const names = tempNames();
  await deps.engine.ensureMemoryForColumns(headers.length);
  return deps.engine.withConnection(async (c) => {
    try {
      await checkFormats(c, ds, report.dataset);
      const { readRows, rejectRows, decisions, counts, typeSample } = await loadTyped(c, prepared, dialect, headers, names, key, ds, deps, report.dataset);
      if (typeSample) report.typeSample = typeSample;
      if (prepared.encoding === 'utf-8' && rejectRows.some((r) => String(r.error_type).includes('INVALID ENCODING'))) {
        // The sample looked like UTF-8 but a later line is not: read the whole file again as Windows-1252.
        throw new Error(`invalid unicode after the first ${prepared.sample.length} characters`);
      }
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

      // Rejected cells: a value that was present but did not parse as the column's type (its text is in the clean table).
      const rejectQueries = headers
        .map((h, i) => ({ h, i, d: decisions[i] as TypeDecision }))
        .filter(({ i, d }) => (counts[i]?.failed ?? 0) > 0 && d.duckType !== 'VARCHAR')
        .map(
          ({ h, i, d }) =>
            `SELECT f.r + 1 AS row, ${quoteString(h.original)} AS "column", t.${q(h.name)} AS value, ${quoteString(`not a valid ${d.logical} (${d.duckType})`)} AS reason
             FROM (SELECT rowid AS r FROM ${q(names.base)} WHERE ${failedFlag(i)}) f JOIN ${q(names.clean)} t ON t.rowid = f.r`,
        );

      // Missing values: drop rows, then fill.
      const drops: string[] = [];
      const fills = new Map<string, string>();
      headers.forEach((h, i) => {
        const policy = missingPolicyFor(ds, h.name, h.original, defaults.missing);
        if (policy === 'drop') drops.push(`${q(h.name)} IS NOT NULL`);
        const fill = fillExpression(h.name, policy, (decisions[i] as TypeDecision).duckType, names.typed);
        if (fill) fills.set(h.name, fill);
      });
      const afterDrop = drops.length ? `WHERE ${drops.join(' AND ')}` : '';
      // Without fills or drops the filled rows are the typed rows: a view saves a copy of the data.
      const identity = fills.size === 0 && drops.length === 0;
      await c.run(
        identity
          ? `CREATE VIEW ${q(names.filled)} AS SELECT * FROM ${q(names.typed)}`
          : `CREATE TABLE ${q(names.filled)} AS SELECT "__row", ${headers.map((h) => `${fills.get(h.name) ?? q(h.name)} AS ${q(h.name)}`).join(', ')} FROM ${q(names.typed)} ${afterDrop}`,
      );
      const filledRows = identity ? readRows : await scalar(c, `SELECT count(*) FROM ${q(names.filled)}`);
      report.rows.dropped = readRows - filledRows;

      // Validation rules, then duplicates, then unique rules (a duplicate row is not a uniqueness violation).
      const rules = ds?.rules ?? [];
      for (const rule of rules) {
        if (rule.check === undefined) continue;
        try {
          await validateExpression(
            c,
            rule.check,
            headers.map((h) => h.name),
          );
        } catch (err) {
          if (err instanceof ExpressionError)
            throw new ConfigError('sluice.yaml', `datasets.${report.dataset}.rules[${rules.indexOf(rule)}].check`, err.message);
          throw err;
        }
      }
      const violations = ruleViolations(rules, headers, names.filled, report.dataset, key);
      // Without rules there is nothing invalid: the table (and the statements reading it) are left out.
      if (rules.length) {
        await c.run(
          `CREATE TABLE ${q(names.invalid)} AS ${violations.length ? violations.join(' UNION ALL ') : 'SELECT NULL::BIGINT AS row, NULL::VARCHAR AS "column", NULL::VARCHAR AS value, NULL::VARCHAR AS reason WHERE false'}`,
        );
      }
      const valid = violations.length
        ? `SELECT * FROM ${q(names.filled)} WHERE "__row" NOT IN (SELECT row FROM ${q(names.invalid)})`
        : `SELECT * FROM ${q(names.filled)}`;
      const dedupe = ds?.dedupe ?? defaults.dedupe;
      const uniqueRules = rules.some((r) => r.unique);
      // The kept rows are read twice only when unique rules look at them; otherwise a view streams them into the Parquet writer.
      await c.run(`CREATE ${uniqueRules ? 'TABLE' : 'VIEW'} ${q(names.kept)} AS ${dedupeSelect(dedupe, headers, valid, report.dataset, key)}`);
      const unique = uniqueViolations(rules, headers, names.kept, report.dataset, key);
      if (unique.length) await c.run(`INSERT INTO ${q(names.invalid)} ${unique.join(' UNION ALL ')}`);
      const invalidRows = rules.length ? await scalar(c, `SELECT count(DISTINCT row) FROM ${q(names.invalid)}`) : 0;
      if (invalidRows > 0) rejectQueries.push(`SELECT * FROM ${q(names.invalid)}`);

      const tmpParquet = path.join(deps.tmpDir, `${names.typed}.parquet`);
      await fs.mkdir(deps.tmpDir, { recursive: true });
      // Each column's origin and type decision travels with the file; the crawler makes them the catalog's column comments.
      const comments = headers.map((h, i) => ({ name: h.name, comment: columnComment(h, decisions[i] as TypeDecision, report.dataset) }));
      try {
        const written = await c.runAndReadAll(
          `COPY (SELECT * EXCLUDE ("__row") FROM ${q(names.kept)} ${uniqueRules ? `WHERE "__row" NOT IN (SELECT row FROM ${q(names.invalid)})` : ''} ORDER BY "__row")
           TO ${quoteString(tmpParquet)} (FORMAT parquet, COMPRESSION zstd, KV_METADATA {${quoteString(COLUMN_COMMENTS_KEY)}: ${quoteString(JSON.stringify(comments))}})`,
        );
        report.rows.written = Number(written.getRows()[0]?.[0] ?? 0);
        report.rows.invalid = invalidRows;
        report.rows.duplicates = filledRows - invalidRows - report.rows.written;

        // Nulls per column before and after filling, over the rows that were not dropped.
        // Without dropped rows, a column's NULLs are the rows it did not parse a value for.
        const nullsBefore = drops.length ? await nullsPerColumn(c, names.typed, headers, afterDrop) : counts.map((n) => readRows - n.parsed);
        const nullsAfter = identity ? nullsBefore : await nullsPerColumn(c, names.filled, headers, '');
        report.columns = headers.map((h, i) => {
          const d = decisions[i] as TypeDecision;
          const spec = columnSpec(ds, h.name, h.original);
          const policy = missingPolicyFor(ds, h.name, h.original, defaults.missing);
          const before = nullsBefore[i] ?? 0;
          const after = nullsAfter[i] ?? 0;
          return {
            original: h.original,
            name: h.name,
            type: d.duckType,
            logical: d.logical,
            reason: d.reason,
            values: counts[i]?.values ?? 0,
            parsed: counts[i]?.parsed ?? 0,
            failed: counts[i]?.failed ?? 0,
            nulls: after,
            ...(d.ambiguousDateOrder ? { ambiguousDateOrder: true } : {}),
            ...(spec?.type ? { override: true } : {}),
            ...(policy !== 'keep' ? { fill: typeof policy === 'object' ? `constant ${JSON.stringify(policy.constant)}` : policy, filled: before - after } : {}),
          };
        });
        report.rejectedCells = report.columns.reduce((n, col) => n + col.failed, 0);

        await deps.faults?.('preprocess.read');
        await ensureRawUnchanged(input, deps);
        await writeRejects(c, deps, input.rawKey, prepared, dialect, names, rejectRows, rejectQueries, report);
        // Rejected rows' lines were read from the file again.
        await ensureRawUnchanged(input, deps);
        const processedKey = processedKeyFor(input.rawKey);
        await deps.zones.processed.putFile(processedKey, tmpParquet);
        report.outputs.processed = processedKey;
        return { outcome: 'processed', report, processedKey };
      } finally {
        await fs.rm(tmpParquet, { force: true });
      }
    } finally {
      await dropWorkTables(c, Object.values(names));
    }
  });
}

/**
 * A sample above 1 - minTypeShare of the file (with the default 95%) usually
 * proves a text column stays text on its own (see textHoldsForWhole), so
 * large files rarely need whole-column evidence for their text columns.
 */
const SAMPLE_SHARE = 0.06;

interface ColumnCounts {
  /** Non-null values after trimming and null tokens. */
  values: number;
  parsed: number;
  /** Values present that did not parse as the column's type (rejected cells). */
  failed: number;
}

interface Loaded {
  readRows: number;
  rejectRows: Record<string, unknown>[];
  decisions: TypeDecision[];
  counts: ColumnCounts[];
  typeSample?: { rows: number; held: boolean };
}

type Header = { name: string; original: string };

/** Failure flags per base-table row: bit `i % FLAG_BITS` of flag column `i / FLAG_BITS` is set when column i's value failed to parse. */
const FLAG_BITS = 62;

function flagColumn(group: number): string {
  return q(`__sluice_failed_${group}`);
}

/** A condition true on the rows where column `i`'s value failed to parse. */
function failedFlag(i: number): string {
  return `(${flagColumn(Math.floor(i / FLAG_BITS))} >> ${i % FLAG_BITS}) & 1 = 1`;
}

/**
 * Read, clean and type the file in one pass over the CSV, into the base table
 * (typed columns, plus flags marking the values that failed to parse) and the
 * `typed` view over it (with "__row", the record's position among the good
 * rows). When values failed, the clean text table holds their text.
 *
 * Types are decided on the first rows (`typeSampleRows`, or SAMPLE_SHARE of the
 * file) and checked against every value while typing: a value the sample's
 * decision cannot take fails, and guards (sampleGuard) fail the values that
 * whole-column evidence would have decided differently on. When any typed
 * column counts a failure, or a date column's day order was ambiguous, the
 * file is typed again from whole-column evidence over a table of its text,
 * so the result is always what whole-column evidence decides. Text columns
 * are proved text by the sample (textHoldsForWhole) or by evidence over their
 * values in the base table, which are their text.
 */
async function loadTyped(
  c: DuckDBConnection,
  prepared: PreparedInput,
  dialect: Dialect,
  headers: Header[],
  names: ReturnType<typeof tempNames>,
  key: string,
  ds: DatasetConfig | undefined,
  deps: StageDeps,
  dataset: string,
): Promise<Loaded> {
  const defaults = deps.config.defaults;
  const cleaned = (mode: ReadMode) => cleanTextSelect(prepared, dialect, headers, names, ds, defaults, mode);
  const sampleRows = sampleRowsFor(prepared, defaults.typeSampleRows);
  const sample = await readingCsv(key, dialect, () => columnEvidence(c, `(SELECT * FROM (${cleaned('skip')}) LIMIT ${sampleRows})`, headers));
  let decisions = decideFromEvidence(sample, headers, ds, defaults, dataset);
  const typedFrom = (source: string, sampled: boolean) => createBase(c, names.base, source, headers, decisions, ds, defaults, sampled);
  const { readRows, rejectRows, mode } = await readChecked(c, prepared, dialect, headers.length, names, key, async (mode) => {
    await typedFrom(`(${cleaned(mode)})`, true);
    return scalar(c, `SELECT count(*) FROM ${q(names.base)}`);
  });
  let counts = await countColumns(c, names.base, headers, decisions);
  let typeSample: Loaded['typeSample'];
  let textKept = false;
  // The sample saw every row unless the file has more, or had to be read again (a record too long for the first read).
  if (readRows > sampleRows || mode !== 'skip') {
    const seen = Math.min(sampleRows, readRows);
    const confirmed = await confirmSample(c, names.base, headers, decisions, counts, sample, seen, ds, defaults, dataset);
    typeSample = { rows: seen, held: confirmed !== undefined };
    if (confirmed) {
      decisions = confirmed;
    } else {
      await c.run(`DROP TABLE ${q(names.base)}`);
      await c.run(`CREATE TEMP TABLE ${q(names.clean)} AS ${cleaned(mode === 'skip' ? 'skip' : 'skip-long')}`);
      decisions = decideFromEvidence(await columnEvidence(c, q(names.clean), headers), headers, ds, defaults, dataset);
      await typedFrom(q(names.clean), false);
      counts = await countColumns(c, names.base, headers, decisions);
      textKept = true;
    }
  }
  if (!textKept && counts.some((n) => n.failed > 0)) {
    // The failed values' text, row for row with the base table, for the rejects file.
    await c.run(`CREATE TEMP TABLE ${q(names.clean)} AS ${cleaned(mode === 'skip' ? 'skip' : 'skip-long')}`);
    const rows = await scalar(c, `SELECT count(*) FROM ${q(names.clean)}`);
    if (rows !== readRows) throw new Error(`${key}: a second read found ${rows} rows where the first found ${readRows}; the file changed while it was read`);
  }
  await c.run(`CREATE VIEW ${q(names.typed)} AS SELECT rowid + 1 AS "__row", ${headers.map((h) => q(h.name)).join(', ')} FROM ${q(names.base)}`);
  return { readRows, rejectRows, decisions, counts, typeSample };
}

/** Rows to decide types on: `typeSampleRows`, or SAMPLE_SHARE of the rows the file is estimated to hold from its first part. */
function sampleRowsFor(prepared: PreparedInput, atLeast: number): number {
  const lines = Math.max(1, prepared.sample.split('\n').length - 1);
  const estimatedRows = prepared.textBytes / Math.max(1, prepared.sample.length / lines);
  return Math.max(atLeast, Math.ceil(estimatedRows * SAMPLE_SHARE));
}

/**
 * The file's good records as trimmed text with null tokens as NULL, one column
 * per header. Two layers, so each expression names its column once: a
 * 2,000-column file must stay cheap to plan. DuckDB's plain trim() strips
 * Unicode spaces and is much faster than a character list, which is only
 * needed for values holding a tab, line break or BOM. (Four substring tests
 * instead of the regular expression run faster but bind four times slower,
 * which a 2,000-column file feels.)
 */
function cleanTextSelect(
  prepared: PreparedInput,
  dialect: Dialect,
  headers: Header[],
  names: ReturnType<typeof tempNames>,
  ds: DatasetConfig | undefined,
  defaults: PreprocessDefaults,
  mode: ReadMode,
): string {
  const positional = headers.map((_, i) => `c${i}`);
  const trimmed = positional.map((col) => {
    const v = q(col);
    return `CASE WHEN regexp_matches(${v}, '[\\t\\r\\n\\x{FEFF}]') THEN trim(${v}, ${quoteString(TRIM_CHARS)}) ELSE trim(${v}) END AS ${v}`;
  });
  const nulled = positional.map((col, i) => {
    const spec = columnSpec(ds, headers[i]?.name, headers[i]?.original);
    const tokens = spec?.nullTokens ?? ds?.nullTokens ?? defaults.nullTokens;
    const v = q(col);
    const name = q(headers[i]?.name ?? col);
    return tokens.length ? `CASE WHEN list_contains(${quoteList(tokens)}, ${v}) THEN NULL ELSE ${v} END AS ${name}` : `${v} AS ${name}`;
  });
  return `SELECT ${nulled.join(', ')} FROM (SELECT ${trimmed.join(', ')} FROM ${readCsvCall(prepared.path, dialect, positional, names, mode)})`;
}

/** Run a statement that reads the CSV; a failure of the read says the file cannot be read as CSV (it is quarantined). */
async function readingCsv<T>(key: string, dialect: Dialect, read: () => Promise<T>): Promise<T> {
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
async function readChecked(
  c: DuckDBConnection,
  prepared: PreparedInput,
  dialect: Dialect,
  columns: number,
  names: ReturnType<typeof tempNames>,
  key: string,
  load: (mode: ReadMode) => Promise<number>,
): Promise<{ readRows: number; rejectRows: Record<string, unknown>[]; mode: ReadMode }> {
  const checker = new CsvRecordChecker(dialect.delimiter, dialect.quote, columns, dialect.header, dialect.skipLines);
  let mode: ReadMode = 'skip';
  let [readRows] = await Promise.all([readingCsv(key, dialect, () => load(mode)), feedFile(prepared.path, checker)]);
  checker.end();
  const agrees = () => readRows === checker.accepted && !checker.overflow;
  if (!agrees()) {
    // A record longer than SHORT_LINE_BYTES, or an error only the engine sees.
    mode = 'skip-long';
    await c.run(`DROP TABLE ${q(names.base)}`);
    readRows = await readingCsv(key, dialect, () => load(mode));
  }
  if (agrees()) {
    await c.run(`CREATE TABLE ${q(names.rejects)} (line BIGINT, error_type VARCHAR, error_message VARCHAR, csv_line VARCHAR, column_idx BIGINT)`);
    const appender = await c.createAppender(names.rejects);
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
  await c.run(`DROP TABLE ${q(names.base)}`);
  readRows = await readingCsv(key, dialect, () => load(mode));
  const rejects = await c.runAndReadAll(
    `SELECT line, string_agg(DISTINCT error_type, ', ') AS error_type, arg_min(error_message, column_idx) AS error_message, any_value(csv_line) AS csv_line
     FROM ${q(names.rejects)} GROUP BY line ORDER BY line`,
  );
  return { readRows, rejectRows: rejects.getRowObjectsJS(), mode };
}

/**
 * Create the base table from `source` (text columns named by the headers):
 * each column typed as decided, and the flags of the values that failed to
 * parse. `sampled`: the decisions come from a sample, so their guards apply.
 */
async function createBase(
  c: DuckDBConnection,
  table: string,
  source: string,
  headers: Header[],
  decisions: TypeDecision[],
  ds: DatasetConfig | undefined,
  defaults: PreprocessDefaults,
  sampled: boolean,
): Promise<void> {
  const zeroOneAsBoolean = defaults.zeroOneAsBoolean;
  const typedName = (i: number) => q(`__sluice_t_${i}`);
  const textName = (i: number) => q(`__sluice_v_${i}`);
  const inner = headers.map((h, i) => {
    const d = decisions[i] as TypeDecision;
    if (d.duckType === 'VARCHAR') return q(h.name);
    const spec = columnSpec(ds, h.name, h.original);
    const typed = typedExpression(h.name, d, { zeroOneAsBoolean, format: spec?.format });
    const guard = sampled && !spec?.format ? sampleGuard(h.name, d, { zeroOneAsBoolean, override: spec?.type !== undefined }) : undefined;
    return `${guard ? `CASE WHEN ${guard} THEN NULL ELSE ${typed} END` : typed} AS ${typedName(i)}, ${q(h.name)} AS ${textName(i)}`;
  });
  const typedColumn = (i: number) => (decisions[i] as TypeDecision).duckType !== 'VARCHAR';
  const outer = headers.map((h, i) => (typedColumn(i) ? `${typedName(i)} AS ${q(h.name)}` : q(h.name)));
  // One BIGINT of flags per FLAG_BITS columns (not a column per typed column: a 2,000-column file must stay narrow).
  for (const group of flagGroups(headers.length)) {
    const bits = group
      .filter(typedColumn)
      .map((i) => `CASE WHEN ${typedName(i)} IS NULL AND ${textName(i)} IS NOT NULL THEN ${2 ** (i % FLAG_BITS)}::BIGINT ELSE 0 END`);
    outer.push(`${bits.length ? bits.join(' + ') : '0::BIGINT'} AS ${flagColumn(Math.floor((group[0] ?? 0) / FLAG_BITS))}`);
  }
  await c.run(`CREATE TEMP TABLE ${q(table)} AS SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${source})`);
}

/** Column indexes in groups of FLAG_BITS, one group per flag column. */
function flagGroups(columns: number): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < columns; i += FLAG_BITS) groups.push(Array.from({ length: Math.min(FLAG_BITS, columns - i) }, (_, k) => i + k));
  return groups;
}

/**
 * Values, parsed values and failures per column of the base table. Failures
 * are counted per column only in the flag groups that have any (most files
 * have none, and 2,000 flag tests bind slowly).
 */
async function countColumns(c: DuckDBConnection, table: string, headers: Header[], decisions: TypeDecision[]): Promise<ColumnCounts[]> {
  const groups = flagGroups(headers.length);
  const r = await c.runAndReadAll(
    `SELECT ${[...headers.map((h) => `count(${q(h.name)})`), ...groups.map((_, g) => `count(*) FILTER (WHERE ${flagColumn(g)} <> 0)`)].join(
      ', ',
    )} FROM ${q(table)}`,
  );
  const row = (r.getRows()[0] ?? []).map(Number);
  const failing = groups
    .filter((_, g) => (row[headers.length + g] ?? 0) > 0)
    .flat()
    .filter((i) => (decisions[i] as TypeDecision).duckType !== 'VARCHAR');
  const failed = new Map<number, number>();
  if (failing.length) {
    const f = await c.runAndReadAll(`SELECT ${failing.map((i) => `count(*) FILTER (WHERE ${failedFlag(i)})`).join(', ')} FROM ${q(table)}`);
    for (const [k, n] of (f.getRows()[0] ?? []).entries()) failed.set(failing[k] as number, Number(n));
  }
  return headers.map((_, i) => {
    const parsed = row[i] ?? 0;
    const fails = failed.get(i) ?? 0;
    return { values: parsed + fails, parsed, failed: fails };
  });
}

/**
 * The sample's decisions when typing every value bore them out, else
 * undefined (the file is typed again from whole-column evidence). A text
 * column that the sample cannot prove text is checked with evidence over its
 * values in the base table.
 */
async function confirmSample(
  c: DuckDBConnection,
  table: string,
  headers: Header[],
  decisions: TypeDecision[],
  counts: ColumnCounts[],
  sample: ColumnEvidence[],
  sampleRows: number,
  ds: DatasetConfig | undefined,
  defaults: PreprocessDefaults,
  dataset: string,
): Promise<TypeDecision[] | undefined> {
  const opts = inferenceOptions(defaults);
  const unproved: number[] = [];
  const proved = new Set<number>();
  for (const [i, h] of headers.entries()) {
    const d = decisions[i] as TypeDecision;
    const spec = columnSpec(ds, h.name, h.original);
    if (spec?.format) continue;
    if (d.duckType !== 'VARCHAR') {
      if ((counts[i]?.failed ?? 0) > 0 || d.ambiguousDateOrder) return undefined;
    } else if (spec?.type === undefined) {
      if (textHoldsForWhole(sample[i] as ColumnEvidence, counts[i]?.values ?? 0, opts)) proved.add(i);
      else unproved.push(i);
    }
  }
  const evidence = [...sample];
  if (unproved.length) {
    const whole = await columnEvidence(
      c,
      q(table),
      unproved.map((i) => headers[i] as Header),
    );
    unproved.forEach((i, k) => {
      evidence[i] = whole[k] as ColumnEvidence;
    });
  }
  const redecided = unproved.length ? decideFromEvidence(evidence, headers, ds, defaults, dataset) : decisions;
  if (unproved.some((i) => redecided[i]?.duckType !== 'VARCHAR')) return undefined;
  return decisions.map((d, i) =>
    unproved.includes(i) ? (redecided[i] as TypeDecision) : proved.has(i) ? { ...d, reason: `${d.reason} (decided on the first ${sampleRows} rows)` } : d,
  );
}

/** Fail with the YAML key when a column's `format` is not a strptime format DuckDB knows. */
async function checkFormats(c: DuckDBConnection, ds: DatasetConfig | undefined, dataset: string): Promise<void> {
  for (const [column, spec] of Object.entries(ds?.columns ?? {})) {
    if (spec.format === undefined) continue;
    try {
      await c.run(`SELECT try_strptime(NULL::VARCHAR, ${quoteString(spec.format)})`);
    } catch (err) {
      throw new ConfigError(
        'sluice.yaml',
        `datasets.${dataset}.columns.${column}.format`,
        `${firstLine(errorMessage(err)).replace(/^Invalid Input Error: /, '')}; use strptime specifiers such as %Y-%m-%d or %d.%m.%Y %H:%M`,
      );
    }
  }
}

/**
 * Write every rejected row and cell of a file to `quarantine/<dataset>/<file>.rejects.csv`
 * with the physical line it starts on. Line numbers need one more pass over
 * the file, so they are only computed when there is something to reject.
 */
async function writeRejects(
  c: DuckDBConnection,
  deps: StageDeps,
  rawKey: string,
  prepared: PreparedInput,
  dialect: Dialect,
  names: ReturnType<typeof tempNames>,
  rowRejects: Record<string, unknown>[],
  rowQueries: string[],
  report: PreprocessReport,
): Promise<void> {
  const rejectsKey = rejectsKeyFor(rawKey);
  if (rowQueries.length === 0 && rowRejects.length === 0) {
    // A new version of the file with no rejects must not leave the old version's rejects behind.
    await deps.zones.quarantine.delete(rejectsKey);
    return;
  }
  await c.run(
    `CREATE TABLE ${q(names.rejected)} AS SELECT * FROM (${[
      `SELECT NULL::BIGINT AS row, NULL::VARCHAR AS "column", NULL::VARCHAR AS value, NULL::VARCHAR AS reason WHERE false`,
      ...rowQueries,
    ].join(' UNION ALL ')})`,
  );
  const cells = await scalar(c, `SELECT count(*) FROM ${q(names.rejected)}`);
  if (cells === 0 && rowRejects.length === 0) {
    // A new version of the file with no rejects must not leave the old version's rejects behind.
    await deps.zones.quarantine.delete(rejectsKey);
    return;
  }
  const wanted = (await c.runAndReadAll(`SELECT DISTINCT row FROM ${q(names.rejected)}`)).getRows().map((r) => Number(r[0]));
  const rejectedRecords = rowRejects.map((r) => Number(r.line));
  const scanner = await scanRecordLines(
    prepared.path,
    new RecordLineScanner(dialect.header, new Set(rejectedRecords), new Set(wanted), dialect.quote, dialect.skipLines),
  );
  const mapping = [
    ...wanted.map((row) => [row, scanner.rowLines.get(row) ?? 0]),
    ...rejectedRecords.map((record) => [-record, scanner.recordLines.get(record) ?? record]),
  ];
  await c.run(`CREATE TABLE ${q(names.lines)} (row BIGINT, line BIGINT)`);
  for (let i = 0; i < mapping.length; i += 1000) {
    const values = mapping.slice(i, i + 1000).map(([row, line]) => `(${Math.trunc(row as number)}, ${Math.trunc(line as number)})`);
    await c.run(`INSERT INTO ${q(names.lines)} VALUES ${values.join(', ')}`);
  }
  const tmp = path.join(deps.tmpDir, `${names.rejected}.csv`);
  try {
    await c.run(
      `COPY (
         SELECT kind, line, ${neutralisedFormula('"column"')} AS "column", ${neutralisedFormula('value')} AS value, ${neutralisedFormula('reason')} AS reason FROM (
           SELECT 'row' AS kind, l.line, NULL::VARCHAR AS "column", any_value(r.csv_line) AS value,
                  string_agg(DISTINCT r.error_type, ', ') || ': ' || arg_min(r.error_message, r.column_idx) AS reason
           FROM ${q(names.rejects)} r JOIN ${q(names.lines)} l ON l.row = -CAST(r.line AS BIGINT) GROUP BY l.line
           UNION ALL
           SELECT CASE WHEN x.reason LIKE 'not a valid %' THEN 'cell' ELSE 'rule' END, l.line, x."column", x.value, x.reason
           FROM ${q(names.rejected)} x JOIN ${q(names.lines)} l ON l.row = x.row
         ) ORDER BY line, "column"
       ) TO ${quoteString(tmp)} (FORMAT csv, HEADER true)`,
    );
    await deps.zones.quarantine.putFile(rejectsKey, tmp);
    report.outputs.rejects = rejectsKey;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Stream a file's bytes through a chunk consumer (bytes, not strings: no garbage to collect on large files). */
async function feedFile(file: string, consumer: { push(chunk: Uint8Array): void }): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) consumer.push(chunk as Buffer);
}

async function scanRecordLines(file: string, scanner: RecordLineScanner): Promise<RecordLineScanner> {
  await feedFile(file, scanner);
  scanner.end();
  return scanner;
}

function inferenceOptions(defaults: PreprocessDefaults): InferenceOptions {
  return { minShare: defaults.minTypeShare, zeroOneAsBoolean: defaults.zeroOneAsBoolean, dateOrder: defaults.dateOrder };
}

/** Type evidence for each of `headers`, counted over `from` (a table or a parenthesised query). */
async function columnEvidence(c: DuckDBConnection, from: string, headers: readonly Header[]): Promise<ColumnEvidence[]> {
  const r = await c.runAndReadAll(
    evidenceQuery(
      from,
      headers.map((h) => h.name),
    ),
  );
  const byName = new Map(r.getRowObjectsJS().map((row) => [String(row.col), evidenceFromRow(row)]));
  // UNPIVOT drops NULLs: a column with no values at all has no row.
  return headers.map((h) => byName.get(h.name) ?? evidenceFromRow({}));
}

function decideFromEvidence(
  evidence: readonly ColumnEvidence[],
  headers: readonly Header[],
  ds: DatasetConfig | undefined,
  defaults: PreprocessDefaults,
  dataset: string,
): TypeDecision[] {
  const opts = inferenceOptions(defaults);
  const dayFirst = fileDayOrder(evidence);
  return headers.map((h, i) => {
    const ev = evidence[i] as ColumnEvidence;
    const inferred = decideColumnType(ev, opts, dayFirst);
    const spec = columnSpec(ds, h.name, h.original);
    const override = spec?.type ? toDuckType(spec.type) : undefined;
    if (!override) {
      if (inferred.failed > 0 && (ds?.typeOutliers ?? defaults.typeOutliers) === 'text') {
        return {
          logical: 'text',
          duckType: 'VARCHAR',
          parse: {},
          parsed: ev.nonNull,
          failed: 0,
          reason: `${inferred.failed} value(s) are not ${inferred.logical}; kept as text (typeOutliers: text)`,
        } satisfies TypeDecision;
      }
      return inferred;
    }
    const logical =
      override === 'VARCHAR'
        ? 'text'
        : override === 'BOOLEAN'
          ? 'boolean'
          : override === 'DATE'
            ? 'date'
            : override.startsWith('TIMESTAMP')
              ? 'timestamp'
              : override.startsWith('DECIMAL')
                ? 'decimal'
                : override === 'DOUBLE' || override === 'FLOAT'
                  ? 'double'
                  : 'integer';
    const parsed =
      override === 'VARCHAR'
        ? ev.nonNull
        : logical === 'boolean'
          ? ev.booleanWords
          : logical === 'date' || logical === 'timestamp'
            ? Math.max(ev.timestampDayFirst, ev.timestampMonthFirst)
            : Math.max(ev.numDot, ev.numComma);
    return {
      logical,
      duckType: override,
      parse: { decimalComma: ev.numComma > ev.numDot, dayFirst: inferred.parse.dayFirst ?? dayFirst ?? false, percent: ev.percent > 0 },
      parsed: Math.min(parsed, ev.nonNull),
      failed: Math.max(0, ev.nonNull - parsed),
      reason: `set in sluice.yaml (datasets.${dataset}.columns.${h.name}.type)`,
    } satisfies TypeDecision;
  });
}

/** `from "Order ID"; 100% of values are whole numbers`: where a column came from and why it has its type. */
function columnComment(h: { name: string; original: string }, d: TypeDecision, dataset: string): string {
  const origin = h.original !== h.name ? `from "${h.original}"; ` : '';
  return `${origin}${d.reason}`.replace(`(datasets.${dataset}.columns.${h.name}.type)`, '').trim();
}

function columnSpec(ds: DatasetConfig | undefined, name: string | undefined, original: string | undefined) {
  if (!ds) return undefined;
  return (name !== undefined ? ds.columns[name] : undefined) ?? (original !== undefined ? ds.columns[original] : undefined);
}

function missingPolicyFor(ds: DatasetConfig | undefined, name: string, original: string, fallback: MissingPolicy): MissingPolicy {
  return columnSpec(ds, name, original)?.missing ?? fallback;
}

/** NULLs per column of `table` (optionally under a WHERE clause); count(*) - count(c) plans fast even for thousands of columns. */
async function nullsPerColumn(c: DuckDBConnection, table: string, columns: readonly { name: string }[], where: string): Promise<number[]> {
  const r = await c.runAndReadAll(`SELECT ${columns.map((col) => `count(*) - count(${q(col.name)})`).join(', ')} FROM ${q(table)} ${where}`);
  return (r.getRows()[0] ?? []).map(Number);
}

/** Drop the run's work tables and views in one round trip (a small file's run is dozens of statements; each costs). */
async function dropWorkTables(c: DuckDBConnection, names: readonly string[]): Promise<void> {
  try {
    const list = names.map((n) => quoteString(n)).join(', ');
    // duckdb_tables()/duckdb_views() answer much faster than information_schema, which joins every catalog.
    const existing = await c.runAndReadAll(
      `SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE table_name IN (${list}) UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE view_name IN (${list})`,
    );
    const drops = existing.getRows().map(([name, type]) => `DROP ${type === 'VIEW' ? 'VIEW' : 'TABLE'} IF EXISTS ${q(String(name))};`);
    if (drops.length) await c.run(drops.join('\n'));
  } catch {
    // Best effort: names are unique per run, so a leftover never meets another run.
  }
}

async function scalar(c: DuckDBConnection, sql: string): Promise<number> {
  const r = await c.runAndReadAll(sql);
  return Number(r.getRows()[0]?.[0] ?? 0);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
