/**
 * SQL macros that parse messy text into typed values. Installed once per
 * engine; the preprocess stage counts how many values each macro accepts
 * (the evidence for type inference) and then applies the chosen one.
 */

const CURRENCY_SYMBOLS = '[$€£¥₹₩₽₺]';
const CURRENCY_CODES = '(?:USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|CNY|INR|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|SGD|HKD|KRW|TRY|RUB)';
/** Thousands separators used with a decimal comma: dot, space, apostrophe, no-break spaces. */
const COMMA_STYLE_GROUP = "[. '\\x{00A0}\\x{202F}]";

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;

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

/** Any date shape followed by a time of day: the date part and the time part are parsed apart (few formats each, quick to plan). */
const TIMED = `^(.+)[ T](${TIME})$`;

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
  `CREATE OR REPLACE MACRO sluice_bool(v, zero_one) AS CASE
     WHEN lower(v) IN ('true', 't', 'yes', 'y') THEN true
     WHEN lower(v) IN ('false', 'f', 'no', 'n') THEN false
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
     WHEN regexp_matches(v, '^\\d{4}-\\d{1,2}-\\d{1,2}') THEN CAST(try_cast(v AS TIMESTAMPTZ) AS TIMESTAMP)
     -- The date part goes through a lambda so the macro expands once around one reference to it, not once per use of v.
     WHEN regexp_full_match(v, ${sql(TIMED)}) THEN list_transform([regexp_extract(v, ${sql(TIMED)}, ['d', 't'])], p -> sluice_date(p.d, day_first)
       + (try_strptime(p.t, ${list(TIMES)}) - TIMESTAMP '1900-01-01'))[1]
     ELSE CAST(sluice_date(v, day_first) AS TIMESTAMP)
   END`,
];
