/**
 * Timestamps written by servers and protocols through the preprocess stage,
 * with real parts: local zones in a fresh folder per test, one real DuckDB
 * engine, the config as sluice.yaml would give it. Each test writes a raw
 * file, runs the handler and reads back the Parquet, the report and the
 * rejects CSV.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnReport } from '../../src/stages/preprocess/handler.js';
import { usePreprocessHarness } from '../helpers/preprocess-harness.js';

const h = usePreprocessHarness();
const run = h.run;
const processedColumn = h.column;
const rejectedCells = h.rejectedCells;

function csv(lines: string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** The UTC instant of `Date.UTC(...)` as DuckDB prints a TIMESTAMP. */
function utcText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number) => String(n).padStart(2, '0');

/** An offset in minutes east of UTC written as `+hhmm`. */
function offsetText(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/**
 * Instant `i` of a series (every 7 h 13 min 17 s from 2023-01-01 UTC, so all months and days come up), written in
 * local time at offset `minutes`, as CLF and as an RFC 2822 date (weekday and leading zero on alternate rows).
 */
function instant(i: number, minutes: number) {
  const utc = Date.UTC(2023, 0, 1) + i * (7 * 3600 + 13 * 60 + 17) * 1000;
  const l = new Date(utc + minutes * 60_000);
  const day = l.getUTCDate();
  const time = `${pad(l.getUTCHours())}:${pad(l.getUTCMinutes())}:${pad(l.getUTCSeconds())}`;
  const mon = MONTHS[l.getUTCMonth()] as string;
  const y = l.getUTCFullYear();
  const zone = minutes === 0 ? (['GMT', 'UTC', '+0000', 'UT'][i % 4] as string) : offsetText(minutes);
  return {
    utc: utcText(utc),
    clf: `${pad(day)}/${mon}/${y}:${time} ${offsetText(minutes)}`,
    rfc: `${i % 2 ? `${WEEKDAYS[l.getUTCDay()]}, ` : ''}${i % 3 ? pad(day) : day} ${mon} ${y} ${time} ${zone}`,
  };
}
const OFFSETS = [0, -300, 330, -420, 60, 0, 545, -210, 600, -720];

const CLF_REASON = 'of values are web-server access-log times (common log format, `05/Mar/2024:14:22:01 -0500`); offsets applied, normalised to UTC';
const RFC_REASON =
  'of values are HTTP/e-mail dates (RFC 7231/2822, `Tue, 05 Mar 2024 14:22:01 GMT`, zone names GMT/UTC/UT/Z and RFC 2822 US zones); offsets applied, normalised to UTC';

describe('server and protocol timestamps', () => {
  it('types access-log, HTTP/e-mail and syslog columns, reading back the exact UTC instants', async () => {
    // Prepare: 240 rows over a year and a half, offsets east and west of UTC.
    const rows = Array.from({ length: 240 }, (_, i) => instant(i, OFFSETS[i % OFFSETS.length] as number));
    const syslog = (i: number) => `${MONTHS[i % 12]} ${String((i % 28) + 1).padStart(2, ' ')} 0${i % 10}:15:30`;
    const text = csv(['id,logged,sent,sys', ...rows.map((x, i) => `${i + 1},${x.clf},"${x.rfc}",${syslog(i)}`)]);

    // Act
    const r = await run('ds/log.csv', text);

    // Assess
    expect(h.reported(r, 'logged')).toMatchObject({ type: 'TIMESTAMP', failed: 0, reason: `100% ${CLF_REASON}` });
    expect(h.reported(r, 'sent')).toMatchObject({ type: 'TIMESTAMP', failed: 0, reason: `100% ${RFC_REASON}` });
    expect(h.reported(r, 'sys')).toMatchObject({
      type: 'VARCHAR',
      reason: '100% of values are syslog timestamps (RFC 3164, `Mar  5 14:22:01`), which carry no year; kept as text rather than guess the year',
    });
    expect(await processedColumn(r, 'logged')).toEqual(rows.map((x) => x.utc));
    expect(await processedColumn(r, 'sent')).toEqual(rows.map((x) => x.utc));
    expect(await processedColumn(r, 'sys')).toEqual(rows.map((_, i) => syslog(i)));
    expect(r.report.rejectedCells).toBe(0);
  });

  it('sends stray garbage in a protocol timestamp column to rejected cells, and a wrong weekday with it', async () => {
    // Prepare: 60 RFC dates; line 12 is a spreadsheet error, line 31 says Monday on a Tuesday, line 50 is a placeholder.
    const rows = Array.from({ length: 60 }, (_, i) => instant(i, -300));
    const values = rows.map((x) => x.rfc);
    values[10] = '#REF!';
    values[29] = 'Mon, 05 Mar 2024 14:22:01 GMT';
    values[48] = 'n/a?';
    const text = csv(['id,sent', ...values.map((v, i) => `${i + 1},"${v}"`)]);

    // Act
    const r = await run('ds/mail.csv', text);

    // Assess
    expect(h.reported(r, 'sent')).toMatchObject({
      type: 'TIMESTAMP',
      values: 60,
      parsed: 57,
      failed: 3,
      reason: `95% ${RFC_REASON}; 3 other values ("#REF!", "Mon, 05 Mar 2024 14:22:01 GMT", "n/a?") set to NULL`,
    });
    expect(await rejectedCells(r)).toEqual([
      [12, 'sent', '#REF!'],
      [31, 'sent', 'Mon, 05 Mar 2024 14:22:01 GMT'],
      [50, 'sent', 'n/a?'],
    ]);
    const read = await processedColumn(r, 'sent');
    expect(read.filter((v) => v !== null)).toEqual(rows.filter((_, i) => ![10, 29, 48].includes(i)).map((x) => x.utc));
  });

  it('does not mix conventions: ISO timestamps in a column of access-log times are rejected cells, named as such', async () => {
    // Prepare: 98 CLF values and two ISO timestamps at the end.
    const rows = Array.from({ length: 98 }, (_, i) => instant(i, 120));
    const text = csv(['id,at', ...rows.map((x, i) => `${i + 1},${x.clf}`), '99,2024-03-05T14:22:01Z', '100,2024-03-05 14:22:01']);

    // Act
    const r = await run('ds/mixed.csv', text);

    // Assess
    expect(h.reported(r, 'at')).toMatchObject({
      type: 'TIMESTAMP',
      failed: 2,
      reason: `98% ${CLF_REASON}; 2 other values ("2024-03-05 14:22:01", "2024-03-05T14:22:01Z") set to NULL`,
    });
    expect(await rejectedCells(r)).toEqual([
      [100, 'at', '2024-03-05T14:22:01Z'],
      [101, 'at', '2024-03-05 14:22:01'],
    ]);
  });

  it('keeps a column half RFC dates and half ISO timestamps as text, saying no one type fits', async () => {
    // Prepare
    const rows = Array.from({ length: 40 }, (_, i) => instant(i, 0));
    const text = csv(['id,at', ...rows.map((x, i) => `${i + 1},"${i % 2 ? x.rfc : x.utc}"`)]);

    // Act
    const r = await run('ds/half.csv', text);

    // Assess
    expect(h.reported(r, 'at')).toMatchObject({ type: 'VARCHAR', reason: 'no type fits 95% of values (best: 50%)' });
  });

  it('a type set in sluice.yaml on an access-log column still reads it as access-log times', async () => {
    // Prepare
    const rows = Array.from({ length: 20 }, (_, i) => instant(i, -480));
    const text = csv(['id,at', ...rows.map((x, i) => `${i + 1},[${x.clf}]`)]);

    // Act
    const r = await run('ds/typed.csv', text, { datasets: { ds: { columns: { at: { type: 'timestamp' } } } } });

    // Assess
    expect(h.reported(r, 'at')).toMatchObject({ type: 'TIMESTAMP', override: true, failed: 0 });
    expect(await processedColumn(r, 'at')).toEqual(rows.map((x) => x.utc));
  });
});

describe('server and protocol timestamps decided on a sample and on every value alike', () => {
  const SAMPLE = { typeSampleRows: 10 };
  const WHOLE = { typeSampleRows: 1_000_000 };
  const withoutSampleNote = (c: ColumnReport) => ({ ...c, reason: c.reason.replace(/ \(decided on the first \d+ rows\)$/, '') });

  /** Preprocess `text` deciding types on 10 rows and on every row: the two must agree on everything they write. */
  async function bothWays(text: string) {
    const sampled = await run('ds/x.csv', text, { defaults: SAMPLE });
    const whole = await run('ds/x.csv', text, { defaults: WHOLE });
    expect(sampled.report.typeSample?.rows).toBeLessThan(sampled.report.rows.read);
    expect(sampled.report.columns.map(withoutSampleNote)).toEqual(whole.report.columns);
    expect(sampled.report.rows).toEqual(whole.report.rows);
    expect(await processedColumn(sampled, 'v')).toEqual(await processedColumn(whole, 'v'));
    return { sampled, v: h.reported(sampled, 'v') };
  }

  it('values only in the last 3% of rows: an empty sample, then access-log times', async () => {
    // Prepare: 970 rows with nothing in v, then 30 CLF values.
    const rows = Array.from({ length: 30 }, (_, i) => instant(i * 11, OFFSETS[i % OFFSETS.length] as number));
    const text = csv(['id,v', ...Array.from({ length: 970 }, (_, i) => `${i + 1},`), ...rows.map((x, i) => `${971 + i},${x.clf}`)]);

    // Act
    const { sampled, v } = await bothWays(text);

    // Assess
    expect(v).toMatchObject({ type: 'TIMESTAMP', values: 30, failed: 0, reason: `100% ${CLF_REASON}` });
    expect((await processedColumn(sampled, 'v')).slice(970)).toEqual(rows.map((x) => x.utc));
  });

  it('RFC dates in the last 3% of a column whose sample held text: typed, the text rejected', async () => {
    // Prepare: 10 rows of 'pending', then 320 RFC dates.
    const rows = Array.from({ length: 320 }, (_, i) => instant(i, 0));
    const text = csv(['id,v', ...Array.from({ length: 10 }, (_, i) => `${i + 1},pending`), ...rows.map((x, i) => `${11 + i},"${x.rfc}"`)]);

    // Act
    const { v } = await bothWays(text);

    // Assess
    expect(v).toMatchObject({ type: 'TIMESTAMP', values: 330, failed: 10, reason: `97% ${RFC_REASON}; 10 other values ("pending") set to NULL` });
  });

  it('an RFC date after a sample of ISO timestamps is a rejected cell, not a silent second convention', async () => {
    // Prepare: 57 ISO timestamps, then one RFC date.
    const rows = Array.from({ length: 57 }, (_, i) => instant(i, 0));
    const text = csv(['id,v', ...rows.map((x, i) => `${i + 1},${x.utc}`), '58,"Tue, 05 Mar 2024 14:22:01 GMT"']);

    // Act
    const { sampled, v } = await bothWays(text);

    // Assess
    expect(v).toMatchObject({ type: 'TIMESTAMP', failed: 1 });
    expect(await rejectedCells(sampled)).toEqual([[59, 'v', 'Tue, 05 Mar 2024 14:22:01 GMT']]);
  });

  it('syslog times after a sample of free text give the syslog reason either way', async () => {
    // Prepare: 5 notes, then 300 syslog times.
    const text = csv([
      'id,v',
      ...Array.from({ length: 5 }, (_, i) => `${i + 1},note ${i}`),
      ...Array.from({ length: 300 }, (_, i) => `${6 + i},${MONTHS[i % 12]} ${String((i % 28) + 1).padStart(2, ' ')} 12:00:00`),
    ]);

    // Act
    const { v } = await bothWays(text);

    // Assess
    expect(v.type).toBe('VARCHAR');
    expect(v.reason).toBe('98.4% of values are syslog timestamps (RFC 3164, `Mar  5 14:22:01`), which carry no year; kept as text rather than guess the year');
  });
});
