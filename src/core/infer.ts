/**
 * Type inference from whole-column evidence. The engine counts, for every
 * column, how many non-null values parse as each candidate type; this module
 * decides the type from those counts and says why. No I/O, no SQL.
 */
import { describeMonthLanguages, describeNumberConvention, type GroupStyle } from './cldr.js';
import type { LogicalType } from './types.js';
import { isMissingWord, languagesOf } from './vocabulary.js';

/** Counts over all non-null (after null tokens and trimming) values of one column. */
export interface ColumnEvidence {
  nonNull: number;
  /** Different values among them. */
  distinct: number;
  /** Values like `007` or `0123.5`: codes whose leading zeros carry meaning. */
  leadingZero: number;
  /** Parse as a number with `.` as decimal point (thousands `,`, currency, percent, parentheses allowed). */
  numDot: number;
  /** Parse as a number with `,` as decimal point (thousands `.`, space or `'`). */
  numComma: number;
  /** Largest digit counts before / after the decimal point, per reading. */
  wholeDigitsDot: number;
  scaleDot: number;
  wholeDigitsComma: number;
  scaleComma: number;
  /** Numbers written with a leading `+` (`+44`), and negative numbers. */
  plusSign: number;
  negative: number;
  /** Values in scientific notation, values with a percent sign. */
  scientific: number;
  percent: number;
  /** yes/no, y/n, true/false, t/f (any case). */
  booleanWords: number;
  /** A few of the yes/no words the column holds (lower case), to name their language. */
  booleanSeen?: string[];
  /** Exactly `0` or `1`. */
  zeroOne: number;
  /** Parse as a date reading slashed dates month-first / day-first. */
  dateMonthFirst: number;
  dateDayFirst: number;
  /** Parse as a timestamp (dates included), month-first / day-first. */
  timestampMonthFirst: number;
  timestampDayFirst: number;
  /** Values whose meaning depends on the day order (`03/05/2024`); without any, order is not ambiguous. */
  orderSensitive: number;
  /** Timestamps that name their offset or zone (ISO 8601 `+01:00`, `Z`, `UTC`); the others are local times. */
  zonedTimestamps: number;
  /** Web-server access-log times in the common log format (`05/Mar/2024:14:22:01 -0500`). */
  clfTimestamps: number;
  /** HTTP and e-mail dates, RFC 7231/1123/2822 (`Tue, 05 Mar 2024 14:22:01 GMT`, weekday optional). */
  rfcTimestamps: number;
  /** BSD syslog times, RFC 3164 (`Mar  5 14:22:01`): no year. */
  syslogTimestamps: number;
  /** Grouped numbers by their group separator: `1.234,5`, `1,234.5`, Indian `12,34,567`, spaces (`1 234,5`), apostrophes (`1'234.5`). */
  groupDot?: number;
  groupComma?: number;
  groupIndian?: number;
  /** Of the comma-grouped ones, those with two three-digit groups in a row (`1,234,567`), which Indian grouping never writes. */
  groupWestern?: number;
  groupSpace?: number;
  groupApostrophe?: number;
  /** Distinct month names among the words of the column's dates, and the languages (bits of cldr().monthLanguages) that write all of them. */
  namedMonths?: number;
  monthLanguages?: number;
}

export interface InferenceOptions {
  /** Share of non-null values that must parse for a column to take a type; the rest are rejected cells. */
  minShare: number;
  /** Read a column of only 0 and 1 as boolean instead of integer. */
  zeroOneAsBoolean: boolean;
  /** Date order used when a column's values fit both; `auto` lets other columns of the file decide. */
  dateOrder: 'auto' | 'mdy' | 'dmy';
  /** The IANA zone local times (timestamps without an offset) are read in. */
  timezone: string;
}

export const DEFAULT_INFERENCE: InferenceOptions = { minShare: 0.95, zeroOneAsBoolean: false, dateOrder: 'auto', timezone: 'UTC' };

/** Timestamp formats of servers and protocols: common log format, RFC 7231/2822 dates. */
export type ProtocolFormat = 'clf' | 'rfc';

export interface TypeDecision {
  logical: LogicalType;
  /** DuckDB type name written to Parquet. */
  duckType: string;
  /** How the engine parses text into that type. */
  parse: {
    decimalComma?: boolean;
    dayFirst?: boolean;
    percent?: boolean;
    /** 0 and 1 read as false and true: every value is 0 or 1 (zeroOneAsBoolean), or they stand beside yes/no words. */
    zeroOne?: boolean;
    /** With zeroOne: yes/no words stand beside the 0 and 1 (both are the column's values). */
    words?: boolean;
    /** Numbers: some values were written with a leading `+`. */
    plus?: boolean;
    /** Timestamps: whether values name their offset or zone (`all`), none do (local times), or both kinds stand in the column. */
    zones?: 'all' | 'none' | 'mixed';
    /** A timestamp column written the way a server or protocol writes them, parsed with that format alone. */
    protocol?: ProtocolFormat;
  };
  /** Non-null values that parse under the decision; the rest become NULL and are reported. */
  parsed: number;
  failed: number;
  /** True when slashed dates fit both day orders and nothing in the column decided. */
  ambiguousDateOrder?: boolean;
  reason: string;
}

/**
 * The decimal type of a column whose values have up to `whole` digits before
 * and `scale` digits after the point (`scale` already counts a percentage's two
 * extra places). Types come in steps, so that files of one column land on the
 * same type and a single value with one more decimal place does not make a new
 * schema version of the table (`5 %` next to `12.5 %`, `1.5` next to `1.25`):
 * - the scale is rounded up to an even number (1 → 2, 3 → 4), and a
 *   percentage keeps at least 4 places (`12.25 %` is 0.1225), so the usual
 *   spread of 0 to 2 decimals of a percent column is one type;
 * - the precision is 18 (DuckDB keeps it in 64 bits) unless the digits need
 *   more; then it is exactly what they need, up to 38 (the limit of DuckDB,
 *   Parquet, Glue and Hive). It is not rounded up to 38: a table merges its
 *   files' types by keeping the most whole digits and the most decimal places
 *   of any (types.ts widenType), and DECIMAL(38,2) beside DECIMAL(18,4) would
 *   need 40 digits and fall to DOUBLE.
 * Rounding the scale never loses a digit (it only adds trailing zeros). When
 * the rounded scale would pass 38 digits the exact scale is kept; beyond that
 * there is no exact decimal (undefined).
 */
export function decimalType(whole: number, scale: number, percent: boolean): { precision: number; scale: number } | undefined {
  const stepped = Math.max(percent ? 4 : 0, scale + (scale % 2));
  for (const s of [stepped, scale]) if (whole + s <= 38) return { precision: Math.max(18, whole + s), scale: s };
  return undefined;
}

/** The yes/no words a column holds and their language, for its reason: `yes/no words (ja, nein: German)`. */
function booleanWordsSeen(ev: ColumnEvidence): string {
  const seen = ev.booleanSeen ?? [];
  if (seen.length === 0) return 'yes/no words';
  const languages = languagesOf(seen);
  const named = languages.length === 0 ? 'words added in sluice.yaml' : languages.length > 3 ? `${languages.slice(0, 3).join(', ')}, …` : languages.join(', ');
  return `yes/no words (${seen.join(', ')}: ${named})`;
}

function share(n: number, of: number): string {
  return of === 0 ? '0%' : `${Math.round((n / of) * 1000) / 10}%`;
}

/**
 * Decide one column's type. `fileDayFirst` is the day order other columns of
 * the same file settled on, used when this column alone cannot tell.
 */
export function decideColumnType(ev: ColumnEvidence, opts: InferenceOptions, fileDayFirst?: boolean): TypeDecision {
  const n = ev.nonNull;
  const enough = (k: number) => n > 0 && k >= Math.ceil(n * opts.minShare);
  const text = (reason: string): TypeDecision => ({ logical: 'text', duckType: 'VARCHAR', parse: {}, parsed: n, failed: 0, reason });

  if (n === 0) return text('every value is empty or a null token');

  if (opts.zeroOneAsBoolean && ev.zeroOne === n) {
    return { logical: 'boolean', duckType: 'BOOLEAN', parse: { zeroOne: true }, parsed: n, failed: 0, reason: 'only 0 and 1 (zeroOneAsBoolean)' };
  }
  // Alone, 0 and 1 are numbers (unless zeroOneAsBoolean); beside yes/no or true/false words they are the same flag written two ways.
  if (ev.booleanWords > 0 && ev.zeroOne > 0 && enough(ev.booleanWords + ev.zeroOne)) {
    const parsed = ev.booleanWords + ev.zeroOne;
    return {
      logical: 'boolean',
      duckType: 'BOOLEAN',
      parse: { zeroOne: true, words: true },
      parsed,
      failed: n - parsed,
      reason: `${share(parsed, n)} of values are ${booleanWordsSeen(ev)}, or 0 and 1 beside them (read as false and true)`,
    };
  }
  if (ev.booleanWords > 0 && enough(ev.booleanWords)) {
    return {
      logical: 'boolean',
      duckType: 'BOOLEAN',
      parse: {},
      parsed: ev.booleanWords,
      failed: n - ev.booleanWords,
      reason: `${share(ev.booleanWords, n)} of values are ${booleanWordsSeen(ev)}`,
    };
  }

  const comma = ev.numComma > ev.numDot;
  const num = comma ? ev.numComma : ev.numDot;
  if (num > 0 && enough(num)) {
    if (ev.leadingZero > 0) {
      return text(`${ev.leadingZero} value(s) have leading zeros (codes like zip codes stay text)`);
    }
    const whole = comma ? ev.wholeDigitsComma : ev.wholeDigitsDot;
    const percent = ev.percent > 0;
    const scale = (comma ? ev.scaleComma : ev.scaleDot) + (percent ? 2 : 0);
    const style = numberStyle(ev, comma);
    // Grouped whole numbers name their convention too; plain ones keep the short reason.
    const grouping = style.includes('groups') ? ` with ${style}` : '';
    const parse = { decimalComma: comma, percent, ...(ev.plusSign > 0 ? { plus: true } : {}) };
    const counts = { parsed: num, failed: n - num };
    if (ev.scientific > 0) {
      return { logical: 'double', duckType: 'DOUBLE', parse, ...counts, reason: `${share(num, n)} numeric, some in scientific notation` };
    }
    if (scale === 0 && ev.plusSign > 0 && ev.negative === 0 && ev.plusSign * 2 >= num) {
      return text(`${ev.plusSign} value(s) are written with a leading + and none is negative (dialling codes and phone numbers stay text)`);
    }
    if (scale === 0) {
      if (whole <= 18) return { logical: 'integer', duckType: 'BIGINT', parse, ...counts, reason: `${share(num, n)} of values are whole numbers${grouping}` };
      if (whole <= 38) {
        return {
          logical: 'integer',
          duckType: 'DECIMAL(38,0)',
          parse,
          ...counts,
          reason: `${share(num, n)} whole numbers${grouping}, up to ${whole} digits (beyond BIGINT; kept exact)`,
        };
      }
      return text(`whole numbers of ${whole} digits exceed 38 digits; kept as text to stay exact`);
    }
    const dec = decimalType(whole, scale, percent);
    if (dec) {
      return {
        logical: 'decimal',
        duckType: `DECIMAL(${dec.precision},${dec.scale})`,
        parse,
        ...counts,
        reason: `${share(num, n)} numeric with ${style}, up to ${scale} decimal places${percent ? ' (percentages as fractions)' : ''}`,
      };
    }
    return { logical: 'double', duckType: 'DOUBLE', parse, ...counts, reason: `${share(num, n)} numeric, too many digits for an exact decimal` };
  }

  const dateDecision = decideTemporal(ev, opts, fileDayFirst, enough) ?? decideProtocolTimestamp(ev, enough);
  if (dateDecision) return dateDecision;
  if (ev.syslogTimestamps > 0 && enough(ev.syslogTimestamps)) {
    return text(
      `${share(ev.syslogTimestamps, n)} of values are syslog timestamps (RFC 3164, \`Mar  5 14:22:01\`), which carry no year; kept as text rather than guess the year`,
    );
  }

  const bestShare = Math.max(
    ev.numDot,
    ev.numComma,
    ev.booleanWords,
    ev.dateMonthFirst,
    ev.dateDayFirst,
    ev.timestampMonthFirst,
    ev.timestampDayFirst,
    ev.clfTimestamps,
    ev.rfcTimestamps,
  );
  return text(bestShare > 0 ? `no type fits ${share(opts.minShare * n, n)} of values (best: ${share(bestShare, n)})` : 'free text');
}

/**
 * The number convention of a column read with (or without) a decimal comma:
 * the group separators its values use, most used first, named with a locale
 * that writes them (`decimal comma and space groups (fr-FR: 1 234 567,89)`).
 */
function numberStyle(ev: ColumnEvidence, comma: boolean): string {
  const counts: [GroupStyle, number][] = comma
    ? [
        ['dot', ev.groupDot ?? 0],
        ['space', ev.groupSpace ?? 0],
        ['apostrophe', ev.groupApostrophe ?? 0],
      ]
    : [
        // Beside Indian groups, comma groups below a lakh (`12,345`) are Indian too.
        ['comma', ev.groupIndian ? (ev.groupWestern ?? 0) : (ev.groupComma ?? 0)],
        ['indian', ev.groupIndian ?? 0],
        ['apostrophe', ev.groupApostrophe ?? 0],
        ['space', ev.groupSpace ?? 0],
      ];
  const used = counts.filter(([, k]) => k > 0).sort((a, b) => b[1] - a[1]);
  return describeNumberConvention(
    comma,
    used.map(([g]) => g),
  );
}

/** ` with month names in German (de: 5. März 2024)` when the column's dates are written with month names. */
function monthNames(ev: ColumnEvidence): string {
  return ev.namedMonths ? ` with month names in ${describeMonthLanguages(ev.monthLanguages ?? 0)}` : '';
}

function decideTemporal(
  ev: ColumnEvidence,
  opts: InferenceOptions,
  fileDayFirst: boolean | undefined,
  enough: (k: number) => boolean,
): TypeDecision | undefined {
  const n = ev.nonNull;
  const pick = (monthFirst: number, dayFirst: number) => {
    if (monthFirst === dayFirst && ev.orderSensitive > 0) {
      const forced = opts.dateOrder === 'dmy' ? true : opts.dateOrder === 'mdy' ? false : (fileDayFirst ?? false);
      return { dayFirst: forced, count: monthFirst, ambiguous: true, orderMatters: true };
    }
    return {
      dayFirst: dayFirst > monthFirst || (dayFirst === monthFirst && opts.dateOrder === 'dmy'),
      count: Math.max(monthFirst, dayFirst),
      ambiguous: false,
      // Equal counts and no value read differently either way (ISO dates, month names): the order never came into it.
      orderMatters: dayFirst !== monthFirst,
    };
  };
  const date = pick(ev.dateMonthFirst, ev.dateDayFirst);
  const ts = pick(ev.timestampMonthFirst, ev.timestampDayFirst);
  const order = (d: { dayFirst: boolean; ambiguous: boolean; orderMatters: boolean }) =>
    !d.orderMatters
      ? ''
      : d.ambiguous
        ? ` (day/month order ambiguous, read ${d.dayFirst ? 'day-first' : 'month-first'})`
        : d.dayFirst
          ? ' (day-first)'
          : ' (month-first)';
  if (date.count > 0 && enough(date.count) && date.count >= ts.count) {
    return {
      logical: 'date',
      duckType: 'DATE',
      parse: { dayFirst: date.dayFirst },
      parsed: date.count,
      failed: n - date.count,
      ambiguousDateOrder: date.ambiguous,
      reason: `${share(date.count, n)} of values are dates${monthNames(ev)}${order(date)}`,
    };
  }
  if (ts.count > 0 && enough(ts.count)) {
    const zoned = Math.min(ev.zonedTimestamps, ts.count);
    return {
      logical: 'timestamp',
      duckType: 'TIMESTAMP',
      parse: { dayFirst: ts.dayFirst, zones: zoned === ts.count ? 'all' : zoned === 0 ? 'none' : 'mixed' },
      parsed: ts.count,
      failed: n - ts.count,
      ambiguousDateOrder: ts.ambiguous,
      reason: `${share(ts.count, n)} of values are timestamps${monthNames(ev)}${order(ts)}, ${zones(zoned, ts.count, opts.timezone)}`,
    };
  }
  return undefined;
}

/**
 * How a timestamp column's instants were found, for its reason: values that
 * name an offset or zone are normalised to UTC; local times (no offset) are
 * read in the configured zone, beside offset-carrying values too (a merged
 * export), and the reason says how many of each there were.
 */
function zones(zoned: number, timestamps: number, timezone: string): string {
  if (zoned === timestamps) return 'offsets applied, normalised to UTC';
  if (zoned === 0) return timezone === 'UTC' ? 'local times (no offset) read as UTC' : `local times (no offset) read in ${timezone}, normalised to UTC`;
  const where = timezone === 'UTC' ? 'read as UTC (set timezone to read them in another zone)' : `read in ${timezone}`;
  return `values with an offset (applied) beside local times without one (${share(timestamps - zoned, timestamps)}), ${where}; normalised to UTC`;
}

/**
 * A timestamp column in one server or protocol format: the format with enough
 * values parses the whole column, so values in any other form (ISO dates
 * included) are rejected cells, never mixed in. Offsets and zone names give
 * the instant, stored as UTC.
 */
function decideProtocolTimestamp(ev: ColumnEvidence, enough: (k: number) => boolean): TypeDecision | undefined {
  const n = ev.nonNull;
  const formats: [ProtocolFormat, number, string][] = [
    ['clf', ev.clfTimestamps, 'web-server access-log times (common log format, `05/Mar/2024:14:22:01 -0500`)'],
    ['rfc', ev.rfcTimestamps, 'HTTP/e-mail dates (RFC 7231/2822, `Tue, 05 Mar 2024 14:22:01 GMT`, zone names GMT/UTC/UT/Z and RFC 2822 US zones)'],
  ];
  for (const [protocol, count, what] of formats) {
    if (count > 0 && enough(count)) {
      return {
        logical: 'timestamp',
        duckType: 'TIMESTAMP',
        parse: { protocol },
        parsed: count,
        failed: n - count,
        reason: `${share(count, n)} of values are ${what}; offsets applied, normalised to UTC`,
      };
    }
  }
  return undefined;
}

/**
 * Whether a column found to be text in a sample of its rows is text in all
 * of them. A value that parses as no type in the sample parses as none in
 * the whole column either, so the sample bounds from below what fails each
 * type; when, for every type, that alone keeps the whole column (`wholeNonNull`
 * values) under the share the type needs, the decision cannot change. A
 * sample that saw no values proves nothing.
 */
export function textHoldsForWhole(sample: ColumnEvidence, wholeNonNull: number, opts: InferenceOptions): boolean {
  if (wholeNonNull === 0) return true;
  const need = Math.ceil(wholeNonNull * opts.minShare);
  const couldReach = (parsedInSample: number) => wholeNonNull - (sample.nonNull - parsedInSample) >= need;
  const counts = [
    sample.booleanWords,
    // Words may come later beside the sample's 0 and 1 (or 0 and 1 beside its words).
    sample.booleanWords + sample.zeroOne,
    Math.max(sample.dateMonthFirst, sample.dateDayFirst),
    Math.max(sample.timestampMonthFirst, sample.timestampDayFirst),
    sample.clfTimestamps,
    sample.rfcTimestamps,
    // Syslog values decide no type, but enough of them change the reason.
    sample.syslogTimestamps,
    // Numbers with a leading zero in them stay text however many there are.
    ...(sample.leadingZero === 0 ? [sample.numDot, sample.numComma] : []),
  ];
  return !counts.some(couldReach);
}

/** The day order a file's unambiguous date columns agree on, if any. */
export function fileDayOrder(evidence: readonly ColumnEvidence[]): boolean | undefined {
  let dayFirst = 0;
  let monthFirst = 0;
  for (const ev of evidence) {
    const d = Math.max(ev.dateDayFirst, ev.timestampDayFirst);
    const m = Math.max(ev.dateMonthFirst, ev.timestampMonthFirst);
    if (d > m) dayFirst++;
    else if (m > d) monthFirst++;
  }
  if (dayFirst === monthFirst) return undefined;
  return dayFirst > monthFirst;
}

/** The values of a typed column that did not parse: the most frequent ones, and the most common shapes of all of them. */
export interface FailedValues {
  /** Values that failed, most frequent first (a few dozen at most). */
  top: { value: string; n: number }[];
  /** Shapes of all failed values (letters → A/a, digits → 9, runs collapsed), most rows first. */
  shapes: { shape: string; rows: number; distinct: number; example: string }[];
}

/** How often a failing answer must occur to be a category of its own rather than a stray value. */
function recurs(n: number, nonNull: number): boolean {
  return n >= Math.max(3, Math.ceil(nonNull * 0.005));
}

const quoted = (values: readonly string[]) => values.map((v) => JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}…` : v)).join(', ');

/**
 * Whether a typed column's values that did not parse are stray garbage (they
 * stay NULL and rejected cells, as the share rule says) or a pattern that
 * makes the column text, so nothing is nulled out:
 * - a flag column with another answer that recurs (`Maybe`, `Don't know`):
 *   a category;
 * - a column whose failing values are codes of one shape mixing letters and
 *   digits (`INV-2024-0042`, `A17B`): an identifier.
 * Ways of writing "no value" (`unknown`, `#REF!`, `?`) are never a pattern.
 * Returns the text decision, or the decision with its stray values named in
 * the reason.
 */
export function judgeFailures(d: TypeDecision, failed: FailedValues, nonNull: number): TypeDecision {
  const text = (why: string): TypeDecision => ({
    logical: 'text',
    duckType: 'VARCHAR',
    parse: {},
    parsed: nonNull,
    failed: 0,
    reason: `looked like a${d.logical === 'integer' ? 'n' : ''} ${d.logical} column (${share(d.parsed, nonNull)} of values) but ${why}; kept as text so no value is lost`,
  });
  const answers = failed.top.filter((t) => !isMissingWord(t.value));
  if (d.logical === 'boolean') {
    const recurring = answers.filter((t) => recurs(t.n, nonNull));
    if (recurring.length > 0) {
      const listed = recurring.slice(0, 3).map((t) => `${JSON.stringify(t.value)} in ${t.n} rows`);
      return text(`${recurring.length === 1 ? 'another answer recurs' : 'other answers recur'} (${listed.join(', ')}): a category`);
    }
  }
  const rows = failed.shapes.reduce((sum, s) => sum + s.rows, 0);
  const code = failed.shapes.find((s) => /9/.test(s.shape) && /[Aa]/.test(s.shape) && !isMissingWord(s.example));
  if (code && code.distinct >= 2 && code.rows * 2 >= rows) {
    return text(`${code.rows} values are codes of one shape (${quoted([code.example])}, ${code.distinct} different): an identifier`);
  }
  const examples = failed.top.slice(0, 3).map((t) => t.value);
  const count = d.failed;
  return { ...d, reason: `${d.reason}; ${count} other value${count === 1 ? '' : 's'} (${quoted(examples)}${failed.top.length > 3 ? ', …' : ''}) set to NULL` };
}
