/**
 * SQL macros that parse messy text into typed values. Installed once per
 * engine; the preprocess stage counts how many values each macro accepts
 * (the evidence for type inference) and then applies the chosen one.
 */
import { booleanWordLists } from '../core/vocabulary.js';

const CURRENCY_SYMBOLS = '[$€£¥₹₩₽₺]';
const CURRENCY_CODES = '(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|CNY|INR|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|SGD|HKD|KRW|TRY|RUB)';
/** Thousands separators used with a decimal comma: dot, space, apostrophe, no-break spaces. */
const COMMA_STYLE_GROUP = "[. '\\x{00A0}\\x{202F}]";

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;
const BOOLEAN_WORD_LISTS = booleanWordLists();

/**
 * Dates by shape: each shape is recognised by a regular expression and tried
 * only against its own few formats (trying every format on every value is
 * what made date parsing slow). Two-digit-year formats come first because %Y
 * also accepts two digits; the shapes only let two- or four-digit years in.
 */
const YEAR = '(?:\\d{4}|\\d{2})';
const TIME = '\\d{1,2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?: ?[AaPp][Mm])?';
interface DateShape {
  pattern: string;
  monthFirst: string[];
  dayFirst: string[];
}
const SHAPES: DateShape[] = [
  { pattern: '\\d{4}[/.]\\d{1,2}[/.]\\d{1,2}', monthFirst: ['%Y/%m/%d', '%Y.%m.%d'], dayFirst: ['%Y/%m/%d', '%Y.%m.%d'] },
  {
    pattern: `\\d{1,2}[/-]\\d{1,2}[/-]${YEAR}`,
    monthFirst: ['%m/%d/%y', '%m-%d-%y', '%m/%d/%Y', '%m-%d-%Y'],
    dayFirst: ['%d/%m/%y', '%d-%m-%y', '%d/%m/%Y', '%d-%m-%Y'],
  },
  { pattern: `\\d{1,2}\\.\\d{1,2}\\.${YEAR}`, monthFirst: ['%d.%m.%y', '%d.%m.%Y'], dayFirst: ['%d.%m.%y', '%d.%m.%Y'] },
  {
    pattern: `\\d{1,2}[ -][A-Za-z]{3,9}\\.?[ -]${YEAR}`,
    monthFirst: ['%d %b %y', '%d-%b-%y', '%d %b %Y', '%d-%b-%Y', '%d %B %Y', '%d-%B-%Y'],
    dayFirst: ['%d %b %y', '%d-%b-%y', '%d %b %Y', '%d-%b-%Y', '%d %B %Y', '%d-%B-%Y'],
  },
  {
    pattern: '[A-Za-z]{3,9}\\.? \\d{1,2},? \\d{4}',
    monthFirst: ['%b %d, %Y', '%B %d, %Y', '%b %d %Y', '%B %d %Y'],
    dayFirst: ['%b %d, %Y', '%B %d, %Y', '%b %d %Y', '%B %d %Y'],
  },
];
const TIMES = ['%H:%M:%S', '%H:%M', '%H:%M:%S.%f', '%I:%M:%S %p', '%I:%M %p', '%I:%M:%S%p', '%I:%M%p'];
const list = (items: string[]) => `[${items.map(sql).join(', ')}]`;

/** CASE branches that parse a date of one shape with the day order chosen by `day_first`. */
function shapeBranches(): string {
  return SHAPES.map(
    (shape) =>
      `WHEN regexp_full_match(v, ${sql(shape.pattern)}) THEN CASE WHEN day_first THEN try_strptime(v, ${list(shape.dayFirst)}) ELSE try_strptime(v, ${list(shape.monthFirst)}) END`,
  ).join('\n     ');
}

/** An ISO 8601 date and time to the minute, then an offset or zone: seconds go between them. */
const ISO_MINUTES_ZONED = '^(\\d{4}-\\d{1,2}-\\d{1,2}[T ]\\d{1,2}:\\d{2})([+-]\\d|Z$| ?[A-Za-z]{3,5}$| [A-Za-z]+/)';
/**
 * An ISO 8601 date and time that names its offset or zone (`+01:00`, `+0100`,
 * `Z`, `UTC`, `Europe/Berlin`): an instant. A timestamp without one is a local
 * time, read in the column's \`timezone\` (UTC unless sluice.yaml sets one).
 */
export const ZONED_TIMESTAMP =
  '^\\d{4}-\\d{1,2}-\\d{1,2}[T ]\\d{1,2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?\\s?(?:[+-]\\d{2}(?::?\\d{2})?|Z|[A-Za-z]{3,5}|[A-Za-z]+/[A-Za-z_/+-]+)$';

/** Any date shape followed by a time of day: the date part and the time part are parsed apart (few formats each, quick to plan). */
const TIMED = `^(.+)[ T](${TIME})$`;

/**
 * Timestamps written by servers and protocols. Their month and weekday names
 * are English by definition (RFC 5322 §3.3, RFC 7231 §7.1.1.1, Apache's
 * common log format), taken here from CLDR through Intl (en-US abbreviations).
 */
function englishNames(kind: 'month' | 'weekday'): string[] {
  const format = new Intl.DateTimeFormat('en-US', { [kind]: 'short', timeZone: 'UTC' });
  // 7 January 2024 is a Sunday.
  return Array.from({ length: kind === 'month' ? 12 : 7 }, (_, i) => format.format(kind === 'month' ? Date.UTC(2024, i, 1) : Date.UTC(2024, 0, 7 + i)));
}
export const PROTOCOL_MONTHS = englishNames('month');
export const PROTOCOL_WEEKDAYS = englishNames('weekday');
/**
 * Zone names a protocol date may carry instead of a numeric offset, in minutes
 * east of UTC: universal time, and the North American zones RFC 2822 §4.3
 * defines. Other names (CET, IST, ...) are ambiguous or not in the standards:
 * such values do not parse.
 */
export const PROTOCOL_ZONES: Record<string, number> = {
  GMT: 0,
  UT: 0,
  UTC: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};
const MON = `(${PROTOCOL_MONTHS.join('|')})`;
const OFFSET = '[+-](?:0\\d|1[0-4]):?[0-5]\\d';
/** Common log format (Apache/nginx access logs): `05/Mar/2024:14:22:01 -0500`, optionally in its brackets. */
const CLF_BODY = `\\d{1,2}/${MON}/\\d{4}:\\d{2}:\\d{2}:\\d{2} ${OFFSET}`;
const CLF = `(?i)(?:\\[${CLF_BODY}\\]|${CLF_BODY})`;
/** RFC 7231 IMF-fixdate and RFC 2822 date-time: `Tue, 05 Mar 2024 14:22:01 GMT`, weekday and seconds optional, a trailing `(comment)` allowed. */
const RFC_DATE = `(?i)^(?:(${PROTOCOL_WEEKDAYS.join('|')}),\\s*)?(\\d{1,2})\\s+${MON}\\s+(\\d{4})\\s+(\\d{2}:\\d{2}(?::\\d{2})?)\\s+(${Object.keys(PROTOCOL_ZONES).join('|')}|${OFFSET})(?:\\s*\\([^()]*\\))?$`;
/** BSD syslog (RFC 3164): `Mar  5 14:22:01`, the day padded with a space, no year. */
export const SYSLOG = `(?i)^${MON} {1,2}\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?$`;
const ZONE_MINUTES = Object.entries(PROTOCOL_ZONES)
  .map(([name, minutes]) => `WHEN ${sql(name)} THEN ${minutes}`)
  .join(' ');

export const PARSING_MACROS: string[] = [
  // Strip parentheses (accounting negatives), currency symbols/codes and a percent sign.
  `CREATE OR REPLACE MACRO sluice_num_body(v) AS regexp_replace(regexp_replace(
     CASE WHEN regexp_full_match(v, '\\(.+\\)') THEN substr(v, 2, length(v) - 2) ELSE v END,
     ${sql(`^([+-]?)\\s*(?:${CURRENCY_SYMBOLS}|${CURRENCY_CODES}\\s*)\\s*`)}, '\\1'),
     ${sql(`(?:\\s*(?:${CURRENCY_SYMBOLS}|%)|\\s*${CURRENCY_CODES})$`)}, '')`,
  // Normalised numeric text ('-1234.5') or NULL; dc = the column uses a decimal comma.
  // Plain numbers (the common case) skip the currency, grouping and parentheses handling.
  `CREATE OR REPLACE MACRO sluice_num(v, dc) AS CASE
     WHEN v IS NULL THEN NULL
     WHEN regexp_full_match(v, '[+-]?\\d{1,15}') THEN v
     WHEN NOT dc AND regexp_full_match(v, '[+-]?\\d{1,15}\\.\\d{1,15}') THEN v
     WHEN dc AND regexp_full_match(v, '[+-]?\\d{1,15},\\d{1,15}') THEN replace(v, ',', '.')
     -- The body (symbols stripped) goes through a lambda so it is computed once per value, not once per use.
     WHEN dc THEN list_transform([sluice_num_body(v)], b -> CASE WHEN regexp_full_match(b, ${sql(`[+-]?(?:\\d{1,3}(?:${COMMA_STYLE_GROUP}\\d{3})+|\\d+)(?:,\\d+)?|[+-]?,\\d+`)})
       THEN (CASE WHEN regexp_full_match(v, '\\(.+\\)') THEN '-' ELSE '' END) || replace(regexp_replace(b, ${sql(COMMA_STYLE_GROUP)}, '', 'g'), ',', '.') END)[1]
     ELSE list_transform([sluice_num_body(v)], b -> CASE WHEN regexp_full_match(b, '[+-]?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|[+-]?\\.\\d+(?:[eE][+-]?\\d+)?|[+-]?\\d+\\.(?:[eE][+-]?\\d+)?')
       THEN (CASE WHEN regexp_full_match(v, '\\(.+\\)') THEN '-' ELSE '' END) || replace(b, ',', '') END)[1]
   END`,
  `CREATE OR REPLACE MACRO sluice_is_percent(v) AS regexp_matches(v, '%\\s*\\)?$')`,
  // Yes/no words in the languages of core/vocabulary.ts, any case.
  `CREATE OR REPLACE MACRO sluice_bool(v, zero_one) AS CASE
     WHEN lower(v) IN (${BOOLEAN_WORD_LISTS.true.map(sql).join(', ')}) THEN true
     WHEN lower(v) IN (${BOOLEAN_WORD_LISTS.false.map(sql).join(', ')}) THEN false
     WHEN zero_one AND v = '1' THEN true
     WHEN zero_one AND v = '0' THEN false
   END`,
  // A cheap test first: most values of most columns are not dates.
  `CREATE OR REPLACE MACRO sluice_datelike(v) AS length(v) BETWEEN 6 AND 48 AND regexp_matches(v, '^(?:\\d{1,4}[-/.]\\d{1,2}[-/.]\\d{2,4}|\\d{1,2}[ -][A-Za-z]{3}|[A-Za-z]{3,9}\\.? \\d)')`,
  `CREATE OR REPLACE MACRO sluice_date(v, day_first) AS CAST(CASE
     WHEN NOT sluice_datelike(v) THEN NULL
     WHEN regexp_full_match(v, '\\d{4}-\\d{1,2}-\\d{1,2}') THEN TRY_CAST(v AS DATE)
     ${shapeBranches()}
   END AS DATE)`,
  // Offsets and zones are normalised to UTC (the session time zone is UTC); a bare date is midnight.
  // DuckDB's own parser reads '3/5/24' as year 3, so only ISO-shaped values go through it.
  `CREATE OR REPLACE MACRO sluice_ts(v, day_first) AS CASE
     WHEN NOT sluice_datelike(v) THEN NULL
     -- ISO 8601 allows an offset after a time without seconds (\`2024-02-11T08:05+01:00\`), which DuckDB's cast does not take: seconds are added.
     WHEN regexp_matches(v, '^\\d{4}-\\d{1,2}-\\d{1,2}') THEN CAST(try_cast(regexp_replace(v, ${sql(ISO_MINUTES_ZONED)}, '\\1:00\\2') AS TIMESTAMPTZ) AS TIMESTAMP)
     -- The date part goes through a lambda so the macro expands once around one reference to it, not once per use of v.
     WHEN regexp_full_match(v, ${sql(TIMED)}) THEN list_transform([regexp_extract(v, ${sql(TIMED)}, ['d', 't'])], p -> sluice_date(p.d, day_first)
       + (try_strptime(p.t, ${list(TIMES)}) - TIMESTAMP '1900-01-01'))[1]
     ELSE CAST(sluice_date(v, day_first) AS TIMESTAMP)
   END`,
  // A cheap test first: values that could be a protocol timestamp (CLF, RFC 2822, syslog).
  `CREATE OR REPLACE MACRO sluice_protolike(v) AS length(v) BETWEEN 14 AND 64 AND regexp_matches(v, ${sql(
    '^\\[?\\d{1,2}/[A-Za-z]{3}/\\d{4}:|^(?:[A-Za-z]{3},\\s*)?\\d{1,2}\\s+[A-Za-z]{3}\\s+\\d{4}\\s+\\d|^[A-Za-z]{3}  ?\\d{1,2} \\d{2}:',
  )})`,
  // Minutes east of UTC of a zone name or numeric offset (+hhmm, +hh:mm).
  `CREATE OR REPLACE MACRO sluice_zone_minutes(z) AS CASE upper(z) ${ZONE_MINUTES}
     ELSE (CASE WHEN z[1] = '-' THEN -1 ELSE 1 END) * (CAST(z[2:3] AS INTEGER) * 60 + CAST(right(z, 2) AS INTEGER)) END`,
  // Common log format time as the UTC instant (the offset applied; the session time zone is UTC), or NULL.
  `CREATE OR REPLACE MACRO sluice_clf(v) AS CASE WHEN regexp_full_match(v, ${sql(CLF)})
     THEN CAST(try_strptime(CASE WHEN v[1] = '[' THEN v[2:-2] ELSE v END, '%d/%b/%Y:%H:%M:%S %z') AS TIMESTAMP)
   END`,
  // RFC 7231/2822 date-time as the UTC instant, or NULL; a weekday, when written, must be the date's.
  `CREATE OR REPLACE MACRO sluice_rfc_ts(v) AS list_transform([regexp_extract(v, ${sql(RFC_DATE)}, ['wd', 'd', 'm', 'y', 't', 'z'])], p -> CASE
     WHEN p.d <> '' THEN list_transform([try_strptime(p.d || ' ' || p.m || ' ' || p.y || ' ' || p.t, ['%d %b %Y %H:%M:%S', '%d %b %Y %H:%M'])], l -> CASE
       WHEN p.wd = '' OR lower(strftime(l, '%a')) = lower(p.wd) THEN l - to_minutes(sluice_zone_minutes(p.z))
     END)[1]
   END)[1]`,
];
