/**
 * Cleaning decisions of the preprocess stage that keep data unless it is
 * proven to be noise: identical rows (dropped by default only when a key
 * column shows them to be re-sends) and values differing only by case or
 * spacing (kept and reported; merged by a column's `case`). Real parts: local
 * zones in a fresh folder per test, one real DuckDB engine, the config as
 * sluice.yaml would give it.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/sample/messy-orders.js';
import { usePreprocessHarness } from '../helpers/preprocess-harness.js';

const h = usePreprocessHarness();
const run = h.run;
const readProcessed = h.rows;

const csv = (header: string, lines: string[]) => `${[header, ...lines].join('\n')}\n`;

/** Data lines repeating an earlier line, counted as the file has them. */
const identicalIn = (lines: string[]) => lines.length - new Set(lines).size;

/**
 * A survey panel without an id: year, sex, region, age, household size and
 * income (a double). Many respondents answer alike, so identical rows are
 * distinct observations; no column holds a different value for each distinct row.
 */
function panelLines(rows: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  return Array.from(
    { length: rows },
    () =>
      `${pick([2019, 2020, 2021])},${pick(['F', 'M'])},${pick(['north', 'south'])},${20 + Math.floor(rand() * 5)},${1 + Math.floor(rand() * 3)},${pick(['1.5e3', '2.25e3'])}`,
  );
}
const PANEL_HEADER = 'year,sex,region,age,household,income';

/** Orders with an id: `rows` distinct orders. */
function orderLines(rows: number): string[] {
  return Array.from({ length: rows }, (_, i) => `${1000 + i},${['DE', 'FR', 'US'][i % 3]},${(i % 7) + 1}.50,2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
}
const ORDER_HEADER = 'order_id,country,amount,day';

describe('identical rows under the default dedupe (auto)', () => {
  it('keeps every row of a panel file without a key, and says how many are identical and how to drop them', async () => {
    // Prepare
    const lines = panelLines(400, 11);
    const identical = identicalIn(lines);

    // Act
    const r = await run('panel/waves.csv', csv(PANEL_HEADER, lines));

    // Assess
    expect(identical).toBeGreaterThan(100);
    expect(r.report.rows).toMatchObject({ read: 400, duplicates: 0, written: 400 });
    expect(r.report.duplicates).toEqual({
      policy: 'auto',
      identical,
      dropped: 0,
      decision: `kept ${identical} identical rows (no column identifies a row; set datasets.panel.dedupe: exact to drop them)`,
    });
    expect(h.reported(r, 'income').type).toBe('DOUBLE');
  });

  it('drops re-sent rows of a file with an id column, keeping the first, and names the column', async () => {
    // Prepare: orders 1003, 1017 and 1042 sent again later, one of them twice.
    const lines = orderLines(60);
    const resent = [...lines.slice(0, 30), lines[3], ...lines.slice(30, 50), lines[17], lines[42], lines[3], ...lines.slice(50)] as string[];

    // Act
    const r = await run('orders/a.csv', csv(ORDER_HEADER, resent));

    // Assess
    expect(r.report.rows).toMatchObject({ read: 64, duplicates: 4, written: 60 });
    expect(r.report.duplicates).toEqual({
      policy: 'auto',
      identical: 4,
      dropped: 4,
      key: 'order_id',
      decision: 'dropped 4 exact duplicate rows: column "order_id" is unique apart from them (re-sends)',
    });
    expect((await readProcessed(r, 'order_id')).map((x) => x.order_id)).toEqual(Array.from({ length: 60 }, (_, i) => String(1000 + i)));
  });

  it('takes a key that is unique only apart from the duplicates, and no key when its value repeats on a different row', async () => {
    // Prepare: ticket repeats only on identical rows; in the second file ticket 7 also comes back corrected.
    const base = ['5,open,1', '6,open,1', '7,closed,2', '5,open,1', '8,open,2', '6,open,1'];
    const corrected = [...base, '7,open,2'];

    // Act
    const resent = await run('tickets/a.csv', csv('ticket,status,priority', base));
    const changed = await run('tickets/b.csv', csv('ticket,status,priority', corrected));

    // Assess
    expect(resent.report.duplicates).toMatchObject({ identical: 2, dropped: 2, key: 'ticket' });
    expect(await readProcessed(resent, 'ticket, status')).toEqual([
      { ticket: '5', status: 'open' },
      { ticket: '6', status: 'open' },
      { ticket: '7', status: 'closed' },
      { ticket: '8', status: 'open' },
    ]);
    expect(changed.report.duplicates).toMatchObject({ identical: 2, dropped: 0 });
    expect(changed.report.duplicates?.key).toBeUndefined();
    expect(changed.report.rows.written).toBe(7);
  });

  it('does not take a double or a decimal column as key, even when it differs on every distinct row', async () => {
    // Prepare: a measurement per distinct row (DOUBLE, then DECIMAL), and a category.
    const distinct = Array.from({ length: 20 }, (_, i) => `${['a', 'b'][i % 2]},${i + 1}.5e2,${i + 1}.25`);
    const lines = [...distinct, distinct[4], distinct[9]] as string[];

    // Act
    const r = await run('lab/a.csv', csv('grp,reading,dose', lines));

    // Assess
    expect(h.reported(r, 'reading').type).toBe('DOUBLE');
    expect(h.reported(r, 'dose').type).toMatch(/^DECIMAL/);
    expect(r.report.duplicates).toMatchObject({ policy: 'auto', identical: 2, dropped: 0 });
    expect(r.report.duplicates?.key).toBeUndefined();
    expect(r.report.rows.written).toBe(22);
  });

  it('keeps the rows of a file whose rows are all the same: no column shows what identifies a row', async () => {
    // Act
    const r = await run('same/a.csv', csv('id,v', ['1,x', '1,x', '1,x']));

    // Assess
    expect(r.report.duplicates).toMatchObject({ identical: 2, dropped: 0 });
    expect(r.report.rows.written).toBe(3);
  });

  it('reports no identical rows when there are none', async () => {
    // Act
    const r = await run('orders/b.csv', csv(ORDER_HEADER, orderLines(10)));

    // Assess
    expect(r.report.duplicates).toEqual({ policy: 'auto', identical: 0, dropped: 0, decision: 'no identical rows' });
  });

  describe('duplicates only in the last 3% of a larger file', () => {
    // 20,000 rows; the last 600 repeat early rows: re-sends of orders (with an id), or answers given again (a panel,
    // whose first 19,400 rows differ, though no single column differs on every row).
    const orders = orderLines(19_400);
    const withKey = [...orders, ...orders.slice(0, 600)];
    const answers = Array.from({ length: 19_400 }, (_, i) => `${i % 30},${Math.floor(i / 30) % 30},${Math.floor(i / 900)},${(i % 7) + 1}.5e2`);
    const panel = [...answers, ...answers.slice(0, 600)];

    it.each([
      ['with an id column the re-sends are dropped', 'orders/big.csv', ORDER_HEADER, withKey, 600, 'order_id'],
      ['without a key every row is kept', 'panel/big.csv', 'a,b,c,income', panel, 0, undefined],
    ])('%s, whether the types were decided on a sample or on the whole file', async (_, key, header, lines, dropped, idColumn) => {
      // Prepare
      const text = csv(header, lines);

      // Act
      const sampled = await run(key, text, { defaults: { typeSampleRows: 1000 } });
      const whole = await run(key, text, { defaults: { typeSampleRows: 100_000 } });

      // Assess
      expect(sampled.report.typeSample).toMatchObject({ held: true });
      expect(sampled.report.duplicates).toMatchObject({ identical: 600, dropped, ...(idColumn ? { key: idColumn } : {}) });
      expect(sampled.report.duplicates?.key).toBe(idColumn);
      expect(sampled.report.rows).toMatchObject({ read: 20_000, duplicates: dropped, written: 20_000 - dropped });
      expect(whole.report.duplicates).toEqual(sampled.report.duplicates);
      expect(whole.report.columns.map((c) => c.type)).toEqual(sampled.report.columns.map((c) => c.type));
      expect(await readProcessed(whole)).toEqual(await readProcessed(sampled));
    });
  });
});

describe('dedupe: exact and none', () => {
  it('exact drops the identical rows of a file without a key', async () => {
    // Prepare
    const lines = panelLines(300, 3);
    const identical = identicalIn(lines);

    // Act
    const r = await run('panel/a.csv', csv(PANEL_HEADER, lines), { datasets: { panel: { dedupe: 'exact' } } });

    // Assess
    expect(r.report.rows).toMatchObject({ read: 300, duplicates: identical, written: 300 - identical });
    expect(r.report.duplicates).toEqual({
      policy: 'exact',
      identical,
      dropped: identical,
      decision: `dropped ${identical} exact duplicate rows (dedupe: exact)`,
    });
    expect(await readProcessed(r, 'count(*) AS n, count(DISTINCT (year, sex, region, age, household, income)) AS d')).toEqual([
      { n: String(300 - identical), d: String(300 - identical) },
    ]);
  });

  it('none keeps the re-sent rows of a file with an id column', async () => {
    // Prepare
    const lines = orderLines(10);
    const resent = [...lines, lines[2], lines[5]] as string[];

    // Act
    const r = await run('orders/c.csv', csv(ORDER_HEADER, resent), { defaults: { dedupe: 'none' } });

    // Assess
    expect(r.report.rows).toMatchObject({ read: 12, duplicates: 0, written: 12 });
    expect(r.report.duplicates).toEqual({ policy: 'none', dropped: 0, decision: 'kept every row (dedupe: none)' });
  });
});

describe('values differing only by case or spacing', () => {
  /** 60 orders: countries in several spellings, cities with doubled spaces, and notes that differ on every row. */
  function spellings(): string[] {
    const countries = ['US', 'US', 'us', 'Us', 'FR', 'fr', 'DE', 'US', 'FR', 'DE'];
    const cities = ['New York', 'New  York', 'Paris', 'Berlin', 'Paris'];
    return Array.from({ length: 60 }, (_, i) => `${i + 1},${countries[i % countries.length]},${cities[i % cities.length]},${i % 2 ? 'Note' : 'note'} ${i}`);
  }

  it('keeps them as written and reports them for category-like columns, with the key that merges them', async () => {
    // Act
    const r = await run('orders/v.csv', csv('id,country,city,notes', spellings()));

    // Assess
    expect(await readProcessed(r, 'country, count(*)::INTEGER AS n', 'GROUP BY country ORDER BY country')).toEqual([
      { country: 'DE', n: 12 },
      { country: 'FR', n: 12 },
      { country: 'US', n: 18 },
      { country: 'Us', n: 6 },
      { country: 'fr', n: 6 },
      { country: 'us', n: 6 },
    ]);
    expect(h.reported(r, 'country').variants).toEqual({
      groups: 2,
      examples: [
        ['US', 'Us', 'us'],
        ['FR', 'fr'],
      ],
      hint: 'values differ only by case or spacing; kept as written. Set datasets.orders.columns.country.case: upper to merge them',
    });
    expect(h.reported(r, 'city').variants).toMatchObject({ groups: 1, examples: [['New  York', 'New York']] });
    expect(h.reported(r, 'city').variants?.hint).toContain('datasets.orders.columns.city.case: title');
    // Notes differ on every row: free text, not a category, whatever their case.
    expect(h.reported(r, 'notes').variants).toBeUndefined();
    expect(h.reported(r, 'id').variants).toBeUndefined();
  });

  it.each([
    ['upper', ['DE', 'FR', 'US'], ['BERLIN', 'NEW YORK', 'PARIS']],
    ['lower', ['de', 'fr', 'us'], ['berlin', 'new york', 'paris']],
    ['title', ['De', 'Fr', 'Us'], ['Berlin', 'New York', 'Paris']],
  ] as const)('case: %s merges them (spaces inside a value become one)', async (letterCase, countries, cities) => {
    // Act
    const r = await run('orders/v.csv', csv('id,country,city,notes', spellings()), {
      datasets: { orders: { columns: { country: { case: letterCase }, city: { case: letterCase } } } },
    });

    // Assess
    expect((await readProcessed(r, 'DISTINCT country', 'ORDER BY country')).map((x) => x.country)).toEqual(countries);
    expect((await readProcessed(r, 'DISTINCT city', 'ORDER BY city')).map((x) => x.city)).toEqual(cities);
    expect(h.reported(r, 'country')).toMatchObject({ case: letterCase, type: 'VARCHAR' });
    expect(h.reported(r, 'country').variants).toBeUndefined();
    expect(h.reported(r, 'city').variants).toBeUndefined();
    // A column without the option keeps its case.
    expect(await readProcessed(r, 'notes', 'LIMIT 2')).toEqual([{ notes: 'note 0' }, { notes: 'Note 1' }]);
  });

  it.each([
    ['upper', ['ÉLAN VITAL', 'ØRESUND-BRÜCKE', 'ΑΘΉΝΑ']],
    ['lower', ['élan vital', 'øresund-brücke', 'αθήνα']],
    ['title', ['Élan Vital', 'Øresund-Brücke', 'Αθήνα']],
  ] as const)('case: %s knows letters beyond ASCII', async (letterCase, expected) => {
    // Prepare
    const names = ['élan vital', 'ÉLAN  VITAL', 'Élan Vital', 'øresund-brücke', 'ØRESUND-BRÜCKE', 'αθήνα', 'ΑΘΉΝΑ'];

    // Act
    const r = await run(
      'places/a.csv',
      csv(
        'id,name',
        names.map((n, i) => `${i},${n}`),
      ),
      {
        datasets: { places: { columns: { name: { case: letterCase } } } },
      },
    );

    // Assess
    expect((await readProcessed(r, 'name')).map((x) => x.name)).toEqual([
      expected[0],
      expected[0],
      expected[0],
      expected[1],
      expected[1],
      expected[2],
      expected[2],
    ]);
  });

  it('case on a column that is not text changes nothing: dates with month names and numbers keep their types and values', async () => {
    // Act
    const r = await run('orders/d.csv', csv('id,day,qty', ['1,5 Jan 2024,3', '2,7 feb 2024,4', '3,9 MAR 2024,5']), {
      datasets: { orders: { columns: { day: { case: 'upper' }, qty: { case: 'title' } } } },
    });

    // Assess
    expect(h.reported(r, 'day').type).toBe('DATE');
    expect(h.reported(r, 'qty').type).toBe('BIGINT');
    expect(await readProcessed(r, "strftime(day, '%Y-%m-%d') AS day, qty::INTEGER AS qty")).toEqual([
      { day: '2024-01-05', qty: 3 },
      { day: '2024-02-07', qty: 4 },
      { day: '2024-03-09', qty: 5 },
    ]);
  });

  it('null tokens are matched as written, before the case changes', async () => {
    // Act
    const r = await run('orders/n.csv', csv('id,country', ['1,us', '2,NA', '3,na', '4,US']), {
      datasets: { orders: { columns: { country: { case: 'upper' } } } },
    });

    // Assess
    expect((await readProcessed(r, 'country')).map((x) => x.country)).toEqual(['US', null, 'NA', 'US']);
  });
});
