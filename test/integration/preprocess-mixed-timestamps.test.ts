/**
 * A timestamp column written in several styles at once, the way a merged
 * export looks: ISO 8601 with an offset (seconds or not) beside local
 * `d.m.Y HH:MM` or ISO times without one. Values with an offset keep their
 * instant; local times are read in the column's `timezone` (UTC unless
 * sluice.yaml sets one), and the column's reason says how many of each.
 */
import { describe, expect, it } from 'vitest';
import { usePreprocessHarness } from '../helpers/preprocess-harness.js';

const h = usePreprocessHarness();
const pad = (n: number) => String(n).padStart(2, '0');

/** The UTC instant as DuckDB prints a TIMESTAMP. */
const utcText = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/** An offset in minutes east of UTC as ISO 8601 writes it (`+01:00`, `+0530`, `-03`). */
function offsetText(minutes: number, style: number): string {
  const a = Math.abs(minutes);
  const sign = minutes < 0 ? '-' : '+';
  if (style === 0 && a % 60 === 0) return `${sign}${pad(a / 60)}`;
  return style === 1 ? `${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}` : `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/**
 * Instant `i` (every 5 h 17 min from 2024-01-01 UTC, whole minutes) in one of
 * several styles: ISO with an offset (with or without seconds, `T` or space,
 * `Z`), or as a local wall-clock time `d.m.Y HH:MM`, `Y-m-d HH:MM` or ISO with
 * `T` and no offset, in the zone at `localOffset` minutes east of UTC.
 */
function written(i: number, style: 'offset' | 'local', localOffset: number): { text: string; utc: string } {
  const utc = Date.UTC(2024, 0, 1) + i * (5 * 60 + 17) * 60_000;
  if (style === 'offset') {
    const minutes = [60, -300, 330, 0, 120, -210][i % 6] as number;
    const l = new Date(utc + minutes * 60_000);
    const date = `${l.getUTCFullYear()}-${pad(l.getUTCMonth() + 1)}-${pad(l.getUTCDate())}`;
    const time = `${pad(l.getUTCHours())}:${pad(l.getUTCMinutes())}${i % 4 === 1 ? ':00' : ''}`;
    const zone = minutes === 0 && i % 2 ? 'Z' : offsetText(minutes, i % 3);
    return { text: `${date}${i % 5 === 2 ? ' ' : 'T'}${time}${zone}`, utc: utcText(utc) };
  }
  const l = new Date(utc + localOffset * 60_000);
  const [y, m, d, hh, mm] = [l.getUTCFullYear(), pad(l.getUTCMonth() + 1), pad(l.getUTCDate()), pad(l.getUTCHours()), pad(l.getUTCMinutes())];
  const text = [`${d}.${m}.${y} ${hh}:${mm}`, `${y}-${m}-${d} ${hh}:${mm}`, `${y}-${m}-${d}T${hh}:${mm}:00`][i % 3] as string;
  return { text, utc: utcText(utc) };
}

function csv(rows: { text: string }[]): string {
  return `id,seen_at\n${rows.map((r, i) => `${i + 1},${r.text}`).join('\n')}\n`;
}

describe('timestamps in mixed styles', () => {
  it('reads ISO values with an offset and local d.m.Y times as one TIMESTAMP column, local times as UTC by default', async () => {
    // Prepare: a merged export, two styles alternating in runs.
    const rows = Array.from({ length: 600 }, (_, i) => written(i, Math.floor(i / 7) % 2 ? 'local' : 'offset', 0));

    // Act
    const r = await h.run('events/merged.csv', csv(rows));

    // Assess
    expect((await h.types(r)).seen_at).toBe('TIMESTAMP');
    expect(await h.column(r, 'seen_at')).toEqual(rows.map((x) => x.utc));
    const local = rows.filter((_, i) => Math.floor(i / 7) % 2).length;
    expect(h.reported(r, 'seen_at').reason).toBe(
      `100% of values are timestamps, values with an offset (applied) beside local times without one (${Math.round((local / rows.length) * 1000) / 10}%), read as UTC (set timezone to read them in another zone); normalised to UTC`,
    );
    expect(await h.rejectedCells(r)).toEqual([]);
  });

  it('reads the local times in the configured timezone, daylight saving included, and leaves values with an offset alone', async () => {
    // Prepare: Europe/Berlin is UTC+1 in winter and UTC+2 from the last Sunday of March; local times are written in it.
    const berlin = (utc: number) => (utc >= Date.UTC(2024, 2, 31, 1) && utc < Date.UTC(2024, 9, 27, 1) ? 120 : 60);
    const rows = Array.from({ length: 900 }, (_, i) => {
      if (i % 3 === 0) return written(i, 'offset', 0);
      const utc = Date.UTC(2024, 0, 1) + i * (5 * 60 + 17) * 60_000;
      return written(i, 'local', berlin(utc));
    });
    // Wall-clock times that do not exist or repeat at the switches are left out: their instant is a matter of convention.
    const kept = rows.filter((x) => !/^(31\.03\.2024 02:|27\.10\.2024 02:|2024-03-31[ T]02:|2024-10-27[ T]02:)/.test(x.text));

    // Act
    const r = await h.run('events/berlin.csv', csv(kept), { datasets: { events: { timezone: 'Europe/Berlin' } } });

    // Assess
    expect(await h.column(r, 'seen_at')).toEqual(kept.map((x) => x.utc));
    expect(h.reported(r, 'seen_at').reason).toMatch(/ beside local times without one \(66\.\d%\), read in Europe\/Berlin; normalised to UTC$/);
  });

  it('types the whole file alike when the second style comes only in its last rows, past the sample', async () => {
    // Prepare: 3,000 offset-carrying values, then 60 local d.m.Y times (the last 2%), types decided on the first 300 rows.
    const rows = Array.from({ length: 3060 }, (_, i) => written(i, i < 3000 ? 'offset' : 'local', 0));
    const config = { defaults: { typeSampleRows: 300 } };

    // Act
    const r = await h.run('events/late.csv', csv(rows), config);

    // Assess
    expect((await h.types(r)).seen_at).toBe('TIMESTAMP');
    expect(await h.column(r, 'seen_at')).toEqual(rows.map((x) => x.utc));
    expect(h.reported(r, 'seen_at').reason).toContain('values with an offset (applied) beside local times without one (2%), read as UTC');
    expect(r.report.typeSample).toMatchObject({ rows: 300, held: false });
  });

  it('applies a column timezone over the dataset one, to values of a strptime format without %z', async () => {
    // Prepare
    const text = 'id,a,b\n1,2024-07-01 10:00,07/01/2024 10:00\n2,2024-01-15 23:30,01/15/2024 23:30\n';
    const config = {
      datasets: {
        shifts: {
          timezone: 'America/New_York',
          columns: { b: { type: 'timestamp', format: '%m/%d/%Y %H:%M', timezone: 'Asia/Kolkata' } },
        },
      },
    };

    // Act
    const r = await h.run('shifts/x.csv', text, config);

    // Assess: New York is UTC-4 in July and UTC-5 in January; Kolkata is UTC+5:30 all year.
    expect(await h.column(r, 'a')).toEqual(['2024-07-01 14:00:00', '2024-01-16 04:30:00']);
    expect(await h.column(r, 'b')).toEqual(['2024-07-01 04:30:00', '2024-01-15 18:00:00']);
    expect(h.reported(r, 'a').reason).toContain('local times (no offset) read in America/New_York');
  });
});
