/**
 * Numbers and dates written in the conventions of several locales, one
 * convention per column, through the preprocess stage with real parts: local
 * zones in a fresh folder, one real DuckDB engine. The values are rendered by
 * Intl (CLDR), and each column must come back typed, with the same values,
 * and with a reason that names the convention it was read in.
 */
import { describe, expect, it } from 'vitest';
import { usePreprocessHarness } from '../helpers/preprocess-harness.js';

const h = usePreprocessHarness();

const ROWS = 120;
/** Row i's amount: positive and negative, small and in the millions, always two decimals. */
const amount = (i: number) => Math.round(((i * 7919.37) % 2_500_000) * (i % 3 ? 1 : -1) * 100) / 100;
/** Row i's day: every 5 days from 2023-01-01 (all months come up), and its time of day. */
const day = (i: number) => Date.UTC(2023, 0, 1 + i * 5, (i * 7) % 24, (i * 13) % 60);

const money = (locale: string, options: Intl.NumberFormatOptions = {}) => {
  const format = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, ...options });
  return (i: number) => format.format(amount(i));
};
const dated = (locale: string, options: Intl.DateTimeFormatOptions) => {
  const format = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
  return (i: number) => format.format(day(i));
};

/** Each column: how row i is written, and its reason must contain `reason`. */
const COLUMNS: Record<string, { write: (i: number) => string; type: string; reason: string }> = {
  fr_amount: { write: money('fr-FR'), type: 'DECIMAL(18,2)', reason: 'numeric with decimal comma and space groups (fr-FR: 1\u202F234\u202F567,89)' },
  in_amount: { write: money('en-IN'), type: 'DECIMAL(18,2)', reason: 'Indian lakh groups (en-IN: 12,34,567.89)' },
  ch_amount: { write: money('de-CH'), type: 'DECIMAL(18,2)', reason: "decimal point and apostrophe groups (de-CH: 1'234'567.89)" },
  sv_amount: { write: money('sv-SE'), type: 'DECIMAL(18,2)', reason: 'decimal comma and space groups' },
  br_money: {
    write: money('pt-BR', { style: 'currency', currency: 'BRL' }),
    type: 'DECIMAL(18,2)',
    reason: 'decimal comma and dot groups (de-DE: 1.234.567,89)',
  },
  de_date: { write: dated('de-DE', { dateStyle: 'long' }), type: 'DATE', reason: 'dates with month names in German (de: 5. März 2024)' },
  es_date: { write: dated('es-ES', { dateStyle: 'long' }), type: 'DATE', reason: 'dates with month names in Spanish (es: 5 de marzo de 2024)' },
  pl_date: { write: dated('pl-PL', { dateStyle: 'long' }), type: 'DATE', reason: 'dates with month names in Polish (pl: 5 marca 2024)' },
  ja_date: { write: dated('ja-JP', { dateStyle: 'long' }), type: 'DATE', reason: 'of values are dates' },
  ru_time: {
    write: dated('ru-RU', { dateStyle: 'medium', timeStyle: 'short' }),
    type: 'TIMESTAMP',
    reason: 'timestamps with month names in Russian (ru: 5 марта 2024 г.)',
  },
};

const csvField = (v: string) => `"${v.replace(/"/g, '""')}"`;

describe('numbers and dates in the conventions of several locales', () => {
  it('types each column in its own convention, reads the values back, and names the convention in the reason', async () => {
    // Prepare
    const names = Object.keys(COLUMNS);
    const lines = [names.join(',')];
    for (let i = 0; i < ROWS; i++) lines.push(names.map((n) => csvField(COLUMNS[n]?.write(i) ?? '')).join(','));

    // Act
    const r = await h.run('ds/locales.csv', `${lines.join('\n')}\n`);
    const rows = await h.rows(r, 'COLUMNS(*)::VARCHAR');

    // Assess
    for (const [name, column] of Object.entries(COLUMNS)) {
      const col = h.reported(r, name);
      expect(col, name).toMatchObject({ type: column.type, failed: 0 });
      expect(col.reason, name).toContain(column.reason);
    }
    const iso = (i: number) => new Date(day(i)).toISOString();
    expect(rows).toHaveLength(ROWS);
    rows.forEach((row, i) => {
      const expected = amount(i).toFixed(2);
      expect([row.fr_amount, row.in_amount, row.ch_amount, row.sv_amount, row.br_money], `row ${i}`).toEqual([
        expected,
        expected,
        expected,
        expected,
        expected,
      ]);
      expect([row.de_date, row.es_date, row.pl_date, row.ja_date], `row ${i}`).toEqual([
        iso(i).slice(0, 10),
        iso(i).slice(0, 10),
        iso(i).slice(0, 10),
        iso(i).slice(0, 10),
      ]);
      expect(row.ru_time, `row ${i}`).toBe(`${iso(i).slice(0, 10)} ${iso(i).slice(11, 16)}:00`);
    });
  });

  it('says so when one column writes month names of two languages', async () => {
    // Prepare: German dates, then French ones.
    const de = dated('de-DE', { dateStyle: 'long' });
    const fr = dated('fr-FR', { dateStyle: 'long' });
    const lines = ['id,when', ...Array.from({ length: 60 }, (_, i) => `${i},${i < 30 ? de(i) : fr(i)}`)];

    // Act
    const r = await h.run('ds/mixed.csv', `${lines.join('\n')}\n`);

    // Assess
    expect(h.reported(r, 'when')).toMatchObject({ type: 'DATE', failed: 0 });
    expect(h.reported(r, 'when').reason).toContain('month names in more than one language');
  });
});
