/**
 * SQL for the preprocess stage: the evidence query that feeds type inference
 * and the expression that turns each cleaned text column into its type. Every
 * column name is quoted; every literal goes through quoteString.
 */

import type { MissingPolicy } from '../../config/schema.js';
import { cldr } from '../../core/cldr.js';
import type { ColumnEvidence, TypeDecision } from '../../core/infer.js';
import { monthWordPattern, SYSLOG, ZONED_TIMESTAMP } from '../../engine/macros.js';
import { quoteIdentifier as q, quoteList, quoteString } from '../../engine/sql.js';

/** Words for yes and no that sluice.yaml adds to the built-in ones (`defaults.booleanWords`). */
export interface ExtraBooleanWords {
  true: readonly string[];
  false: readonly string[];
}

/** `v` as a boolean (NULL when it is no yes/no word): the built-in words, 0 and 1 when `zeroOne`, and sluice.yaml's words. */
export function booleanExpression(v: string, zeroOne: boolean, extra?: ExtraBooleanWords): string {
  const builtIn = `sluice_bool(${v}, ${zeroOne ? 'true' : 'false'})`;
  if (!extra || (extra.true.length === 0 && extra.false.length === 0)) return builtIn;
  const branch = (list: readonly string[], value: boolean) =>
    list.length ? ` WHEN list_contains(${quoteList(list.map((w) => w.toLowerCase()))}, lower(${v})) THEN ${value}` : '';
  return `coalesce(${builtIn}, CASE${branch(extra.true, true)}${branch(extra.false, false)} END)`;
}

/** Aggregates over the per-value projections below; `n` is how often the value occurs in the column. */
const EVIDENCE_AGGREGATES: [keyof ColumnEvidence, string][] = [
  ['nonNull', 'sum(n)'],
  ['distinct', 'count(*)'],
  ['leadingZero', `sum(n) FILTER (WHERE regexp_full_match(v, '[+-]?0\\d+(?:[.,]\\d*)?'))`],
  ['numDot', 'sum(n) FILTER (WHERE nd IS NOT NULL)'],
  ['numComma', 'sum(n) FILTER (WHERE nc IS NOT NULL)'],
  ['wholeDigitsDot', `max(length(regexp_extract(nd, '^[+-]?(\\d*)', 1)))`],
  ['scaleDot', `max(length(regexp_extract(nd, '\\.(\\d+)', 1)))`],
  ['wholeDigitsComma', `max(length(regexp_extract(nc, '^[+-]?(\\d*)', 1)))`],
  ['scaleComma', `max(length(regexp_extract(nc, '\\.(\\d+)', 1)))`],
  ['plusSign', `sum(n) FILTER (WHERE nd IS NOT NULL AND starts_with(v, '+'))`],
  ['negative', `sum(n) FILTER (WHERE starts_with(coalesce(nd, nc), '-'))`],
  ['scientific', `sum(n) FILTER (WHERE regexp_matches(v, '\\d[eE][+-]?\\d'))`],
  ['percent', 'sum(n) FILTER (WHERE sluice_is_percent(v))'],
  ['booleanWords', 'sum(n) FILTER (WHERE b IS NOT NULL)'],
  ['zeroOne', `sum(n) FILTER (WHERE v IN ('0', '1'))`],
  ['dateMonthFirst', 'sum(n) FILTER (WHERE untimed AND tm IS NOT NULL)'],
  ['dateDayFirst', 'sum(n) FILTER (WHERE untimed AND td IS NOT NULL)'],
  ['timestampMonthFirst', 'sum(n) FILTER (WHERE tm IS NOT NULL)'],
  ['timestampDayFirst', 'sum(n) FILTER (WHERE td IS NOT NULL)'],
  ['orderSensitive', 'sum(n) FILTER (WHERE tm <> td)'],
  ['zonedTimestamps', `sum(n) FILTER (WHERE tm IS NOT NULL AND regexp_full_match(v, ${quoteString(ZONED_TIMESTAMP)}))`],
  ['clfTimestamps', 'sum(n) FILTER (WHERE clf IS NOT NULL)'],
  ['rfcTimestamps', 'sum(n) FILTER (WHERE rfc IS NOT NULL)'],
  ['syslogTimestamps', `sum(n) FILTER (WHERE pl AND regexp_full_match(v, ${quoteString(SYSLOG)}))`],
  // The convention of grouped numbers: which separator (grp, the first one in the value) their groups use.
  ['groupDot', `sum(n) FILTER (WHERE grp = '.' AND nc IS NOT NULL)`],
  ['groupComma', `sum(n) FILTER (WHERE grp = ',' AND nd IS NOT NULL AND NOT regexp_matches(v, '\\d,\\d\\d,\\d{3}'))`],
  ['groupIndian', `sum(n) FILTER (WHERE grp = ',' AND nd IS NOT NULL AND regexp_matches(v, '\\d,\\d\\d,\\d{3}'))`],
  // Below a lakh Indian and Western groups look alike; only two three-digit groups in a row are Western alone.
  ['groupWestern', `sum(n) FILTER (WHERE grp = ',' AND nd IS NOT NULL AND regexp_matches(v, ',\\d{3},\\d{3}'))`],
  ['groupSpace', `sum(n) FILTER (WHERE grp IN (' ', '\u00A0', '\u202F'))`],
  ['groupApostrophe', `sum(n) FILTER (WHERE grp IN ('''', '\u2019'))`],
  // Dates written with month names, and the languages (bits of MONTH_LANGUAGES) whose names all of them use.
];

/**
 * One query for the evidence of every column. The table is unpivoted to
 * (column, value) pairs, so the query's size does not grow with the number of
 * columns (planning a 2,000-column SELECT of macros would dominate the run);
 * values are grouped first, so a repeated value is parsed once; each parser
 * runs once per distinct value, and the date parsers only on values shaped
 * like dates (the server and protocol timestamp parsers only on values that
 * pass their own cheap test). Column names come back as data, never pasted.
 */
export function evidenceQuery(from: string, columns: readonly string[], booleanWords?: ExtraBooleanWords): string {
  return `WITH vals AS (
      SELECT col, v, count(*) AS n FROM (UNPIVOT ${from} ON ${columns.map(q).join(', ')} INTO NAME col VALUE v) GROUP BY col, v
    ), parsed AS (
      SELECT col, v, n, sluice_num(v, false) AS nd, sluice_num(v, true) AS nc, sluice_datelike(v) AS dl,
        sluice_protolike(v) AS pl, ${booleanExpression('v', false, booleanWords)} AS b FROM vals
    ), grouped AS (
      -- Plain numbers come back from sluice_num as they were written: only grouped ones are looked at again.
      SELECT *, CASE WHEN nd <> v OR nc <> replace(v, ',', '.') THEN regexp_extract(v, '\\d(\\D)\\d\\d', 1) END AS grp FROM parsed
    ), dated AS (
      -- A date is a timestamp without a time of day: two timestamp parses give all four counts (the macros are
      -- large, and planning them takes longer than running them on a small file).
      SELECT *,
        CASE WHEN dl THEN sluice_ts(v, false) END AS tm, CASE WHEN dl THEN sluice_ts(v, true) END AS td,
        NOT regexp_matches(v, '\\d:\\d\\d|[ T]\\d{1,2}\\.\\d\\d(?:\\.\\d\\d)?$') AS untimed,
        CASE WHEN pl THEN sluice_clf(v) END AS clf, CASE WHEN pl THEN sluice_rfc_ts(v) END AS rfc
      FROM grouped
    ), named AS (
      -- The words of dates that have one (two letters in a row: not ISO or numeric dates), month names among them;
      -- which languages write the column's month names is worked out from its distinct words (monthEvidence).
      SELECT *, CASE WHEN coalesce(tm, td) IS NOT NULL AND regexp_matches(v, '[^\\x00-\\x40\\x5B-\\x60\\x7B-\\x7F]{2}')
        THEN regexp_extract_all(lower(v), ${quoteString(monthWordPattern())}) END AS mw FROM dated
    )
    SELECT col, ${EVIDENCE_AGGREGATES.map(([k, agg]) => `coalesce(${agg}, 0) AS ${q(k)}`).join(', ')},
      -- The yes/no words a column holds (a few), which name its language in the reason.
      list_sort(list(lower(v)) FILTER (WHERE b IS NOT NULL AND v NOT IN ('0', '1')))[1:${BOOLEAN_WORDS_SHOWN}] AS "booleanSeen",
      list_distinct(flatten(list(mw) FILTER (WHERE mw IS NOT NULL)))[1:${MONTH_WORDS_KEPT}] AS "monthWords"
    FROM named GROUP BY col`;
}

/** Distinct yes/no words kept per column for its reason. */
const BOOLEAN_WORDS_SHOWN = 6;

/** Distinct words of a column's dates kept to name the languages of its month names (a column has a few dozen). */
const MONTH_WORDS_KEPT = 500;

export function evidenceFromRow(row: Record<string, unknown>): ColumnEvidence {
  const ev = {} as ColumnEvidence;
  for (const [k] of EVIDENCE_AGGREGATES) (ev[k] as number) = Number(row[k] ?? 0);
  const seen = row.booleanSeen;
  if (Array.isArray(seen) && seen.length) ev.booleanSeen = [...new Set(seen.map(String))];
  if (Array.isArray(row.monthWords)) Object.assign(ev, monthEvidence(row.monthWords.map(String)));
  return ev;
}

/**
 * The month names among the words of a column's dates, and the languages
 * (bits of cldr().monthLanguages) that write every one of them; other words
 * (`de`, `um`, `pm`) are no month names and do not count.
 */
export function monthEvidence(words: readonly string[]): Pick<ColumnEvidence, 'namedMonths' | 'monthLanguages'> {
  const { monthLanguages } = cldr();
  let named = 0;
  let languages = -1;
  for (const w of new Set(words)) {
    const bits = monthLanguages.get(w);
    if (bits === undefined) continue;
    named++;
    languages &= bits;
  }
  return named ? { namedMonths: named, monthLanguages: languages } : {};
}

/** The expression that parses text column `column` into the decided type. */
export function typedExpression(
  column: string,
  d: TypeDecision,
  opts: { zeroOneAsBoolean: boolean; format?: string; timezone?: string; booleanWords?: ExtraBooleanWords },
): string {
  const c = q(column);
  const dc = d.parse.decimalComma ? 'true' : 'false';
  const dayFirst = d.parse.dayFirst ? 'true' : 'false';
  const t = d.duckType.toUpperCase();
  if (t === 'VARCHAR') return c;
  if (t === 'BOOLEAN') return booleanExpression(c, opts.zeroOneAsBoolean || d.parse.zeroOne === true, opts.booleanWords);
  const protocol = d.parse.protocol === 'clf' ? `sluice_clf(${c})` : d.parse.protocol === 'rfc' ? `sluice_rfc_ts(${c})` : undefined;
  if (protocol && !opts.format && (t === 'DATE' || t.startsWith('TIMESTAMP'))) return `CAST(${protocol} AS ${t})`;
  if (t === 'DATE') return opts.format ? `CAST(try_strptime(${c}, ${quoteString(opts.format)}) AS DATE)` : `sluice_date(${c}, ${dayFirst})`;
  if (t.startsWith('TIMESTAMP')) {
    const local = opts.timezone && opts.timezone !== 'UTC' ? opts.timezone : undefined;
    if (opts.format) {
      const parsed = `try_strptime(${c}, ${quoteString(opts.format)})`;
      // A format with %z or %Z gives an instant; without, a local time in the column's zone.
      return local && !/%[zZ]/.test(opts.format) ? `CAST(timezone(${quoteString(local)}, ${parsed}) AS ${t})` : `CAST(${parsed} AS ${t})`;
    }
    const ts = `sluice_ts(${c}, ${dayFirst})`;
    if (!local) return `CAST(${ts} AS ${t})`;
    // Local times (no offset) are read in the column's zone; values with an offset keep their instant.
    return `CAST(CASE WHEN regexp_full_match(${c}, ${quoteString(ZONED_TIMESTAMP)}) THEN ${ts} ELSE timezone(${quoteString(local)}, ${ts}) END AS ${t})`;
  }
  const num = `sluice_num(${c}, ${dc})`;
  if (d.parse.percent) {
    // Percent values become fractions; other values in the column are taken as they are.
    return `CASE WHEN sluice_is_percent(${c}) THEN TRY_CAST(TRY_CAST(${num} AS DOUBLE) / 100 AS ${t}) ELSE TRY_CAST(${num} AS ${t}) END`;
  }
  return `TRY_CAST(${num} AS ${t})`;
}

/**
 * The values a type decided on a sample of a column must not meet in the rest
 * of it, because whole-column evidence would then have decided otherwise: a
 * leading zero (text), scientific notation (DOUBLE), a percent sign in a
 * column without one, more decimal places than the sample's, 0/1 in a column
 * of words or anything else in a column of 0/1, a local time in a timestamp
 * column whose sample had only values with an offset (or the reverse). Such a value fails typing, so
 * the column counts a failure and the stage types the file again from all of
 * its values. Width beyond the sample's fails the cast by itself.
 */
export function sampleGuard(column: string, d: TypeDecision, opts: { zeroOneAsBoolean: boolean; override: boolean }): string | undefined {
  const c = q(column);
  const t = d.duckType.toUpperCase();
  if (t === 'BOOLEAN') {
    // Words beside 0 and 1: every other value fails the parse by itself.
    if (!opts.zeroOneAsBoolean || opts.override || d.parse.words) return undefined;
    return d.parse.zeroOne ? `${c} NOT IN ('0', '1')` : `${c} IN ('0', '1')`;
  }
  if (t.startsWith('TIMESTAMP') && !d.parse.protocol && d.parse.zones && d.parse.zones !== 'mixed') {
    // A sample of one kind (every value with an offset, or none): a value of the other kind changes the column's reason.
    return `${d.parse.zones === 'all' ? 'NOT ' : ''}regexp_full_match(${c}, ${quoteString(ZONED_TIMESTAMP)})`;
  }
  const numeric = t === 'BIGINT' || t === 'DOUBLE' || t.startsWith('DECIMAL');
  if (!numeric) return undefined;
  // One regular expression per value: each alternative is one way the value could change the decision.
  const patterns: string[] = [];
  if (!d.parse.percent) patterns.push('%\\s*\\)?$');
  if (!opts.override) {
    patterns.push('^[+-]?0\\d+(?:[.,]\\d*)?$');
    // Numbers with a leading + where the sample had none: half of a column so written makes it codes (text).
    if (t === 'BIGINT' && !d.parse.plus) patterns.push('^\\+');
    if (t !== 'DOUBLE') {
      patterns.push('\\d[eE][+-]?\\d');
      const scale = t === 'BIGINT' ? 0 : Number(/,\s*(\d+)\)/.exec(t)?.[1] ?? 0) - (d.parse.percent ? 2 : 0);
      patterns.push(`${d.parse.decimalComma ? ',' : '\\.'}\\d{${Math.max(0, scale) + 1}}`);
    }
  }
  return patterns.length ? `regexp_matches(${c}, ${quoteString(patterns.join('|'))})` : undefined;
}

/** The expression that fills NULLs of a typed column, or undefined when NULLs stay. */
export function fillExpression(column: string, policy: MissingPolicy, duckType: string, fromTable: string): string | undefined {
  const c = q(column);
  if (policy === 'keep' || policy === 'drop') return undefined;
  const from = q(fromTable);
  if (typeof policy === 'object') return `coalesce(${c}, TRY_CAST(${quoteString(String(policy.constant))} AS ${duckType}))`;
  if (policy === 'ffill') return `coalesce(${c}, last_value(${c} IGNORE NULLS) OVER (ORDER BY "__row" ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))`;
  const agg = policy === 'mean' ? 'avg' : policy === 'median' ? 'median' : 'mode';
  return `coalesce(${c}, CAST((SELECT ${agg}(${c}) FROM ${from}) AS ${duckType}))`;
}

/**
 * The values of column `column` that failed to parse (flagged by `failed` in
 * the base table, their text in the clean table, row for row): the most
 * frequent, and their shapes, where runs of capitals, small letters and
 * digits become A, a and 9 (`INV-2024-0042` → `A-9-9`).
 */
export function failedValuesQuery(column: string, base: string, clean: string, failed: string): string {
  const shape = `regexp_replace(regexp_replace(regexp_replace(v, '\\p{Lu}+', 'A', 'g'), '\\p{Ll}+', 'a', 'g'), '[0-9]+', '9', 'g')`;
  return `WITH f AS (SELECT t.${q(column)} AS v FROM (SELECT rowid AS r FROM ${q(base)} WHERE ${failed}) b JOIN ${q(clean)} t ON t.rowid = b.r),
    top AS (SELECT v, count(*) AS n FROM f GROUP BY v ORDER BY n DESC, v LIMIT 20),
    shapes AS (SELECT ${shape} AS shape, count(*) AS "rows", count(DISTINCT v) AS "distinct", min(v) AS example FROM f GROUP BY 1 ORDER BY "rows" DESC, shape LIMIT 5)
    SELECT 'top' AS kind, v AS a, n AS b, NULL AS c, NULL AS d FROM top
    UNION ALL SELECT 'shape', shape, "rows", "distinct", example FROM shapes`;
}
