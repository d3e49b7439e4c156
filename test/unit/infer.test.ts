import { describe, expect, it } from 'vitest';
import { codeTokens } from '../../src/core/codes.js';
import {
  DEFAULT_INFERENCE,
  decideColumnType,
  decimalType,
  type FailedValues,
  fileDayOrder,
  type InferenceOptions,
  judgeFailures,
  type TypeDecision,
  textHoldsForWhole,
} from '../../src/core/infer.js';
import { widenType } from '../../src/core/types.js';
import { isMissingWord } from '../../src/core/vocabulary.js';
import { evidence } from '../helpers/evidence.js';

function options(overrides: Partial<InferenceOptions> = {}): InferenceOptions {
  return { ...DEFAULT_INFERENCE, ...overrides };
}

describe('decideColumnType: numbers', () => {
  it('reads whole numbers as BIGINT', () => {
    // Prepare
    const ev = evidence({ nonNull: 10, numDot: 10, numComma: 10, wholeDigitsDot: 5, wholeDigitsComma: 5 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'integer', duckType: 'BIGINT', parsed: 10, failed: 0 });
    expect(decision.parse.decimalComma).toBe(false);
  });

  it('keeps whole numbers of 19 to 38 digits exact as DECIMAL(38,0)', () => {
    // Act
    const decision = decideColumnType(evidence({ nonNull: 4, numDot: 4, wholeDigitsDot: 19 }), options());

    // Assess
    expect(decision).toMatchObject({ logical: 'integer', duckType: 'DECIMAL(38,0)' });
  });

  it('keeps 18-digit whole numbers as BIGINT', () => {
    expect(decideColumnType(evidence({ nonNull: 4, numDot: 4, wholeDigitsDot: 18 }), options()).duckType).toBe('BIGINT');
  });

  it('keeps whole numbers of more than 38 digits as text', () => {
    // Act
    const decision = decideColumnType(evidence({ nonNull: 4, numDot: 4, wholeDigitsDot: 39 }), options());

    // Assess
    expect(decision).toMatchObject({ logical: 'text', duckType: 'VARCHAR', parsed: 4, failed: 0 });
    expect(decision.reason).toContain('38 digits');
  });

  it('keeps numbers with leading zeros (codes) as text', () => {
    // Prepare: zip codes like 02134
    const ev = evidence({ nonNull: 10, numDot: 10, wholeDigitsDot: 5, leadingZero: 3 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'text', duckType: 'VARCHAR' });
    expect(decision.reason).toContain('leading zeros');
  });

  it('sizes a decimal with its scale as DECIMAL(18,s)', () => {
    // Act
    const decision = decideColumnType(evidence({ nonNull: 5, numDot: 5, wholeDigitsDot: 4, scaleDot: 2 }), options());

    // Assess
    expect(decision).toMatchObject({ logical: 'decimal', duckType: 'DECIMAL(18,2)' });
    expect(decision.parse).toEqual({ decimalComma: false, percent: false });
  });

  it('widens the precision beyond 18 when the digits need it', () => {
    expect(decideColumnType(evidence({ nonNull: 5, numDot: 5, wholeDigitsDot: 20, scaleDot: 4 }), options()).duckType).toBe('DECIMAL(24,4)');
  });

  it('falls back to DOUBLE when a decimal would need more than 38 digits', () => {
    expect(decideColumnType(evidence({ nonNull: 5, numDot: 5, wholeDigitsDot: 30, scaleDot: 10 }), options()).duckType).toBe('DOUBLE');
  });

  it('chooses the decimal comma when more values parse that way', () => {
    // Prepare: '1,5' and '2,25' parse only with a decimal comma
    const ev = evidence({ nonNull: 10, numComma: 10, numDot: 4, wholeDigitsComma: 3, scaleComma: 2, wholeDigitsDot: 1 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'decimal', duckType: 'DECIMAL(18,2)' });
    expect(decision.parse.decimalComma).toBe(true);
    expect(decision.reason).toContain('decimal comma');
  });

  it('keeps the decimal point when both readings parse equally', () => {
    // Prepare: '1,234' is 1234 with a point and 1.234 with a comma
    const ev = evidence({ nonNull: 10, numComma: 10, numDot: 10, wholeDigitsDot: 4, wholeDigitsComma: 1, scaleComma: 3 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision.duckType).toBe('BIGINT');
    expect(decision.parse.decimalComma).toBe(false);
  });

  it('reads numbers in scientific notation as DOUBLE', () => {
    // Act
    const decision = decideColumnType(evidence({ nonNull: 6, numDot: 6, wholeDigitsDot: 1, scaleDot: 3, scientific: 2 }), options());

    // Assess
    expect(decision).toMatchObject({ logical: 'double', duckType: 'DOUBLE' });
  });

  it('adds two to the scale for percentages, stored as fractions', () => {
    // Prepare: '12.125%' is 0.12125, five places, rounded up to the even step 6
    const ev = evidence({ nonNull: 5, numDot: 5, wholeDigitsDot: 2, scaleDot: 3, percent: 5 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision.duckType).toBe('DECIMAL(18,6)');
    expect(decision.parse.percent).toBe(true);
    expect(decision.reason).toContain('up to 5 decimal places (percentages as fractions)');
  });

  it('types percentages of 0 to 2 decimals alike, as DECIMAL(18,4)', () => {
    // Prepare: '5 %', '12.5 %' and '12.25 %' are 0.05, 0.125 and 0.1225
    const scales = [0, 1, 2];

    // Act
    const types = scales.map((scaleDot) => decideColumnType(evidence({ nonNull: 5, numDot: 5, wholeDigitsDot: 2, scaleDot, percent: 5 }), options()).duckType);

    // Assess
    expect(types).toEqual(['DECIMAL(18,4)', 'DECIMAL(18,4)', 'DECIMAL(18,4)']);
  });
});

describe('decimalType: decimals in steps', () => {
  it('rounds the scale up to an even number at precision 18', () => {
    // Act
    const types = [1, 2, 3, 4, 5].map((scale) => decimalType(4, scale, false));

    // Assess
    expect(types).toEqual([
      { precision: 18, scale: 2 },
      { precision: 18, scale: 2 },
      { precision: 18, scale: 4 },
      { precision: 18, scale: 4 },
      { precision: 18, scale: 6 },
    ]);
  });

  it('gives a percentage at least 4 places', () => {
    // Act: scale counts the two places of the percentage already ('5 %' is 2, '12.5 %' is 3)
    const types = [2, 3, 4, 5].map((scale) => decimalType(2, scale, true));

    // Assess
    expect(types).toEqual([
      { precision: 18, scale: 4 },
      { precision: 18, scale: 4 },
      { precision: 18, scale: 4 },
      { precision: 18, scale: 6 },
    ]);
  });

  it('takes the precision the digits need beyond 18, up to 38', () => {
    // Act
    const types = [
      [16, 2],
      [17, 2],
      [20, 1],
      [33, 4],
    ].map(([whole, scale]) => decimalType(whole as number, scale as number, false));

    // Assess
    expect(types).toEqual([
      { precision: 18, scale: 2 },
      { precision: 19, scale: 2 },
      { precision: 22, scale: 2 },
      { precision: 37, scale: 4 },
    ]);
  });

  it('keeps the exact scale where the rounded one passes 38 digits, and has no decimal beyond', () => {
    // Act
    const exact = decimalType(35, 3, false);
    const none = decimalType(36, 3, false);

    // Assess
    expect(exact).toEqual({ precision: 38, scale: 3 });
    expect(none).toBeUndefined();
  });

  it('lands columns whose decimals differ within a step on one type, so merging them changes nothing', () => {
    // Prepare: '1.5' and '1.25'; '5 %' and '12.5 %'
    const pairs = [
      [decimalType(1, 1, false), decimalType(1, 2, false)],
      [decimalType(1, 2, true), decimalType(2, 3, true)],
    ];

    // Act
    const merged = pairs.map(([a, b]) => widenType(`DECIMAL(${a?.precision},${a?.scale})`, `DECIMAL(${b?.precision},${b?.scale})`));

    // Assess
    expect(merged).toEqual(['DECIMAL(18,2)', 'DECIMAL(18,4)']);
  });
});

describe('decideColumnType: booleans', () => {
  it('reads yes/no words as BOOLEAN', () => {
    // Act
    const decision = decideColumnType(evidence({ nonNull: 8, booleanWords: 8 }), options());

    // Assess
    expect(decision).toMatchObject({ logical: 'boolean', duckType: 'BOOLEAN', parsed: 8, failed: 0 });
  });

  it('reads a column of only 0 and 1 as integer by default', () => {
    // Prepare
    const ev = evidence({ nonNull: 8, zeroOne: 8, numDot: 8, numComma: 8, wholeDigitsDot: 1, wholeDigitsComma: 1 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'integer', duckType: 'BIGINT' });
  });

  it('reads 0 and 1 beside yes/no words as one BOOLEAN column, 0 and 1 as false and true', () => {
    // Prepare: 6 words, 93 values of 0 or 1 (also numbers), 1 stray value.
    const ev = evidence({
      nonNull: 100,
      booleanWords: 6,
      booleanSeen: ['no', 'yes'],
      zeroOne: 93,
      numDot: 93,
      numComma: 93,
      wholeDigitsDot: 1,
      wholeDigitsComma: 1,
    });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'boolean', duckType: 'BOOLEAN', parse: { zeroOne: true, words: true }, parsed: 99, failed: 1 });
    expect(decision.reason).toBe('99% of values are yes/no words (no, yes: English), or 0 and 1 beside them (read as false and true)');
  });

  it('keeps a column of numbers with a stray word a number column: 0 and 1 alone do not make the share', () => {
    // Prepare: 40 values of 0 or 1, 59 other numbers, one "yes".
    const ev = evidence({ nonNull: 100, booleanWords: 1, zeroOne: 40, numDot: 99, numComma: 99, wholeDigitsDot: 2, wholeDigitsComma: 2 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'integer', duckType: 'BIGINT', failed: 1 });
  });

  it('cannot call a sample of 0 and 1 text-for-good: words may come later beside them', () => {
    // Prepare: a text decision on a sample of 50 values, half 0/1 with leading-zero codes keeping it from numbers.
    const sample = evidence({ nonNull: 50, zeroOne: 30, booleanWords: 0, leadingZero: 20, numDot: 50, numComma: 50 });

    // Act & Assess: 30 of 50 in the sample; with 1,000 values in the whole column the rest could be words.
    expect(textHoldsForWhole(sample, 1000, options())).toBe(false);
    expect(textHoldsForWhole(sample, 50, options())).toBe(true);
  });

  it('reads a column of only 0 and 1 as BOOLEAN with zeroOneAsBoolean', () => {
    // Prepare
    const ev = evidence({ nonNull: 8, zeroOne: 8, numDot: 8, numComma: 8, wholeDigitsDot: 1, wholeDigitsComma: 1 });

    // Act
    const decision = decideColumnType(ev, options({ zeroOneAsBoolean: true }));

    // Assess
    expect(decision).toMatchObject({ logical: 'boolean', duckType: 'BOOLEAN', parsed: 8, failed: 0 });
  });

  it('does not read 0/1 as boolean when other numbers appear, even with zeroOneAsBoolean', () => {
    // Prepare
    const ev = evidence({ nonNull: 8, zeroOne: 7, numDot: 8, wholeDigitsDot: 1 });

    // Act
    const decision = decideColumnType(ev, options({ zeroOneAsBoolean: true }));

    // Assess
    expect(decision.duckType).toBe('BIGINT');
  });
});

describe('decideColumnType: dates and timestamps', () => {
  it('reads dates month-first when only that order parses them all', () => {
    // Prepare: '12/31/2024' only parses month-first
    const ev = evidence({ nonNull: 10, dateMonthFirst: 10, dateDayFirst: 6, timestampMonthFirst: 10, timestampDayFirst: 6, orderSensitive: 6 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'date', duckType: 'DATE', parse: { dayFirst: false }, ambiguousDateOrder: false });
  });

  it('reads dates day-first when only that order parses them all', () => {
    // Prepare: '31/12/2024' only parses day-first
    const ev = evidence({ nonNull: 10, dateMonthFirst: 6, dateDayFirst: 10, timestampMonthFirst: 6, timestampDayFirst: 10, orderSensitive: 6 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'date', parse: { dayFirst: true }, ambiguousDateOrder: false });
  });

  it('does not call ISO dates ambiguous', () => {
    // Act
    const decision = decideColumnType(evidence({ nonNull: 5, dateMonthFirst: 5, dateDayFirst: 5, timestampMonthFirst: 5, timestampDayFirst: 5 }), options());

    // Assess
    expect(decision).toMatchObject({ logical: 'date', ambiguousDateOrder: false });
  });

  describe('when both orders fit every value', () => {
    const ambiguous = evidence({ nonNull: 5, dateMonthFirst: 5, dateDayFirst: 5, timestampMonthFirst: 5, timestampDayFirst: 5, orderSensitive: 3 });

    it('reads month-first when nothing else decides, and says so', () => {
      // Act
      const decision = decideColumnType(ambiguous, options());

      // Assess
      expect(decision).toMatchObject({ logical: 'date', parse: { dayFirst: false }, ambiguousDateOrder: true });
      expect(decision.reason).toContain('ambiguous');
    });

    it('follows the day order of the file', () => {
      // Act
      const decision = decideColumnType(ambiguous, options(), true);

      // Assess
      expect(decision).toMatchObject({ parse: { dayFirst: true }, ambiguousDateOrder: true });
    });

    it.each([
      ['dmy', false, true],
      ['mdy', true, false],
    ] as const)('follows dateOrder %s over the file', (dateOrder, fileDayFirst, dayFirst) => {
      // Act
      const decision = decideColumnType(ambiguous, options({ dateOrder }), fileDayFirst);

      // Assess
      expect(decision).toMatchObject({ parse: { dayFirst }, ambiguousDateOrder: true });
    });
  });

  it('reads timestamps when more values parse as timestamps than as dates', () => {
    // Prepare
    const ev = evidence({ nonNull: 10, dateMonthFirst: 2, dateDayFirst: 2, timestampMonthFirst: 10, timestampDayFirst: 10 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'timestamp', duckType: 'TIMESTAMP', parsed: 10, failed: 0, ambiguousDateOrder: false });
  });
});

describe('decideColumnType: outliers', () => {
  it('accepts a type within minShare and counts the values that fail', () => {
    // Prepare: 96 of 100 values are numbers
    const ev = evidence({ nonNull: 100, numDot: 96, wholeDigitsDot: 3 });

    // Act
    const decision = decideColumnType(ev, options({ minShare: 0.95 }));

    // Assess
    expect(decision).toMatchObject({ duckType: 'BIGINT', parsed: 96, failed: 4 });
  });

  it('accepts exactly minShare', () => {
    expect(decideColumnType(evidence({ nonNull: 20, numDot: 19, wholeDigitsDot: 3 }), options({ minShare: 0.95 })).duckType).toBe('BIGINT');
  });

  it('keeps a column below minShare as text', () => {
    // Prepare: 94 of 100
    const ev = evidence({ nonNull: 100, numDot: 94, wholeDigitsDot: 3 });

    // Act
    const decision = decideColumnType(ev, options({ minShare: 0.95 }));

    // Assess
    expect(decision).toMatchObject({ logical: 'text', duckType: 'VARCHAR', parsed: 100, failed: 0 });
    expect(decision.reason).toContain('94%');
  });

  it('accepts dates within minShare with a failed count', () => {
    // Prepare
    const ev = evidence({ nonNull: 20, dateMonthFirst: 19, dateDayFirst: 19, timestampMonthFirst: 19, timestampDayFirst: 19 });

    // Act
    const decision = decideColumnType(ev, options());

    // Assess
    expect(decision).toMatchObject({ logical: 'date', parsed: 19, failed: 1 });
  });

  it('keeps a column of only empty values as text', () => {
    expect(decideColumnType(evidence(), options())).toMatchObject({ logical: 'text', duckType: 'VARCHAR', parsed: 0 });
  });

  it('keeps free text as text', () => {
    expect(decideColumnType(evidence({ nonNull: 3 }), options())).toMatchObject({ logical: 'text', reason: 'free text' });
  });
});

describe('fileDayOrder', () => {
  it('is day-first when more date columns are day-first', () => {
    // Prepare
    const columns = [
      evidence({ nonNull: 5, dateDayFirst: 5, dateMonthFirst: 2 }),
      evidence({ nonNull: 5, timestampDayFirst: 5, timestampMonthFirst: 3 }),
      evidence({ nonNull: 5, dateDayFirst: 1, dateMonthFirst: 5 }),
    ];

    // Act
    const dayFirst = fileDayOrder(columns);

    // Assess
    expect(dayFirst).toBe(true);
  });

  it('is month-first when more date columns are month-first', () => {
    expect(fileDayOrder([evidence({ nonNull: 5, dateDayFirst: 2, dateMonthFirst: 5 })])).toBe(false);
  });

  it('is undecided when the columns do not settle it', () => {
    // Prepare: one ambiguous column, one column that is not a date, and a tie between two
    const undecided = [evidence({ nonNull: 5, dateDayFirst: 5, dateMonthFirst: 5 }), evidence({ nonNull: 5, numDot: 5 })];
    const tie = [evidence({ dateDayFirst: 5, dateMonthFirst: 1 }), evidence({ dateDayFirst: 1, dateMonthFirst: 5 })];

    // Act & Assess
    expect(fileDayOrder(undecided)).toBeUndefined();
    expect(fileDayOrder(tie)).toBeUndefined();
    expect(fileDayOrder([])).toBeUndefined();
  });
});

describe('decideColumnType explains the day order only when it mattered', () => {
  it('says nothing about day order for ISO timestamps', () => {
    const d = decideColumnType(evidence({ nonNull: 10, timestampMonthFirst: 10, timestampDayFirst: 10 }), DEFAULT_INFERENCE);
    expect(d.reason).toBe('100% of values are timestamps, local times (no offset) read as UTC');
  });

  it('names the order a value like 13/05/2024 decided', () => {
    const d = decideColumnType(
      evidence({ nonNull: 10, dateMonthFirst: 6, dateDayFirst: 10, timestampMonthFirst: 6, timestampDayFirst: 10, orderSensitive: 6 }),
      DEFAULT_INFERENCE,
    );
    expect(d.reason).toBe('100% of values are dates (day-first)');
  });
});

describe('textHoldsForWhole', () => {
  it('holds when the sample alone has more unparseable values than the whole column may have', () => {
    // 60 of 1,000 values are known not to be numbers: at most 940 (94%) can be, under the 95% needed.
    expect(textHoldsForWhole(evidence({ nonNull: 100, numDot: 40, numComma: 40 }), 1000, options())).toBe(true);
  });

  it('does not hold when the rest of the column could still reach the share a type needs', () => {
    // 40 known failures in 1,000: 960 (96%) could still be numbers.
    expect(textHoldsForWhole(evidence({ nonNull: 100, numDot: 60, numComma: 60 }), 1000, options())).toBe(false);
    // The same for dates, timestamps and words.
    expect(textHoldsForWhole(evidence({ nonNull: 100, dateDayFirst: 60 }), 1000, options())).toBe(false);
    expect(textHoldsForWhole(evidence({ nonNull: 100, timestampMonthFirst: 60 }), 1000, options())).toBe(false);
    expect(textHoldsForWhole(evidence({ nonNull: 100, booleanWords: 60 }), 1000, options())).toBe(false);
  });

  it('a leading zero in the sample keeps numbers text however many there are', () => {
    expect(textHoldsForWhole(evidence({ nonNull: 100, numDot: 100, leadingZero: 1 }), 1000, options())).toBe(true);
  });

  it('0/1 in the sample leave room for a boolean column whatever zeroOneAsBoolean says (words may follow them), unless no value is unseen', () => {
    const ev = evidence({ nonNull: 100, zeroOne: 100 });
    expect(textHoldsForWhole(ev, 1000, options())).toBe(false);
    expect(textHoldsForWhole(ev, 1000, options({ zeroOneAsBoolean: true }))).toBe(false);
    expect(textHoldsForWhole(evidence({ nonNull: 100, zeroOne: 90 }), 100, options())).toBe(true);
  });

  it('a sample without values proves nothing; a column without values is text', () => {
    expect(textHoldsForWhole(evidence({ nonNull: 0 }), 10, options())).toBe(false);
    expect(textHoldsForWhole(evidence({ nonNull: 0 }), 0, options())).toBe(true);
  });
});

describe('decideColumnType: timestamps with and without an offset', () => {
  const ts = (zoned: number, n = 10) => evidence({ nonNull: n, timestampMonthFirst: n, timestampDayFirst: n, zonedTimestamps: zoned });

  it('says offsets were applied when every value names one', () => {
    // Act
    const d = decideColumnType(ts(10), options());

    // Assess
    expect(d).toMatchObject({ duckType: 'TIMESTAMP', parse: { zones: 'all' } });
    expect(d.reason).toBe('100% of values are timestamps, offsets applied, normalised to UTC');
  });

  it('says in which zone local times were read, alone or beside values with an offset', () => {
    // Act
    const local = decideColumnType(ts(0), options({ timezone: 'Europe/Berlin' }));
    const mixed = decideColumnType(ts(4), options());
    const mixedBerlin = decideColumnType(ts(4), options({ timezone: 'Europe/Berlin' }));

    // Assess
    expect(local.parse.zones).toBe('none');
    expect(local.reason).toBe('100% of values are timestamps, local times (no offset) read in Europe/Berlin, normalised to UTC');
    expect(mixed.parse.zones).toBe('mixed');
    expect(mixed.reason).toBe(
      '100% of values are timestamps, values with an offset (applied) beside local times without one (60%), read as UTC (set timezone to read them in another zone); normalised to UTC',
    );
    expect(mixedBerlin.reason).toContain('(60%), read in Europe/Berlin; normalised to UTC');
  });
});

describe('decideColumnType: yes/no words name their language', () => {
  it.each([
    [['nein', 'ja'], 'German'],
    [['non', 'oui'], 'French'],
    [['não', 'sim'], 'Portuguese'],
    [['ja', 'nee'], 'Dutch'],
    [['no', 'sí'], 'Spanish'],
    [['hayır', 'evet'], 'Turkish'],
  ])('%j is read as a flag in %s', (seen, language) => {
    // Act
    const d = decideColumnType(evidence({ nonNull: 20, booleanWords: 20, booleanSeen: seen }), options());

    // Assess
    expect(d.logical).toBe('boolean');
    expect(d.reason).toBe(`100% of values are yes/no words (${seen.join(', ')}: ${language})`);
  });

  it('names every language a set of words fits, and words that fit none as added in sluice.yaml', () => {
    // Act
    const ja = decideColumnType(evidence({ nonNull: 20, booleanWords: 20, booleanSeen: ['ja'] }), options());
    const added = decideColumnType(evidence({ nonNull: 20, booleanWords: 20, booleanSeen: ['ok', 'ko'] }), options());

    // Assess
    expect(ja.reason).toBe('100% of values are yes/no words (ja: German, Dutch, Swedish, …)');
    expect(added.reason).toBe('100% of values are yes/no words (ok, ko: words added in sluice.yaml)');
  });
});

describe('judgeFailures: stray values or a pattern', () => {
  const flag: TypeDecision = { logical: 'boolean', duckType: 'BOOLEAN', parse: {}, parsed: 960, failed: 40, reason: '96% of values are yes/no words' };
  const ids: TypeDecision = { logical: 'integer', duckType: 'BIGINT', parse: {}, parsed: 970, failed: 30, reason: '97% of values are whole numbers' };
  const none: FailedValues = { top: [], shapes: [] };

  it('makes a flag column with a recurring answer a category, and names the answer', () => {
    // Act
    const d = judgeFailures(flag, { ...none, top: [{ value: 'Maybe', n: 40 }] }, 1000);

    // Assess
    expect(d).toMatchObject({ logical: 'text', duckType: 'VARCHAR', failed: 0, parsed: 1000 });
    expect(d.reason).toBe(
      'looked like a boolean column (96% of values) but another answer recurs ("Maybe" in 40 rows): a category; kept as text so no value is lost',
    );
  });

  it('keeps a flag column whose other values are rare or ways of writing "no value"', () => {
    // Act
    const rare = judgeFailures(
      { ...flag, failed: 2 },
      {
        ...none,
        top: [
          { value: 'maybe?', n: 1 },
          { value: 'yes!', n: 1 },
        ],
      },
      1000,
    );
    const missing = judgeFailures(
      flag,
      {
        ...none,
        top: [
          { value: 'Unknown', n: 30 },
          { value: '#DIV/0!', n: 5 },
          { value: '??', n: 3 },
          { value: 'k.A.', n: 2 },
        ],
      },
      1000,
    );

    // Assess
    expect(rare).toMatchObject({ logical: 'boolean', failed: 2 });
    expect(rare.reason).toBe('96% of values are yes/no words; 2 other values ("maybe?", "yes!") set to NULL');
    expect(missing.logical).toBe('boolean');
    expect(missing.reason).toBe('96% of values are yes/no words; 40 other values ("Unknown", "#DIV/0!", "??", …) set to NULL');
  });

  it('makes a column text when most failing values are codes of one shape of letters and digits', () => {
    // Act
    const codes = judgeFailures(
      ids,
      {
        top: [{ value: 'INV-2024-0042', n: 1 }],
        shapes: [
          { shape: 'A-9-9', rows: 28, distinct: 28, example: 'INV-2024-0001' },
          { shape: 'a', rows: 2, distinct: 1, example: 'x' },
        ],
      },
      1000,
    );
    const one = judgeFailures(ids, { top: [{ value: 'A17B', n: 30 }], shapes: [{ shape: 'A9A', rows: 30, distinct: 1, example: 'A17B' }] }, 1000);
    const digitsOnly = judgeFailures(ids, { top: [{ value: '12..5', n: 1 }], shapes: [{ shape: '9..9', rows: 30, distinct: 30, example: '1..2' }] }, 1000);

    // Assess
    expect(codes.logical).toBe('text');
    expect(codes.reason).toBe(
      'looked like an integer column (97% of values) but 28 values are codes of one shape ("INV-2024-0001", 28 different): an identifier; kept as text so no value is lost',
    );
    expect(one.logical).toBe('integer');
    expect(digitsOnly.logical).toBe('integer');
  });
});

describe('isMissingWord', () => {
  it.each(['unknown', 'UNKNOWN', ' n/a? ', '#REF!', '#DIV/0!', '#NAME?', '?', '—', 'k.A.', 'unbekannt', 'inconnu', 'desconocido', '不明'])(
    '%j writes "no value"',
    (v) => {
      expect(isMissingWord(v)).toBe(true);
    },
  );

  it.each(['Maybe', "Don't know", 'N/A – skipped', 'INV-2024-0042', '0', 'no'])('%j is a value', (v) => {
    expect(isMissingWord(v)).toBe(false);
  });
});

describe('codeTokens', () => {
  const countries = Array.from({ length: 30 }, (_, i) => ['DE', 'FR', 'US', 'GB', 'ZA', 'KE'][i % 6] as string);
  const tokens = ['', 'NA', 'N/A', 'null', '-'];

  it('keeps a null token of the codes shape as a value in a column of codes', () => {
    expect(codeTokens([...countries, 'NA', ''], tokens)).toEqual({ kept: ['NA'], shape: '2-letter codes' });
    expect(
      codeTokens(
        ['deu', 'fra', 'usa', 'gbr', 'zaf', 'ken', 'nam'].flatMap((c) => [c, c, c]),
        [...tokens, 'nan'],
      ),
    ).toEqual({
      kept: ['nan'],
      shape: '3-letter lower-case codes',
    });
  });

  it('keeps nothing in a column of words, of mixed shapes, or too small to tell', () => {
    expect(
      codeTokens(
        ['red', 'green', 'blue', 'NA', 'cyan', 'teal', 'pink'].flatMap((c) => [c, c, c, c]),
        tokens,
      ),
    ).toBeUndefined();
    expect(codeTokens([...countries, 'USA'], tokens)).toBeUndefined();
    expect(codeTokens(['DE', 'FR', 'NA'], tokens)).toBeUndefined();
    expect(codeTokens(countries, ['', 'N/A'])).toBeUndefined();
  });
});

describe('decideColumnType: numbers with a leading +', () => {
  it('keeps dialling codes text and signed changes numbers', () => {
    // Act
    const dial = decideColumnType(evidence({ nonNull: 10, numDot: 10, numComma: 10, wholeDigitsDot: 3, plusSign: 8 }), options());
    const change = decideColumnType(evidence({ nonNull: 10, numDot: 10, numComma: 10, wholeDigitsDot: 1, plusSign: 6, negative: 4 }), options());
    const few = decideColumnType(evidence({ nonNull: 10, numDot: 10, numComma: 10, wholeDigitsDot: 3, plusSign: 4 }), options());

    // Assess
    expect(dial).toMatchObject({
      logical: 'text',
      reason: '8 value(s) are written with a leading + and none is negative (dialling codes and phone numbers stay text)',
    });
    expect(change.duckType).toBe('BIGINT');
    expect(few.duckType).toBe('BIGINT');
  });
});
