/**
 * Typing the file: its records are read, cleaned and cast in one pass into
 * the base table, on types decided from a sample and checked against every
 * value; when the sample's decisions do not hold, the file is typed again
 * from whole-column evidence.
 */
import type { HeaderMapping } from '../../core/headers.js';
import { type ColumnEvidence, type FailedValues, judgeFailures, type TypeDecision, textHoldsForWhole } from '../../core/infer.js';
import { quoteIdentifier as q } from '../../engine/sql.js';
import type { PreparedInput } from './input.js';
import { cleanTextSelect, type ReadMode, type RecordsRead, readChecked, readingCsv } from './reading.js';
import { columnSpec, type PreprocessRun, scalar, timezoneFor } from './run.js';
import { failedValuesQuery, sampleGuard, typedExpression } from './sql.js';
import { columnEvidence, decideFromEvidence, inferenceOptions } from './type-decisions.js';

/**
 * A sample above 1 - minTypeShare of the file (with the default 95%) usually
 * proves a text column stays text on its own (see textHoldsForWhole), so
 * large files rarely need whole-column evidence for their text columns.
 */
const SAMPLE_SHARE = 0.06;

export interface ColumnCounts {
  /** Non-null values after trimming and null tokens. */
  values: number;
  parsed: number;
  /** Values present that did not parse as the column's type (rejected cells). */
  failed: number;
}

export interface Loaded extends RecordsRead {
  decisions: TypeDecision[];
  counts: ColumnCounts[];
  /** The evidence the types were decided on: over the sample's rows, or over every row when the file was typed again. */
  evidence: ColumnEvidence[];
  typeSample?: { rows: number; held: boolean };
}

/** Failure flags per base-table row: bit `i % FLAG_BITS` of flag column `i / FLAG_BITS` is set when column i's value failed to parse. */
const FLAG_BITS = 62;

function flagColumn(group: number): string {
  return q(`__sluice_failed_${group}`);
}

/** A condition true on the rows where column `i`'s value failed to parse. */
export function failedFlag(i: number): string {
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
export async function loadTyped(run: PreprocessRun): Promise<Loaded> {
  const { connection: c, headers, tables, key } = run;
  const cleaned = (mode: ReadMode) => cleanTextSelect(run, mode);
  const sampleRows = sampleRowsFor(run.prepared, run.defaults.typeSampleRows);
  const sample = await readingCsv(run, () => columnEvidence(run, `(SELECT * FROM (${cleaned('skip')}) LIMIT ${sampleRows})`, headers));
  let evidence = sample;
  let decisions = decideFromEvidence(run, sample);
  const typedFrom = (source: string, sampled: boolean) => createBase(run, source, decisions, sampled);
  const { readRows, rejectRows, mode } = await readChecked(run, async (mode) => {
    await typedFrom(`(${cleaned(mode)})`, true);
    return scalar(c, `SELECT count(*) FROM ${q(tables.base)}`);
  });
  let counts = await countColumns(run, decisions);
  let typeSample: Loaded['typeSample'];
  let textKept = false;
  // The sample saw every row unless the file has more, or had to be read again (a record too long for the first read).
  if (readRows > sampleRows || mode !== 'skip') {
    const seen = Math.min(sampleRows, readRows);
    const confirmed = await confirmSample(run, decisions, counts, sample, seen);
    typeSample = { rows: seen, held: confirmed !== undefined };
    if (confirmed) {
      decisions = confirmed;
    } else {
      await c.run(`DROP TABLE ${q(tables.base)}`);
      await c.run(`CREATE TEMP TABLE ${q(tables.clean)} AS ${cleaned(mode === 'skip' ? 'skip' : 'skip-long')}`);
      evidence = await columnEvidence(run, q(tables.clean), headers);
      decisions = decideFromEvidence(run, evidence);
      await typedFrom(q(tables.clean), false);
      counts = await countColumns(run, decisions);
      textKept = true;
    }
  }
  if (!textKept && counts.some((n) => n.failed > 0)) {
    // The failed values' text, row for row with the base table, for the rejects file.
    await c.run(`CREATE TEMP TABLE ${q(tables.clean)} AS ${cleaned(mode === 'skip' ? 'skip' : 'skip-long')}`);
    const rows = await scalar(c, `SELECT count(*) FROM ${q(tables.clean)}`);
    if (rows !== readRows) throw new Error(`${key}: a second read found ${rows} rows where the first found ${readRows}; the file changed while it was read`);
  }
  const judged = await judgeFailedValues(run, decisions, counts);
  if (judged.some((d, i) => d.duckType !== decisions[i]?.duckType)) {
    // A column's failing values were a pattern, not strays: it is text now, and the file is typed again from its clean text.
    await c.run(`DROP TABLE ${q(tables.base)}`);
    await createBase(run, q(tables.clean), judged, false);
    counts = await countColumns(run, judged);
  }
  decisions = judged;
  await c.run(`CREATE VIEW ${q(tables.typed)} AS SELECT rowid + 1 AS "__row", ${headers.map((h) => q(h.name)).join(', ')} FROM ${q(tables.base)}`);
  return { readRows, rejectRows, decisions, counts, evidence, typeSample };
}

/**
 * Each inferred typed column with values that failed to parse, judged on
 * those values (judgeFailures): stray values stay rejected cells, named in the
 * reason; a recurring answer or codes of one shape make the column text.
 * Columns whose type or format sluice.yaml sets are left as they are.
 */
async function judgeFailedValues(run: PreprocessRun, decisions: TypeDecision[], counts: ColumnCounts[]): Promise<TypeDecision[]> {
  const { headers, ds, tables } = run;
  const judged: TypeDecision[] = [];
  for (const [i, d] of decisions.entries()) {
    const h = headers[i] as HeaderMapping;
    const spec = columnSpec(ds, h.name, h.original);
    const n = counts[i] as ColumnCounts;
    if (d.duckType === 'VARCHAR' || n.failed === 0 || spec?.type !== undefined || spec?.format !== undefined) {
      judged.push(d);
      continue;
    }
    const rows = (await run.connection.runAndReadAll(failedValuesQuery(h.name, tables.base, tables.clean, failedFlag(i)))).getRowObjectsJS();
    const failed: FailedValues = {
      top: rows.filter((r) => r.kind === 'top').map((r) => ({ value: String(r.a), n: Number(r.b) })),
      shapes: rows.filter((r) => r.kind === 'shape').map((r) => ({ shape: String(r.a), rows: Number(r.b), distinct: Number(r.c), example: String(r.d) })),
    };
    judged.push(judgeFailures({ ...d, failed: n.failed, parsed: n.parsed }, failed, n.values));
  }
  return judged;
}

/** Rows to decide types on: `typeSampleRows`, or SAMPLE_SHARE of the rows the file is estimated to hold from its first part. */
function sampleRowsFor(prepared: PreparedInput, atLeast: number): number {
  const lines = Math.max(1, prepared.sample.split('\n').length - 1);
  const estimatedRows = prepared.textBytes / Math.max(1, prepared.sample.length / lines);
  return Math.max(atLeast, Math.ceil(estimatedRows * SAMPLE_SHARE));
}

/**
 * Create the base table from `source` (text columns named by the headers):
 * each column typed as decided, and the flags of the values that failed to
 * parse. `sampled`: the decisions come from a sample, so their guards apply.
 */
async function createBase(run: PreprocessRun, source: string, decisions: TypeDecision[], sampled: boolean): Promise<void> {
  const { headers, ds } = run;
  const zeroOneAsBoolean = run.defaults.zeroOneAsBoolean;
  const typedName = (i: number) => q(`__sluice_t_${i}`);
  const textName = (i: number) => q(`__sluice_v_${i}`);
  const inner = headers.map((h, i) => {
    const d = decisions[i] as TypeDecision;
    if (d.duckType === 'VARCHAR') return q(h.name);
    const spec = columnSpec(ds, h.name, h.original);
    const typed = typedExpression(h.name, d, {
      zeroOneAsBoolean,
      format: spec?.format,
      timezone: timezoneFor(run, h.name, h.original),
      booleanWords: run.defaults.booleanWords,
    });
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
  await run.connection.run(`CREATE TEMP TABLE ${q(run.tables.base)} AS SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${source})`);
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
async function countColumns(run: PreprocessRun, decisions: TypeDecision[]): Promise<ColumnCounts[]> {
  const { connection: c, headers } = run;
  const table = run.tables.base;
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
  run: PreprocessRun,
  decisions: TypeDecision[],
  counts: ColumnCounts[],
  sample: ColumnEvidence[],
  sampleRows: number,
): Promise<TypeDecision[] | undefined> {
  const { headers, ds } = run;
  const opts = inferenceOptions(run.defaults);
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
      run,
      q(run.tables.base),
      unproved.map((i) => headers[i] as HeaderMapping),
    );
    unproved.forEach((i, k) => {
      evidence[i] = whole[k] as ColumnEvidence;
    });
  }
  const redecided = unproved.length ? decideFromEvidence(run, evidence) : decisions;
  if (unproved.some((i) => redecided[i]?.duckType !== 'VARCHAR')) return undefined;
  return decisions.map((d, i) =>
    unproved.includes(i) ? (redecided[i] as TypeDecision) : proved.has(i) ? { ...d, reason: `${d.reason} (decided on the first ${sampleRows} rows)` } : d,
  );
}
