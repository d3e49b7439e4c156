/** The CLDR data read from Intl, and the names type inference gives the conventions it finds. */
import { describe, expect, it } from 'vitest';
import { cldr, describeMonthLanguages, describeNumberConvention, MONTH_LANGUAGES } from '../../src/core/cldr.js';
import { DEFAULT_INFERENCE, decideColumnType } from '../../src/core/infer.js';
import { evidence } from '../helpers/evidence.js';

const bit = (language: string) => 1 << MONTH_LANGUAGES.indexOf(language);

describe('cldr data', () => {
  it('learns separators, minus signs and grouping from Intl', () => {
    // Act
    const data = cldr();

    // Assess
    expect(data.commaGroups).toEqual(expect.arrayContaining(['.', '\u00A0', '\u202F']));
    expect(data.dotGroups).toEqual(expect.arrayContaining([',', "'"]));
    expect(data.minusSigns).toContain('\u2212');
    expect(data.numbers.find((n) => n.locale === 'en-IN')).toMatchObject({ primaryGroup: 3, secondaryGroup: 2, sample: '12,34,567.89' });
  });

  it('learns currency symbols of every locale, and keeps one-letter ones apart', () => {
    // Act
    const data = cldr();

    // Assess
    expect(data.currencySymbols).toEqual(expect.arrayContaining(['€', 'R$', 'zł', 'kr', 'Kč', '₫', '₪', '฿', '₹', '￥', 'US$', '$US']));
    expect(data.currencySymbols).not.toContain('R');
    expect(data.letterSymbols).toContain('R');
    expect(data.currencyCodes).toEqual(expect.arrayContaining(['CHF', 'PLN', 'INR']));
  });

  it('learns month names, genitive and abbreviated forms, with the languages that write them', () => {
    // Act
    const data = cldr();

    // Assess
    expect(['märz', 'marca', 'marzec', 'марта', 'мар', 'maart', 'mrt', 'březen', 'března', 'मार्च', 'מרץ'].map((n) => data.monthNames.get(n))).toEqual(
      Array(11).fill(3),
    );
    expect(data.monthLanguages.get('mars')).toBe(bit('fr') | bit('sv') | bit('nb'));
    expect(data.abbreviationMarks).toEqual(expect.arrayContaining(['.', '॰', '׳']));
  });
});

describe('naming conventions', () => {
  it.each([
    [true, ['space'], 'decimal comma and space groups (fr-FR: 1\u202F234\u202F567,89)'],
    [true, ['dot'], 'decimal comma and dot groups (de-DE: 1.234.567,89)'],
    [false, ['comma'], 'decimal point and comma groups (en-US: 1,234,567.89)'],
    [false, ['indian'], 'decimal point and Indian lakh groups (en-IN: 12,34,567.89)'],
    [false, ['apostrophe'], "decimal point and apostrophe groups (de-CH: 1'234'567.89)"],
    [true, ['dot', 'space'], 'decimal comma and dot and space groups, mixed (de-DE: 1.234.567,89)'],
    [false, [], 'decimal point'],
  ] as const)('names decimal comma %s with groups %j as %j', (comma, groups, expected) => {
    expect(describeNumberConvention(comma, [...groups])).toBe(expected);
  });

  it('names the languages of month names, or says there are several', () => {
    expect(describeMonthLanguages(bit('de'))).toBe('German (de: 5. März 2024)');
    expect(describeMonthLanguages(bit('fr') | bit('sv'))).toBe('French or Swedish (fr: 5 mars 2024)');
    expect(describeMonthLanguages(0)).toBe('more than one language (no language writes all of them)');
  });

  it('puts the convention in the reason of a column of grouped numbers and of dates with month names', () => {
    // Prepare
    const base = evidence({ nonNull: 10, distinct: 10 });

    // Act
    const indian = decideColumnType({ ...base, numDot: 10, wholeDigitsDot: 7, scaleDot: 2, groupComma: 4, groupIndian: 6 }, DEFAULT_INFERENCE);
    const western = decideColumnType({ ...base, numDot: 10, wholeDigitsDot: 7, groupComma: 4, groupIndian: 6, groupWestern: 1 }, DEFAULT_INFERENCE);
    const german = decideColumnType(
      { ...base, dateMonthFirst: 10, dateDayFirst: 10, timestampMonthFirst: 10, timestampDayFirst: 10, namedMonths: 10, monthLanguages: bit('de') },
      DEFAULT_INFERENCE,
    );

    // Assess
    expect(indian.reason).toBe('100% numeric with decimal point and Indian lakh groups (en-IN: 12,34,567.89), up to 2 decimal places');
    expect(western.reason).toBe('100% of values are whole numbers with decimal point and Indian lakh and comma groups, mixed (en-IN: 12,34,567.89)');
    expect(german).toMatchObject({ duckType: 'DATE', reason: '100% of values are dates with month names in German (de: 5. März 2024)' });
  });
});
