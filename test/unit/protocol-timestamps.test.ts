import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_INFERENCE, decideColumnType, textHoldsForWhole } from '../../src/core/infer.js';
import { Engine, quoteString } from '../../src/engine/duckdb.js';
import { PROTOCOL_MONTHS, PROTOCOL_WEEKDAYS, PROTOCOL_ZONES, SYSLOG } from '../../src/engine/macros.js';
import { evidence } from '../helpers/evidence.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.open({ tempDir: fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-protocol-ts-')) });
});

afterAll(() => {
  engine.close();
});

/** Evaluate one SQL expression with the parsing macros installed; timestamps come back as text. */
async function evaluate(expression: string): Promise<unknown> {
  return engine.withConnection(async (c) => (await c.runAndReadAll(`SELECT ${expression} AS v`)).getRowObjectsJson()[0]?.v);
}

const clf = (value: string) => evaluate(`sluice_clf(${quoteString(value)})`);
const rfc = (value: string) => evaluate(`sluice_rfc_ts(${quoteString(value)})`);
const protolike = (value: string) => evaluate(`sluice_protolike(${quoteString(value)})`);
const syslog = (value: string) => evaluate(`regexp_full_match(${quoteString(value)}, ${quoteString(SYSLOG)})`);

/** The UTC instant `Date.UTC(...)` as DuckDB prints a TIMESTAMP. */
const utc = (...parts: [number, number, number, number, number, number]) => new Date(Date.UTC(...parts)).toISOString().slice(0, 19).replace('T', ' ');

describe('names the protocol formats use', () => {
  it('takes month and weekday abbreviations from CLDR as RFC 5322 spells them', () => {
    expect(PROTOCOL_MONTHS).toEqual(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
    expect(PROTOCOL_WEEKDAYS).toEqual(['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']);
  });
});

describe('sluice_clf (common log format)', () => {
  it.each([
    ['05/Mar/2024:14:22:01 -0500', utc(2024, 2, 5, 19, 22, 1)],
    ['05/Mar/2024:14:22:01 +0000', utc(2024, 2, 5, 14, 22, 1)],
    ['5/Mar/2024:14:22:01 +0530', utc(2024, 2, 5, 8, 52, 1)],
    ['[10/Oct/2000:13:55:36 -0700]', utc(2000, 9, 10, 20, 55, 36)],
    ['01/jan/2024:00:30:00 +0100', utc(2023, 11, 31, 23, 30, 0)],
    ['31/DEC/2023:23:59:59 -1000', utc(2024, 0, 1, 9, 59, 59)],
  ])('reads %j as the UTC instant %j', async (value, expected) => {
    expect(await clf(value)).toBe(expected);
  });

  it('reads all twelve months', async () => {
    // Act
    const read = await Promise.all(PROTOCOL_MONTHS.map((m) => clf(`09/${m}/2024:08:07:06 +0200`)));

    // Assess
    expect(read).toEqual(PROTOCOL_MONTHS.map((_, i) => utc(2024, i, 9, 6, 7, 6)));
  });

  it.each([
    '05/Mar/2024:14:22:01',
    '05/Mar/2024 14:22:01 -0500',
    '31/Feb/2024:14:22:01 +0000',
    '05/Mar/2024:25:22:01 +0000',
    '05/Mar/2024:14:22:01 +2500',
    '[05/Mar/2024:14:22:01 +0000',
    '05/Mar/2024:14:22:01 +0000]',
    '05/March/2024:14:22:01 +0000',
    '05/Mar/2024:14:22:01 GMT',
  ])('refuses %j', async (value) => {
    expect(await clf(value)).toBeNull();
  });
});

describe('sluice_rfc_ts (RFC 7231 / RFC 2822 dates)', () => {
  it.each([
    ['Tue, 05 Mar 2024 14:22:01 GMT', utc(2024, 2, 5, 14, 22, 1)],
    ['05 Mar 2024 14:22:01 GMT', utc(2024, 2, 5, 14, 22, 1)],
    ['Tue, 5 Mar 2024 14:22:01 UTC', utc(2024, 2, 5, 14, 22, 1)],
    ['Tue, 5 Mar 2024 14:22:01 UT', utc(2024, 2, 5, 14, 22, 1)],
    ['Tue, 5 Mar 2024 14:22:01 +0000', utc(2024, 2, 5, 14, 22, 1)],
    ['Tue, 5 Mar 2024 14:22:01 -0800 (PST)', utc(2024, 2, 5, 22, 22, 1)],
    ['Tue,  5 Mar 2024 14:22 +0530', utc(2024, 2, 5, 8, 52, 0)],
    ['Sat, 1 Jun 2024 01:00:00 +05:45', utc(2024, 4, 31, 19, 15, 0)],
    ['1 jun 2024 23:00:00 -0330', utc(2024, 5, 2, 2, 30, 0)],
    ['Tue, 05 Mar 2024 14:22:01 EST', utc(2024, 2, 5, 19, 22, 1)],
    ['Fri, 05 Jul 2024 14:22:01 EDT', utc(2024, 6, 5, 18, 22, 1)],
    ['Tue, 05 Mar 2024 14:22:01 CST', utc(2024, 2, 5, 20, 22, 1)],
    ['Fri, 05 Jul 2024 14:22:01 CDT', utc(2024, 6, 5, 19, 22, 1)],
    ['Tue, 05 Mar 2024 14:22:01 MST', utc(2024, 2, 5, 21, 22, 1)],
    ['Fri, 05 Jul 2024 14:22:01 MDT', utc(2024, 6, 5, 20, 22, 1)],
    ['Tue, 05 Mar 2024 14:22:01 PST', utc(2024, 2, 5, 22, 22, 1)],
    ['Fri, 05 Jul 2024 14:22:01 PDT', utc(2024, 6, 5, 21, 22, 1)],
    ['TUE, 05 MAR 2024 14:22:01 gmt', utc(2024, 2, 5, 14, 22, 1)],
  ])('reads %j as the UTC instant %j', async (value, expected) => {
    expect(await rfc(value)).toBe(expected);
  });

  it('reads all twelve months, with and without the weekday', async () => {
    // Prepare
    const days = PROTOCOL_MONTHS.map((m, i) => ({ m, wd: PROTOCOL_WEEKDAYS[new Date(Date.UTC(2023, i, 3)).getUTCDay()] }));

    // Act
    const withWeekday = await Promise.all(days.map(({ m, wd }) => rfc(`${wd}, 3 ${m} 2023 10:11:12 +0100`)));
    const without = await Promise.all(days.map(({ m }) => rfc(`03 ${m} 2023 10:11:12 -0100`)));

    // Assess
    expect(withWeekday).toEqual(PROTOCOL_MONTHS.map((_, i) => utc(2023, i, 3, 9, 11, 12)));
    expect(without).toEqual(PROTOCOL_MONTHS.map((_, i) => utc(2023, i, 3, 11, 11, 12)));
  });

  it('knows exactly the zone names RFC 2822 defines', () => {
    expect(Object.keys(PROTOCOL_ZONES).sort()).toEqual(['CDT', 'CST', 'EDT', 'EST', 'GMT', 'MDT', 'MST', 'PDT', 'PST', 'UT', 'UTC', 'Z'].sort());
  });

  it.each([
    ['a weekday that is not the date’s', 'Mon, 05 Mar 2024 14:22:01 GMT'],
    ['a zone name outside RFC 2822', 'Tue, 05 Mar 2024 14:22:01 CET'],
    ['an IANA zone', 'Tue, 05 Mar 2024 14:22:01 America/New_York'],
    ['no zone', 'Tue, 05 Mar 2024 14:22:01'],
    ['a day the month does not have', 'Sat, 31 Apr 2024 14:22:01 GMT'],
    ['a two-digit year', 'Tue, 05 Mar 24 14:22:01 GMT'],
    ['a full month name', 'Tue, 05 March 2024 14:22:01 GMT'],
    ['an offset beyond 14 hours', 'Tue, 05 Mar 2024 14:22:01 +1500'],
    ['text after the zone', 'Tue, 05 Mar 2024 14:22:01 GMT today'],
  ])('refuses %s (%j)', async (_what, value) => {
    expect(await rfc(value)).toBeNull();
  });
});

describe('syslog timestamps and the cheap pre-test', () => {
  it.each(['Mar  5 14:22:01', 'Mar 15 14:22:01', 'mar 5 14:22:01', 'Dec 31 23:59:59.123'])('recognises %j as a syslog timestamp', async (value) => {
    // Act
    const [matches, passes] = [await syslog(value), await protolike(value)];

    // Assess
    expect(matches).toBe(true);
    expect(passes).toBe(true);
  });

  it.each(['Mar  5 2024', 'March 5 14:22:01', 'Mar  5 14:22', '2024 Mar 5 14:22:01'])('does not take %j for syslog', async (value) => {
    expect(await syslog(value)).toBe(false);
  });

  it.each(['05/Mar/2024:14:22:01 -0500', 'Tue, 05 Mar 2024 14:22:01 GMT', '5 Mar 2024 14:22 +0000', '[05/Mar/2024:14:22:01 -0500]'])(
    'lets %j through the pre-test',
    async (value) => {
      expect(await protolike(value)).toBe(true);
    },
  );

  it.each(['2024-03-05 14:22:01', '12345', 'alpha beta gamma delta', '03/05/2024 14:22'])('stops %j at the pre-test', async (value) => {
    expect(await protolike(value)).toBe(false);
  });
});

describe('decideColumnType: server and protocol timestamps', () => {
  it('types a column of access-log times as TIMESTAMP parsed as CLF, naming the format and UTC', () => {
    // Act
    const d = decideColumnType(evidence({ nonNull: 200, clfTimestamps: 200 }), DEFAULT_INFERENCE);

    // Assess
    expect(d).toMatchObject({ logical: 'timestamp', duckType: 'TIMESTAMP', parse: { protocol: 'clf' }, parsed: 200, failed: 0 });
    expect(d.reason).toBe(
      '100% of values are web-server access-log times (common log format, `05/Mar/2024:14:22:01 -0500`); offsets applied, normalised to UTC',
    );
  });

  it('types a column of 96% RFC dates as TIMESTAMP, the rest failing', () => {
    // Act
    const d = decideColumnType(evidence({ nonNull: 100, rfcTimestamps: 96 }), DEFAULT_INFERENCE);

    // Assess
    expect(d).toMatchObject({ duckType: 'TIMESTAMP', parse: { protocol: 'rfc' }, parsed: 96, failed: 4 });
    expect(d.reason).toMatch(/^96% of values are HTTP\/e-mail dates \(RFC 7231\/2822, .*normalised to UTC$/);
  });

  it('keeps syslog times as text and says the year is missing', () => {
    // Act
    const d = decideColumnType(evidence({ nonNull: 50, syslogTimestamps: 50 }), DEFAULT_INFERENCE);

    // Assess
    expect(d.duckType).toBe('VARCHAR');
    expect(d.reason).toBe('100% of values are syslog timestamps (RFC 3164, `Mar  5 14:22:01`), which carry no year; kept as text rather than guess the year');
  });

  it('does not add up two conventions: 60% RFC and 40% ISO is text', () => {
    // Act
    const d = decideColumnType(evidence({ nonNull: 100, rfcTimestamps: 60, timestampMonthFirst: 40, timestampDayFirst: 40 }), DEFAULT_INFERENCE);

    // Assess
    expect(d).toMatchObject({ duckType: 'VARCHAR', reason: 'no type fits 95% of values (best: 60%)' });
  });

  it('keeps minTypeShare as the override', () => {
    expect(decideColumnType(evidence({ nonNull: 100, clfTimestamps: 60 }), { ...DEFAULT_INFERENCE, minShare: 0.6 }).parse.protocol).toBe('clf');
  });

  it.each([
    ['access-log', { clfTimestamps: 10 }],
    ['RFC', { rfcTimestamps: 10 }],
    ['syslog', { syslogTimestamps: 10 }],
  ])('does not prove text on a sample of %s times that the whole column could confirm', (_what, counts) => {
    expect(textHoldsForWhole(evidence({ nonNull: 10, ...counts }), 1000, DEFAULT_INFERENCE)).toBe(false);
  });
});
