import type { ColumnEvidence } from '../../src/core/infer.js';

/** Type evidence for one column, as the evidence query gives it: every count zero unless given. */
export function evidence(overrides: Partial<ColumnEvidence> = {}): ColumnEvidence {
  return {
    nonNull: 0,
    distinct: 0,
    leadingZero: 0,
    numDot: 0,
    numComma: 0,
    wholeDigitsDot: 0,
    scaleDot: 0,
    wholeDigitsComma: 0,
    scaleComma: 0,
    scientific: 0,
    percent: 0,
    booleanWords: 0,
    zeroOne: 0,
    dateMonthFirst: 0,
    dateDayFirst: 0,
    timestampMonthFirst: 0,
    timestampDayFirst: 0,
    orderSensitive: 0,
    zonedTimestamps: 0,
    plusSign: 0,
    negative: 0,
    clfTimestamps: 0,
    rfcTimestamps: 0,
    syslogTimestamps: 0,
    ...overrides,
  };
}
