/**
 * Number and date conventions of the major locales, read from CLDR through
 * Node's `Intl` (full ICU is built into Node): decimal and grouping symbols,
 * grouping sizes (Indian lakh grouping), minus signs, currency symbols and
 * codes, month names. The parsing macros build their character classes and
 * alternations from these data instead of from hand-written lists. Pure: no
 * I/O; computed once, on first use.
 */

/** The locales whose conventions the parsers know; a convention is named after the first that writes it. */
export const CLDR_LOCALES = [
  'en-US',
  'en-GB',
  'en-IN',
  'de-DE',
  'de-CH',
  'fr-FR',
  'fr-CA',
  'fr-CH',
  'de-AT',
  'it-CH',
  'es-ES',
  'es-MX',
  'it-IT',
  'pt-BR',
  'pt-PT',
  'nl-NL',
  'sv-SE',
  'nb-NO',
  'da-DK',
  'fi-FI',
  'pl-PL',
  'cs-CZ',
  'ru-RU',
  'uk-UA',
  'tr-TR',
  'el-GR',
  'ro-RO',
  'hu-HU',
  'ja-JP',
  'zh-CN',
  'zh-TW',
  'ko-KR',
  'hi-IN',
  'he-IL',
  'id-ID',
  'en-ZA',
] as const;

const languageOf = (locale: string) => locale.split('-')[0] ?? locale;
/** The languages of CLDR_LOCALES, in order: bit i of a month name's languages stands for MONTH_LANGUAGES[i]. */
export const MONTH_LANGUAGES = [...new Set(CLDR_LOCALES.map(languageOf))];

/**
 * Locales deliberately left out: their numbers are written in Arabic-Indic
 * digits (ar-EG), or their default calendar counts years from another era
 * (th-TH: Buddhist years, 2567 for 2024). Their month names are not learnt,
 * so such values stay NULL rather than come back as a wrong date.
 */
export const UNSUPPORTED_LOCALES = ['ar-EG', 'th-TH'] as const;

/** The currency each locale writes by default, for its currency format. */
const LOCAL_CURRENCY: Record<string, string> = {
  US: 'USD',
  GB: 'GBP',
  IN: 'INR',
  ZA: 'ZAR',
  CH: 'CHF',
  CA: 'CAD',
  MX: 'MXN',
  BR: 'BRL',
  SE: 'SEK',
  NO: 'NOK',
  DK: 'DKK',
  PL: 'PLN',
  CZ: 'CZK',
  RU: 'RUB',
  UA: 'UAH',
  TR: 'TRY',
  RO: 'RON',
  HU: 'HUF',
  JP: 'JPY',
  CN: 'CNY',
  TW: 'TWD',
  KR: 'KRW',
  IL: 'ILS',
  ID: 'IDR',
};

/** The currency a locale's money is written in (EUR in the euro area). */
export function localCurrency(locale: string): string {
  return LOCAL_CURRENCY[locale.split('-')[1] ?? ''] ?? 'EUR';
}

/** Currencies whose symbols every locale's own spelling is learnt for (`US$`, `$US`, `$ US`, ...); the other currencies are known by their English symbols. */
const MAJOR_CURRENCIES = ['USD', 'EUR', 'GBP'];

export interface NumberConvention {
  locale: string;
  decimal: string;
  group: string;
  /** Digits in the first group left of the decimal and in the groups before it (3 and 2 in en-IN). */
  primaryGroup: number;
  secondaryGroup: number;
  minus: string;
  /** How the locale writes 1234567.89 (and the same in its currency). */
  sample: string;
}

export interface CldrData {
  numbers: NumberConvention[];
  /** Group separators of locales with a decimal point / a decimal comma (currency formats included). */
  dotGroups: string[];
  commaGroups: string[];
  /** Minus signs other than `-` (U+2212 in sv, fi, nb), and invisible direction marks written next to signs. */
  minusSigns: string[];
  bidiMarks: string[];
  /** Currency symbols, longest first; ISO 4217 codes. */
  currencySymbols: string[];
  /** One-letter symbols (`R` in en-ZA, `K`, `L`, `P`): money only before a number (`R 1 234,50`); after one they read as units (`5K`, `5 F`). */
  letterSymbols: string[];
  currencyCodes: string[];
  /** Lower-cased month name or abbreviation (no trailing dot) → month 1–12, over every language. */
  monthNames: Map<string, number>;
  /** The languages that write each month name, as bits of MONTH_LANGUAGES (`mars`: French, Swedish, Norwegian). */
  monthLanguages: Map<string, number>;
  /** Words written after a year in long dates (`г.` in ru, `р.` in uk). */
  yearSuffixes: string[];
  /** Words written between day, month and year in long dates, with the space after them if any (`de ` in es and pt, `ב` in he). */
  dateWords: string[];
  /** Marks that end an abbreviated month name: `.`, and `॰` in hi, `׳` in he. */
  abbreviationMarks: string[];
  /** Words written between a date and its time (`at`, `um`, `à`, `a las`, `klo`, `kl.`, `в`). */
  timeWords: string[];
}

function numberConvention(locale: string): NumberConvention {
  const parts = new Intl.NumberFormat(locale).formatToParts(-123456789.5);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const integers = parts.filter((p) => p.type === 'integer').map((p) => p.value.length);
  return {
    locale,
    decimal: part('decimal'),
    group: part('group'),
    primaryGroup: integers[integers.length - 1] ?? 3,
    secondaryGroup: integers.length > 2 ? (integers[integers.length - 2] ?? 3) : 3,
    minus: part('minusSign'),
    sample: new Intl.NumberFormat(locale, { minimumFractionDigits: 2 }).format(1234567.89),
  };
}

/** Symbols a locale writes for currency `code`, in its symbol and narrow-symbol displays. */
function symbolsOf(locale: string, code: string): string[] {
  return (['symbol', 'narrowSymbol'] as const).map(
    (currencyDisplay) =>
      new Intl.NumberFormat(locale, { style: 'currency', currency: code, currencyDisplay }).formatToParts(1).find((p) => p.type === 'currency')?.value ?? code,
  );
}

const letterSymbol = (s: string) => /^[A-Za-z]$/.test(s);
const usableSymbol = (s: string) => s.length > 0 && !letterSymbol(s) && !/\d/.test(s);

function monthNamesOf(
  locale: string,
  into: Map<string, Set<number>>,
  languagesOf: Map<string, number>,
  suffixes: Set<string>,
  words: Set<string>,
  marks: Set<string>,
): void {
  const bit = 1 << MONTH_LANGUAGES.indexOf(languageOf(locale));
  const formats = [{ month: 'long' as const }, { month: 'short' as const }, { dateStyle: 'long' as const }, { dateStyle: 'medium' as const }].map(
    (o) => new Intl.DateTimeFormat(locale, { ...o, timeZone: 'UTC' }),
  );
  for (let m = 0; m < 12; m++) {
    const at = Date.UTC(2024, m, 5);
    for (const format of formats) {
      const parts = format.formatToParts(at);
      const written = parts.find((p) => p.type === 'month')?.value.toLowerCase() ?? '';
      // An abbreviation ends in a dot, or in hi and he in their own marks (`नव॰`, `בנוב׳`).
      const mark = /[\p{Po}]$/u.exec(written)?.[0];
      if (mark) marks.add(mark);
      const name = mark ? written.slice(0, -mark.length) : written;
      // Numeric months (CJK `3月`, `3`) are read by their own shapes.
      if (name && /^[\p{L}\p{M}]+$/u.test(name)) {
        if (!into.has(name)) into.set(name, new Set());
        into.get(name)?.add(m + 1);
        languagesOf.set(name, (languagesOf.get(name) ?? 0) | bit);
      }
      for (const p of parts) {
        if (p.type !== 'literal') continue;
        // A word before a month name (`de`, `ב`) with the space after it, if any.
        for (const [, word, space] of p.value.matchAll(/([\p{L}]+)(\s?)/gu)) words.add(`${word}${space ? ' ' : ''}`);
      }
      const year = parts.findIndex((p) => p.type === 'year');
      const after = parts[year + 1];
      if (year >= 0 && after?.type === 'literal' && year + 2 >= parts.length) {
        const suffix = after.value.trim();
        if (/^[\p{L}]+\.$/u.test(suffix)) suffixes.add(suffix);
      }
    }
  }
}

let data: CldrData | undefined;

/** The conventions, computed from `Intl` on first use. */
export function cldr(): CldrData {
  if (data) return data;
  const numbers = CLDR_LOCALES.map(numberConvention);
  const dotGroups = new Set<string>();
  const commaGroups = new Set<string>();
  const minusSigns = new Set<string>();
  const bidiMarks = new Set<string>();
  const symbols = new Set<string>();
  const codes = Intl.supportedValuesOf('currency');
  for (const code of codes) for (const s of symbolsOf('en', code)) symbols.add(s);
  for (const n of numbers) {
    const currency = localCurrency(n.locale);
    for (const code of new Set([currency, ...MAJOR_CURRENCIES])) for (const s of symbolsOf(n.locale, code)) symbols.add(s);
    // The separators of the locale's currency format too: fr-CH writes money with a decimal point.
    for (const style of [{}, { style: 'currency' as const, currency }]) {
      const parts = new Intl.NumberFormat(n.locale, { ...style, minimumFractionDigits: 2, maximumFractionDigits: 2 }).formatToParts(-1234567.5);
      const decimal = parts.find((p) => p.type === 'decimal')?.value;
      for (const p of parts) {
        if (p.type === 'group') (decimal === ',' ? commaGroups : dotGroups).add(p.value);
        if (p.type === 'minusSign') {
          for (const ch of p.value) (/\p{Cf}/u.test(ch) ? bidiMarks : ch === '-' ? new Set<string>() : minusSigns).add(ch);
        }
        if (p.type === 'literal') for (const ch of p.value) if (/\p{Cf}/u.test(ch)) bidiMarks.add(ch);
      }
    }
  }
  const months = new Map<string, Set<number>>();
  const monthLanguages = new Map<string, number>();
  const suffixes = new Set<string>();
  const words = new Set<string>();
  const marks = new Set<string>();
  for (const locale of CLDR_LOCALES) monthNamesOf(locale, months, monthLanguages, suffixes, words, marks);
  const timeWords = new Set<string>();
  for (const locale of CLDR_LOCALES) {
    for (const dateStyle of ['short', 'medium', 'long'] as const) {
      const parts = new Intl.DateTimeFormat(locale, { dateStyle, timeStyle: 'short', timeZone: 'UTC' }).formatToParts(Date.UTC(2024, 2, 5, 14, 22));
      const hour = parts.findIndex((p) => p.type === 'hour' || p.type === 'dayPeriod');
      const before = parts[hour - 1];
      if (before?.type !== 'literal') continue;
      const word = before.value
        .split(/[\s,]+/)
        .filter((w) => w && !suffixes.has(w))
        .join(' ');
      // CJK dates end in a character (`日`, `일`) that belongs to the date.
      if (/^[\p{L}][\p{L}\p{M} .]*$/u.test(word) && !/[\p{sc=Han}\p{sc=Hangul}]/u.test(word)) timeWords.add(word);
    }
  }
  // A name that means different months in different languages is no evidence of either.
  const monthNames = new Map([...months].filter(([, m]) => m.size === 1).map(([name, m]) => [name, [...m][0] as number]));
  data = {
    numbers,
    dotGroups: [...dotGroups],
    commaGroups: [...commaGroups],
    minusSigns: [...minusSigns],
    bidiMarks: [...bidiMarks],
    currencySymbols: [...symbols].filter((s) => !codes.includes(s) && usableSymbol(s)).sort((a, b) => b.length - a.length),
    letterSymbols: [...symbols].filter(letterSymbol),
    currencyCodes: codes,
    monthNames,
    monthLanguages,
    yearSuffixes: [...suffixes],
    timeWords: [...timeWords],
    dateWords: [...words].filter((w) => !suffixes.has(`${w.trim()}.`) && !/[\p{sc=Han}\p{sc=Hangul}]/u.test(w)),
    abbreviationMarks: [...marks],
  };
  return data;
}

/** The first locale (in CLDR_LOCALES order) with this decimal separator and group separator, for naming a column's convention. */
export function exampleLocale(decimal: string, group: string, indian = false): NumberConvention | undefined {
  return cldr().numbers.find((n) => n.decimal === decimal && n.group === group && (n.secondaryGroup === 2) === indian);
}

const GROUP_NAMES = { dot: 'dot', comma: 'comma', space: 'space', apostrophe: 'apostrophe', indian: 'Indian lakh' } as const;
export type GroupStyle = keyof typeof GROUP_NAMES;

/**
 * The number convention a column follows, named for its reason with a locale
 * that writes it and that locale's rendering of 1234567.89:
 * `decimal comma and space groups (fr-FR: 1 234 567,89)`. `groups` are the
 * group separators its values use, most used first; several are named all.
 */
export function describeNumberConvention(decimalComma: boolean, groups: GroupStyle[]): string {
  const decimal = decimalComma ? 'decimal comma' : 'decimal point';
  if (groups.length === 0) return decimal;
  const first = groups[0] as GroupStyle;
  const example = cldr().numbers.find((n) => {
    if ((n.decimal === ',') !== decimalComma) return false;
    if (first === 'indian') return n.secondaryGroup === 2;
    if (n.secondaryGroup === 2) return false;
    if (first === 'space') return /\s/u.test(n.group);
    if (first === 'apostrophe') return n.group === "'" || n.group === '’';
    return n.group === (first === 'dot' ? '.' : ',');
  });
  const names = groups.map((g) => GROUP_NAMES[g]);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const sample = example ? ` (${example.locale}: ${example.sample})` : '';
  return `${decimal} and ${list} groups${groups.length > 1 ? ', mixed' : ''}${sample}`;
}

/**
 * The languages whose month names a column's dates use, from the bits every
 * value's names share (0: no language writes all of them), with a long date
 * in the first: `German (de: 5. März 2024)`, `French, Swedish or Norwegian Bokmål (fr: 5 mars 2024)`.
 */
export function describeMonthLanguages(mask: number): string {
  const languages = MONTH_LANGUAGES.filter((_, i) => mask & (1 << i));
  const first = languages[0];
  if (!first) return 'more than one language (no language writes all of them)';
  const names = new Intl.DisplayNames('en', { type: 'language' });
  const named = languages.map((l) => names.of(l) ?? l);
  const locale = CLDR_LOCALES.find((l) => languageOf(l) === first) ?? first;
  const sample = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 2, 5));
  const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} or ${named[named.length - 1]}`;
  return `${list} (${first}: ${sample})`;
}
