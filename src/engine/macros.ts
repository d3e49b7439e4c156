/**
 * SQL macros that parse messy text into typed values. Installed once per
 * engine; the preprocess stage counts how many values each macro accepts
 * (the evidence for type inference) and then applies the chosen one. The
 * number and date conventions they know (separators, minus signs, currency
 * symbols and codes, month names) come from CLDR through Intl (core/cldr.ts).
 */

import { cldr } from '../core/cldr.js';
import { BOOLEAN_WORDS, type BooleanVocabulary, booleanWordLists } from '../core/vocabulary.js';

/** Build once, on first use: the CLDR data behind the macros take about 0.1 s to read from Intl. */
function once<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

/** A literal inside an RE2 regular expression. */
const re = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
/** A character class of single characters (non-ASCII ones as \x{...}; a hyphen escaped, so it never makes a range). */
const charClass = (chars: Iterable<string>) =>
  `[${[...new Set(chars)].map((c) => (c.charCodeAt(0) > 127 ? `\\x{${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}}` : c === '-' ? '\\-' : re(c))).join('')}]`;
/** White space as numbers and currency amounts write it: ASCII, no-break space, narrow no-break space. */
const SPACE = '[\\s\\x{00A0}\\x{202F}]';
/** An apostrophe group separator is typed as either apostrophe. */
const withTypedApostrophes = (groups: string[]) => (groups.includes("'") || groups.includes('’') ? [...groups, "'", '’'] : groups);

/** Currency symbols (every locale's, longest first) and ISO 4217 codes, as Intl knows them. */
const CURRENCY_SYMBOLS = () => `(?:${cldr().currencySymbols.map(re).join('|')})`;
const CURRENCY_CODES = () => `(?:${cldr().currencyCodes.join('|')})`;
/** Group separators used with a decimal point: comma, apostrophes (de-CH), narrow no-break space (fr-CH money). */
const DOT_STYLE_GROUPS = () => withTypedApostrophes(cldr().dotGroups);
/**
 * Thousands separators used with a decimal comma: dot, no-break spaces, the
 * plain space they are typed as, and (as before) apostrophes.
 */
const COMMA_STYLE_GROUPS = () => [...withTypedApostrophes([...cldr().commaGroups, "'"]), ' '];
/**
 * The integer part of a grouped number: one group separator throughout (one
 * alternative per separator), or the Indian lakh grouping of locales whose
 * secondary groups have two digits (en-IN, hi-IN: 12,34,567).
 */
function groupedInteger(groups: string[], decimal: string): string {
  const plain = groups.map((g) => `\\d{1,3}(?:${charClass([g])}\\d{3})+`);
  const indian = cldr()
    .numbers.filter((n) => n.decimal === decimal && n.secondaryGroup === 2)
    .map((n) => `\\d{1,2}(?:${charClass([n.group])}\\d{2})+${charClass([n.group])}\\d{3}`);
  return `(?:${[...new Set([...plain, ...indian])].join('|')})`;
}
/**
 * `b` without its group separators. A number that passed the grouping check
 * has one kind only: the usual one (`common`) goes with a quick replace, the
 * others with translate (slower, and rare).
 */
const ungroup = (b: string, common: string, groups: string[]) =>
  `CASE WHEN contains(${b}, ${sql(common)}) THEN replace(${b}, ${sql(common)}, '') WHEN regexp_matches(${b}, ${sql(`\\d${charClass(groups.filter((g) => g !== common))}`)}) THEN translate(${b}, ${sql(groups.join(''))}, '') ELSE ${b} END`;
/** Signs other than `-` (U+2212 MINUS SIGN) and the invisible direction marks written beside signs (he, ar). */
const MINUS_SIGNS = () => cldr().minusSigns.join('');
const BIDI_MARKS = () => [...new Set([...cldr().bidiMarks, '\u061C'])].join('');
/** Digits with the separators numbers are written with (and an exponent), loosely: sluice_num checks the grouping. */
const AMOUNT_DIGITS = "[.,]?\\d(?:[\\d.,'’ \\x{00A0}\\x{202F}]*\\d)?(?:[eE][+-]?\\d+)?[.,]?";
/**
 * An amount as written: an optional sign, an optional currency before
 * (symbol, code, or a one-letter symbol with a space after it) with a sign
 * before or after it, the digits, and a currency or percent sign after; in
 * parentheses or not. A sign stands right before the digits or the currency.
 */
const AMOUNT_SHAPE = once(() => {
  const space = `[\\s\\x{00A0}\\x{202F}${BIDI_MARKS()}]`;
  // The hyphen first: between two characters it would make a range (`[+-−]` holds every letter).
  const sign = `[-+${MINUS_SIGNS()}]`;
  const before = `(?:${CURRENCY_SYMBOLS()}|${CURRENCY_CODES()}|${charClass(cldr().letterSymbols)}${space})`;
  const after = `(?:${CURRENCY_SYMBOLS()}|${CURRENCY_CODES()}|%)`;
  const amount = `${space}*(?:${sign}?${space}*${before}${space}*${sign}?|${sign})?${AMOUNT_DIGITS}(?:${space}*${after})?${space}*`;
  return `\\(${amount}\\)|${amount}`;
});

const sql = (s: string) => `'${s.replace(/'/g, "''")}'`;
const BOOLEAN_WORD_LISTS = booleanWordLists();
const ENGLISH_WORDS = BOOLEAN_WORDS.en as BooleanVocabulary;
const otherWords = (answer: 'true' | 'false') => BOOLEAN_WORD_LISTS[answer].filter((w) => !ENGLISH_WORDS[answer].includes(w));
/** The longest yes/no word, in characters. */
const BOOLEAN_WORD_MAX = Math.max(...[...BOOLEAN_WORD_LISTS.true, ...BOOLEAN_WORD_LISTS.false].map((w) => [...w].length));

/**
 * Dates by shape: each shape is recognised by a regular expression and tried
 * only against its own few formats (trying every format on every value is
 * what made date parsing slow). Two-digit-year formats come first because %Y
 * also accepts two digits; the shapes only let two- or four-digit years in.
 */
const YEAR = '(?:\\d{4}|\\d{2})';
/** A time of day, with colons or (da, fi, id) dots, and AM/PM as `PM`, `pm` or `p.m.`. */
const TIME = '\\d{1,2}(?::\\d{2}(?::\\d{2}(?:\\.\\d+)?)?|\\.\\d{2}(?:\\.\\d{2})?)(?:[ \\x{202F}]?[AaPp]\\.?[Mm]\\.?)?';
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
];
const TIMES = ['%H:%M:%S', '%H:%M', '%H:%M:%S.%f', '%I:%M:%S %p', '%I:%M %p', '%I:%M:%S%p', '%I:%M%p', '%H.%M', '%H.%M.%S'];
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
/**
 * Dates written with month names in any language CLDR gives names for
 * (`5. März 2024`, `5 de marzo de 2024`, `5 marca 2024`, `5 мар. 2024 г.`,
 * `Mar 5, 2024`, `2024. március 5.`), CJK dates (`2024年3月5日`, `2024년 3월 5일`)
 * and dotted dates with spaces (`5. 3. 2024`, `2024. 3. 5.`). DuckDB's strptime
 * knows English month names only, so each shape's parts are taken apart and
 * a month name is looked up in a table built from Intl (sluice_month). Month
 * names never depend on the day order.
 */
const MARK = () => charClass(cldr().abbreviationMarks);
/**
 * A letter of a month name, loosely: an ASCII letter or any other character
 * but the spaces and abbreviation marks around names (the month table decides
 * what is a name). Not \\p{L}: DuckDB compiles every pattern of a statement
 * when it binds it, and RE2 takes long over the Unicode classes (a small
 * file's cost).
 */
const LETTER = () => `[^\\x00-\\x40\\x5B-\\x60\\x7B-\\x7F${charClass([...cldr().abbreviationMarks, '\u00A0', '\u202F']).slice(1, -1)}]`;
const NAME = () => `(${LETTER()}+)${MARK()}?`;
/** A word of a date (a month name among them), for the evidence's month words. */
export const monthWordPattern = () => `${LETTER()}+`;
const NAME_SEP = '[ \\x{00A0}-]';
const DATE_WORD = () => `(?:${cldr().dateWords.map(re).join('|')})?`;
const YEAR_SUFFIX = () => `(?: (?:${cldr().yearSuffixes.map(re).join('|')}))?`;
type Part = 'y' | 'm' | 'd';
/** Each shape with the order of its captured parts; `named`: the month is a name. */
const NAMED_SHAPES = (): { pattern: string; parts: [Part, Part, Part]; named: boolean }[] => [
  { pattern: `(\\d{1,2})\\.?${NAME_SEP}${DATE_WORD()}${NAME()},?${NAME_SEP}${DATE_WORD()}(${YEAR})${YEAR_SUFFIX()}`, parts: ['d', 'm', 'y'], named: true },
  { pattern: `${NAME()}${NAME_SEP}(\\d{1,2}),?${NAME_SEP}(\\d{4})`, parts: ['m', 'd', 'y'], named: true },
  { pattern: `(\\d{4})\\.?${NAME_SEP}${NAME()}${NAME_SEP}(\\d{1,2})\\.?`, parts: ['y', 'm', 'd'], named: true },
  { pattern: '(\\d{4}) ?[年년] ?(\\d{1,2}) ?[月월] ?(\\d{1,2}) ?[日일]', parts: ['y', 'm', 'd'], named: false },
  { pattern: '(\\d{4})\\. (\\d{1,2})\\. ?(\\d{1,2})\\.?', parts: ['y', 'm', 'd'], named: false },
  { pattern: `(\\d{1,2})\\. (\\d{1,2})\\. ?(${YEAR})`, parts: ['d', 'm', 'y'], named: false },
];
function namedBranches(): string {
  return NAMED_SHAPES()
    .map(({ pattern, parts, named }) => {
      const month = named ? 'sluice_month(p.m)' : 'p.m';
      return `WHEN regexp_full_match(v, ${sql(pattern)}) THEN list_transform([regexp_extract(v, ${sql(pattern)}, ${list(parts)})], p -> sluice_ymd(p.y, ${month}, p.d))[1]`;
    })
    .join('\n     ');
}
/**
 * Month names and abbreviations, lower-cased, with the bits of the languages
 * that write them, as one `|name=mm:languages|` string searched with strpos
 * (one literal, quick to plan, and no lambda per value). It starts with
 * padding: a name not found (strpos 0) reads the padding, which is no month.
 */
const MONTH_PAD = 'x'.repeat(48);
const MONTH_TABLE = () =>
  `${MONTH_PAD}|${[...cldr().monthNames].map(([name, month]) => `${name}=${String(month).padStart(2, '0')}:${cldr().monthLanguages.get(name) ?? 0}`).join('|')}|`;
/**
 * The cheap test of sluice_datelike: numeric dates, a day then a month name
 * then a year, a month name then a day, a year then a month (name, CJK or
 * dotted). Anything else is not a date and costs one regular expression.
 */
const DATELIKE = () =>
  `^(?:\\d{1,4}[-/.] ?\\d{1,2}[-/.] ?\\d{1,4}|\\d{1,2}\\.?${NAME_SEP}${DATE_WORD()}${LETTER()}{2,}${MARK()}?,?${NAME_SEP}${DATE_WORD()}\\d{2}|${LETTER()}{3,}${MARK()}?${NAME_SEP}\\d{1,2},?${NAME_SEP}\\d{4}|\\d{4}(?:\\.? ?${LETTER()}|\\.? ?[年년]|\\. \\d))`;

/** Any date shape followed by a time of day: the date part and the time part are parsed apart (few formats each, quick to plan). */
const TIMED = () => `^(.+?),?(?: (?:${cldr().timeWords.map(re).join('|')}))?[ T](${TIME})$`;

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

/** The macros' SQL, in the order they are installed. */
export const parsingMacros = once((): string[] => [
  // The digits of an amount (with its separators, still to be checked) once its currency symbol or code, percent
  // sign, parentheses, direction marks and spaces are taken off, with a `-` before them when its sign (`-` or U+2212)
  // stands before the digits or the currency (`-$5`, `CHF-1'234.50`, `€ -1.234,56`); NULL for any other shape.
  // One full match with no capture group (RE2 answers it with its fast automaton however many symbols and codes
  // there are), then two small patterns.
  `CREATE OR REPLACE MACRO sluice_num_body(v) AS CASE WHEN regexp_full_match(v, ${sql(AMOUNT_SHAPE())})
     THEN (CASE WHEN regexp_matches(v, ${sql(`^[^\\d]*[${re('-' + MINUS_SIGNS())}]`)}) THEN '-' ELSE '' END) || regexp_extract(v, ${sql(AMOUNT_DIGITS)})
   END`,
  // Normalised numeric text ('-1234.5') or NULL; dc = the column uses a decimal comma.
  // Plain numbers (the common case) skip the currency, grouping and parentheses handling.
  `CREATE OR REPLACE MACRO sluice_num(v, dc) AS CASE
     WHEN v IS NULL THEN NULL
     WHEN regexp_full_match(v, '[+-]?\\d{1,15}') THEN v
     WHEN NOT dc AND regexp_full_match(v, '[+-]?\\d{1,15}\\.\\d{1,15}') THEN v
     WHEN dc AND regexp_full_match(v, '[+-]?\\d{1,15},\\d{1,15}') THEN replace(v, ',', '.')
     -- The body (symbols stripped) goes through a lambda so it is computed once per value, not once per use.
     WHEN dc THEN list_transform([sluice_num_body(v)], b -> CASE WHEN regexp_full_match(b, ${sql(`[+-]?(?:${groupedInteger(COMMA_STYLE_GROUPS(), ',')}|\\d+)(?:,\\d+)?|[+-]?,\\d+`)})
       THEN (CASE WHEN regexp_full_match(v, '\\(.+\\)') THEN '-' ELSE '' END) || replace(${ungroup('b', '.', COMMA_STYLE_GROUPS())}, ',', '.') END)[1]
     ELSE list_transform([sluice_num_body(v)], b -> CASE WHEN regexp_full_match(b, ${sql(`[+-]?(?:${groupedInteger(DOT_STYLE_GROUPS(), '.')}|\\d+)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|[+-]?\\.\\d+(?:[eE][+-]?\\d+)?|[+-]?\\d+\\.(?:[eE][+-]?\\d+)?`)})
       THEN (CASE WHEN regexp_full_match(v, '\\(.+\\)') THEN '-' ELSE '' END) || ${ungroup('b', ',', DOT_STYLE_GROUPS())} END)[1]
   END`,
  `CREATE OR REPLACE MACRO sluice_is_percent(v) AS regexp_matches(v, ${sql(`%${SPACE}*\\)?$`)})`,
  // Yes/no words in the languages of core/vocabulary.ts, any case. Values longer than any word, or starting with a
  // digit (numbers, dates: most values), are no word, and skip the comparisons with every word.
  // English words, the most common, are compared first.
  `CREATE OR REPLACE MACRO sluice_bool(v, zero_one) AS CASE
     WHEN length(v) > ${BOOLEAN_WORD_MAX} OR v[1] BETWEEN '0' AND '9' THEN CASE WHEN zero_one AND v = '1' THEN true WHEN zero_one AND v = '0' THEN false END
     WHEN lower(v) IN (${ENGLISH_WORDS.true.map(sql).join(', ')}) THEN true
     WHEN lower(v) IN (${ENGLISH_WORDS.false.map(sql).join(', ')}) THEN false
     WHEN lower(v) IN (${otherWords('true').map(sql).join(', ')}) THEN true
     WHEN lower(v) IN (${otherWords('false').map(sql).join(', ')}) THEN false
   END`,
  // A cheap test first: most values of most columns are not dates.
  `CREATE OR REPLACE MACRO sluice_datelike(v) AS length(v) BETWEEN 6 AND 48 AND regexp_matches(v, ${sql(DATELIKE())})`,
  // A month name or abbreviation in any language (any case, no trailing dot) as its number 1-12 (text), or NULL.
  `CREATE OR REPLACE MACRO sluice_month_entry(name) AS substr(${sql(MONTH_TABLE())}, strpos(${sql(MONTH_TABLE())}, '|' || lower(name) || '=') + length(lower(name)) + 2, 16)`,
  `CREATE OR REPLACE MACRO sluice_month(name) AS TRY_CAST(substr(sluice_month_entry(name), 1, 2) AS INTEGER)`,
  // A date from its year (two or four digits), month and day as text, or NULL when there is no such day.
  // Two-digit years as strptime's %y reads them: 69-99 in the 1900s, 00-68 in the 2000s. A cast is much quicker than strptime.
  `CREATE OR REPLACE MACRO sluice_ymd(y, m, d) AS TRY_CAST(CASE WHEN length(y) = 2 THEN CASE WHEN y >= '69' THEN '19' ELSE '20' END ELSE '' END || y || '-' || m || '-' || d AS DATE)`,
  `CREATE OR REPLACE MACRO sluice_date(v, day_first) AS CAST(CASE
     WHEN NOT sluice_datelike(v) THEN NULL
     WHEN regexp_full_match(v, '\\d{4}-\\d{1,2}-\\d{1,2}') THEN TRY_CAST(v AS DATE)
     ${shapeBranches()}
     ${namedBranches()}
   END AS DATE)`,
  // Offsets and zones are normalised to UTC (the session time zone is UTC); a bare date is midnight.
  // DuckDB's own parser reads '3/5/24' as year 3, so only ISO-shaped values go through it.
  `CREATE OR REPLACE MACRO sluice_ts(v, day_first) AS CASE
     WHEN NOT sluice_datelike(v) THEN NULL
     -- ISO 8601 allows an offset after a time without seconds (\`2024-02-11T08:05+01:00\`), which DuckDB's cast does not take: seconds are added.
     -- The cast is tried as written first (most values), the rewrite only when it fails.
     WHEN regexp_matches(v, '^\\d{4}-\\d{1,2}-\\d{1,2}') THEN CAST(coalesce(try_cast(v AS TIMESTAMPTZ), try_cast(regexp_replace(v, ${sql(ISO_MINUTES_ZONED)}, '\\1:00\\2') AS TIMESTAMPTZ)) AS TIMESTAMP)
     -- The date part goes through a lambda so the macro expands once around one reference to it, not once per use of v.
     WHEN regexp_full_match(v, ${sql(TIMED())}) THEN list_transform([regexp_extract(v, ${sql(TIMED())}, ['d', 't'])], p -> sluice_date(p.d, day_first)
       + (try_strptime(regexp_replace(replace(p.t, '\u202F', ' '), '([AaPp])\\.([Mm])\\.$', '\\1\\2'), ${list(TIMES)}) - TIMESTAMP '1900-01-01'))[1]
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
]);
