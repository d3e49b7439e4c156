/**
 * The whole pipeline through the real CLI in temp folders: ingest → catalog → final → query. Tables are read back
 * in-process (catalogRows, the call `sluice query` makes) except where `sluice query` itself is under test.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/core/errors.js';
import { runReadOnlyQuery } from '../../src/engine/query.js';
import type { PreprocessReport } from '../../src/stages/preprocess/report.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { sluice, sluiceJson, stateRows, tempDir, writeSample } from '../helpers/project.js';

interface Column {
  name: string;
  type: string;
}

/** What `p` rejected with; undefined when it resolved. */
function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (err: unknown) => err,
  );
}

async function count(dir: string, sql: string): Promise<number> {
  const rows = await catalogRows<{ n: number }>(dir, sql);
  return rows[0]?.n as number;
}

describe('sluice ingest on an empty folder', () => {
  it('takes a messy CSV to a typed, deduplicated final table and returns when it is there', async () => {
    const dir = tempDir();
    const stats = writeSample(path.join(dir, 'in/orders.csv'), { rows: 400, seed: 3 });

    const r = await sluice(['ingest', 'in/orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`orders/orders.csv: done: ${stats.expectedRows} rows in final.orders, ${stats.ragged} rows rejected`);
    expect(await count(dir, 'select count(*) as n from final.orders')).toBe(stats.expectedRows);
    expect(await count(dir, 'select count(distinct order_id) as n from final.orders')).toBe(stats.expectedRows);

    const table = await sluiceJson<{ columns: Column[]; rows: number }>(['catalog', 'show', 'processed.orders', '--json', '--dir', dir]);
    expect(Object.fromEntries(table.columns.map((c) => [c.name, c.type]))).toEqual({
      order_id: 'BIGINT',
      customer_code: 'VARCHAR',
      order_date: 'DATE',
      amount: 'DECIMAL(18,2)',
      quantity: 'BIGINT',
      country: 'VARCHAR',
      paid: 'BOOLEAN',
      // Whole percentages as fractions, at the percentage step of 4 places (core/infer.ts decimalType).
      discount: 'DECIMAL(18,4)',
      zip: 'VARCHAR',
      created_at: 'TIMESTAMP',
      notes: 'VARCHAR',
    });
    expect(table.rows).toBe(stats.expectedRows);
  });

  it('cleans values: codes keep leading zeros, whitespace trimmed, null tokens are NULL, quoted newlines kept', async () => {
    const dir = tempDir();
    writeSample(path.join(dir, 'orders.csv'), { rows: 300, seed: 5 });
    await sluice(['ingest', 'orders.csv', '--dir', dir], { cwd: dir });

    expect(await count(dir, "select count(*) as n from final.orders where customer_code like '0%'")).toBeGreaterThan(0);
    expect(await count(dir, 'select count(*) as n from final.orders where length(zip) <> 5')).toBe(0);
    expect(await count(dir, 'select count(*) as n from final.orders where country <> trim(country)')).toBe(0);
    expect(await count(dir, "select count(*) as n from final.orders where notes in ('N/A', 'NA', '-', 'null', '')")).toBe(0);
    expect(await count(dir, "select count(*) as n from final.orders where notes like '%' || chr(10) || '%'")).toBeGreaterThan(0);
    expect(await count(dir, 'select count(*) as n from final.orders where amount < 0')).toBeGreaterThan(0);
    expect(await count(dir, 'select count(*) as n from final.orders where discount > 1')).toBe(0);
  });

  it('parses the sample values exactly', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sales.csv'), 'id;Amount (EUR);Day;Ok\n1;"1.234,50";13/05/2024;ja\n2;(12,00);01/02/2024;nein\n3;7;2024-02-29;\n');

    const r = await sluice(['ingest', 'sales.csv', '--dir', dir], { cwd: dir });

    expect(r.code).toBe(0);
    const rows = await catalogRows(dir, 'select * from final.sales order by id');
    expect(rows).toEqual([
      { id: 1, amount_eur: 1234.5, day: '2024-05-13', ok: true },
      { id: 2, amount_eur: -12, day: '2024-02-01', ok: false },
      { id: 3, amount_eur: 7, day: '2024-02-29', ok: null },
    ]);
  });

  it('trims spaces, tabs, no-break spaces and stray BOMs around values, keeping inner whitespace', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'w.csv'), 'id,name\n1,"\t Ann Lee \t"\n2,\u00a0Bob\u202f\n3,\ufeffCy\n4,"  -  "\n');

    await sluice(['ingest', 'w.csv', '--dir', dir], { cwd: dir });

    const rows = await catalogRows(dir, 'select id, name from final.w order by id');
    expect(rows).toEqual([
      { id: 1, name: 'Ann Lee' },
      { id: 2, name: 'Bob' },
      { id: 3, name: 'Cy' },
      { id: 4, name: null },
    ]);
  });

  it('re-ingesting the same file changes nothing; a changed file replaces exactly its rows', async () => {
    const dir = tempDir();
    writeSample(path.join(dir, 'a/orders.csv'), { rows: 200, seed: 1 });
    const b = writeSample(path.join(dir, 'b/orders.csv'), { rows: 120, seed: 2 });
    const other = writeSample(path.join(dir, 'other.csv'), { rows: 50, seed: 9 });
    await sluice(['ingest', 'a/orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });
    await sluice(['ingest', 'other.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });
    const runsBefore = stateRows<{ n: number }>(dir, 'select count(*) as n from runs')[0]?.n;

    await sluice(['ingest', 'a/orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });
    expect(stateRows<{ n: number }>(dir, 'select count(*) as n from runs')[0]?.n).toBe(runsBefore);

    const r = await sluice(['ingest', 'b/orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });
    expect(r.code).toBe(0);
    expect(await count(dir, 'select count(*) as n from final.orders')).toBe(b.expectedRows + other.expectedRows);
    expect(await count(dir, 'select count(*) as n from processed.orders')).toBe(b.expectedRows + other.expectedRows);
  });

  it('quarantines a file that is not text, with its reason, and exits 1; raw stays untouched', async () => {
    const dir = tempDir();
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    fs.writeFileSync(path.join(dir, 'blob.csv'), garbage);

    const r = await sluice(['ingest', 'blob.csv', '--dataset', 'junk', '--dir', dir], { cwd: dir });

    expect(r.code).toBe(1);
    expect(r.stdout).toContain('junk/blob.csv: quarantined: junk/blob.csv: not a text file');
    const reason = JSON.parse(fs.readFileSync(path.join(dir, 'data/quarantine/junk/blob.csv.error.json'), 'utf8'));
    expect(reason.reason).toContain('not a text file');
    expect(fs.readFileSync(path.join(dir, 'data/raw/junk/blob.csv')).equals(garbage)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'data/quarantine/junk/blob.csv')).equals(garbage)).toBe(true);
  });

  it('writes rejected rows with their line numbers and reasons to quarantine', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'm.csv'), 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');

    const r = await sluice(['ingest', 'm.csv', '--dir', dir], { cwd: dir });

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('m.csv: done: 2 rows in final.m, 2 rows rejected');
    const rejects = fs.readFileSync(path.join(dir, 'data/quarantine/m/m.rejects.csv'), 'utf8');
    expect(rejects.split('\n')).toEqual([
      'kind,line,column,value,reason',
      'row,3,,"4,5",MISSING COLUMNS: Expected Number of Columns: 3 Found: 2',
      'row,4,,"6,7,8,9",TOO MANY COLUMNS: Expected Number of Columns: 3 Found: 4',
      '',
    ]);
  });

  it('reports each file with its decisions through sluice status', async () => {
    const dir = tempDir();
    writeSample(path.join(dir, 'orders.csv'), { rows: 100, seed: 4 });
    await sluice(['ingest', 'orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });

    const list = await sluiceJson<{ key: string; outcome: { state: string } }[]>(['status', '--json', '--dir', dir]);
    const one = await sluiceJson<{
      report: { dialect: { delimiter: string }; columns: { name: string; original: string; reason: string }[] };
      runs: { stage: string; status: string }[];
    }>(['status', 'orders/orders.csv', '--json', '--dir', dir]);

    expect(list).toEqual([expect.objectContaining({ key: 'orders/orders.csv', outcome: expect.objectContaining({ state: 'done' }) })]);
    expect(one.runs.map((r) => [r.stage, r.status])).toEqual([
      ['preprocess', 'succeeded'],
      ['crawl', 'succeeded'],
      ['publish', 'succeeded'],
    ]);
    expect(one.report.dialect.delimiter).toBe(',');
    expect(one.report.columns.find((c) => c.name === 'zip')?.reason).toContain('leading zeros');
    expect(one.report.columns.find((c) => c.name === 'paid')?.original).toBe('Paid?');
  });

  it('keeps folder paths as keys and turns key=value folders into partition columns', async () => {
    const dir = tempDir();
    for (const [y, m] of [
      ['2024', '01'],
      ['2024', '02'],
    ]) {
      fs.mkdirSync(path.join(dir, `metrics/year=${y}/month=${m}`), { recursive: true });
      fs.writeFileSync(path.join(dir, `metrics/year=${y}/month=${m}/a.csv`), `host,value\nweb1,${Number(m)}.5\nweb2,3\n`);
    }

    const r = await sluice(['ingest', './metrics', '--dir', dir], { cwd: dir });

    expect(r.stdout).toContain('metrics/year=2024/month=01/a.csv: done');
    const table = await sluiceJson<{ partitionKeys: Column[] }>(['catalog', 'show', 'final.metrics', '--json', '--dir', dir]);
    expect(table.partitionKeys).toEqual([
      expect.objectContaining({ name: 'year', type: 'BIGINT' }),
      expect.objectContaining({ name: 'month', type: 'BIGINT' }),
    ]);
    const rows = await catalogRows(dir, 'select month, sum(value) as v from final.metrics group by month order by month');
    expect(rows).toEqual([
      { month: 1, v: 4.5 },
      { month: 2, v: 5.5 },
    ]);
  });
});

describe('sluice query is read-only', () => {
  const hostile = [
    ["COPY (select 1) TO '/tmp/x.csv'", /only SELECT|not allowed/],
    ["ATTACH '/tmp/other.db' AS o", /only SELECT|not allowed/],
    ['create table t as select 1', /only SELECT/],
    ["select * from read_csv('/etc/passwd')", /not allowed/],
    ["select * from read_text('/etc/hostname')", /not allowed/],
    ['select 1; select 2', /exactly one statement/],
    ['install httpfs', /only SELECT/],
    ["select * from glob('/etc/*')", /not allowed/],
    ['set enable_external_access = true', /only SELECT/],
    ['selec 1', /does not parse/],
  ] as const;

  // The refusals are the query engine's, checked in-process as \`sluice query\` runs them (over an empty project's
  // zones); one goes through the CLI for its exit code and message.
  it.each(hostile)('refuses %s', async (sql, message) => {
    const data = path.join(tempDir(), 'data');
    const opts = { limit: 10_000, timeoutMs: 30_000, allowedDirs: [path.join(data, 'processed'), path.join(data, 'final')] };

    const err = await rejectionOf(runReadOnlyQuery([], sql, opts));

    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).exitCode).toBe(1);
    expect((err as QueryError).message).toMatch(message);
  });

  it('exits 1 with the reason when it refuses a query', async () => {
    const [sql, message] = hostile[0];
    const r = await sluice(['query', sql, '--dir', tempDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('refuses paths outside the catalog even beside real tables, and stops a query that runs too long', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 't.csv'), 'n\n1\n2\n3\n');
    await sluice(['ingest', 't.csv', '--dir', dir], { cwd: dir });
    const processed = path.join(dir, 'data/processed');
    const attempts = [
      `select * from read_csv('${path.join(dir, 'data/raw/t.csv')}')`,
      `select * from read_text('${processed}/../../sluice.yaml')`,
      `select * from read_text('${processed}/../.sluice/state.db')`,
      `select * from read_parquet('${processed}/../../../../../../etc/passwd')`,
      `select * from final.t, read_csv('/etc/passwd')`,
      `with x as (select * from read_text('/etc/hostname')) select * from x`,
    ];

    // Refused in-process by the call sluice query makes (the CLI's own refusal is the test above).
    const refused = [];
    for (const sql of attempts) refused.push(await rejectionOf(catalogRows(dir, sql)));
    const slow = await sluice(['query', 'select count(*) from range(100000000000) a, range(100000000000) b', '--timeout', '300', '--dir', dir]);
    const fine = await sluiceJson<{ n: number }[]>(['query', 'select sum(n) as n from final.t', '--format', 'json', '--dir', dir]);

    for (const err of refused) {
      expect(err).toBeInstanceOf(QueryError);
      expect((err as QueryError).message).toMatch(/not allowed/);
    }
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain('ran longer than 300 ms and was stopped');
    expect(fine).toEqual([{ n: 6 }]);
  });

  it('writes --format csv with formula-looking text neutralised and negative numbers untouched', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 't.csv'), 'name,n\n=1+2,-5\n@x,3\nplain,-1\n');
    await sluice(['ingest', 't.csv', '--dir', dir], { cwd: dir });

    const r = await sluice(['query', 'select name, n from final.t order by n', '--format', 'csv', '--dir', dir]);

    expect(r.code).toBe(0);
    expect(r.stdout).toBe("name,n\n'=1+2,-5\nplain,-1\n'@x,3\n");
  });

  it('names the tables that exist when a table is unknown, and limits rows', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 't.csv'), 'n\n1\n2\n3\n');
    await sluice(['ingest', 't.csv', '--dir', dir], { cwd: dir });

    const unknown = await sluice(['query', 'select * from final.nope', '--dir', dir]);
    const limited = await sluice(['query', 'select * from final.t order by n', '--limit', '2', '--format', 'csv', '--dir', dir]);

    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/nope/);
    expect(limited.stdout).toBe('n\n1\n2\n');
    expect(limited.stderr).toContain('showing the first 2 rows');
  });
});

describe('usage and configuration errors', () => {
  it('exits 2 with the YAML path and line of a bad key', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), 'datasets:\n  orders:\n    columns:\n      amount: { type: money }\n');
    const r = await sluice(['status', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('datasets.orders.columns.amount.type (line 4): unknown type');
  });

  it('exits 2 on an unknown command or flag', async () => {
    expect((await sluice(['frobnicate'])).code).toBe(2);
    const r = await sluice(['ingest', '--bogus', 'x.csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--bogus');
  });
});

describe('npm start (sluice demo)', () => {
  it('processes the bundled sample and says where to look', async () => {
    const dir = tempDir();

    const r = await sluice(['demo', '--no-serve', '--port', '0', '--dir', dir]);

    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/orders\/orders-2024\.csv: done: \d+ rows in final\.orders, 20 rows rejected, \d+ duplicates dropped/);
    expect(r.stdout).toContain('catalog: final.orders (version 1)');
    expect(r.stdout).toContain(`catalog show final.orders --dir ${dir}`);
    expect(r.stdout).toMatch(/web app {7}http:\/\/127\.0\.0\.1:\d+/);
    expect(fs.existsSync(path.join(dir, 'data/final/orders/orders-2024.parquet'))).toBe(true);
    // The sample writes "US" and "us": the demo's sluice.yaml makes them one country, and its order ids show the repeated rows to be re-sends.
    expect(await catalogRows(dir, 'select distinct country from final.orders order by country')).toEqual(
      ['DE', 'ES', 'FR', 'GB', 'IT', 'NL', 'US'].map((country) => ({ country })),
    );
    const status = await sluiceJson<{ report: PreprocessReport }>(['status', 'orders/orders-2024.csv', '--json', '--dir', dir]);
    expect(status.report.columns.find((c) => c.name === 'country')).toMatchObject({ case: 'upper' });
    expect(status.report.columns.find((c) => c.name === 'country')?.variants).toBeUndefined();
    expect(status.report.duplicates).toMatchObject({ policy: 'auto', key: 'order_id', dropped: status.report.rows.duplicates });
    expect(status.report.rows.duplicates).toBeGreaterThan(0);
  });
});

describe('a title above the table', () => {
  it('skips lines above the header, reads the table, and numbers rejected lines as in the file', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'report.csv'), 'Sales report\nGenerated 2024-03-01\n\nregion;units;price\nNorth;3;"1,50"\nSouth;4\nEast;5;"2,00"\n');

    const r = await sluice(['ingest', 'report.csv', '--dir', dir], { cwd: dir });

    expect(r.stdout).toBe('report.csv: done: 2 rows in final.report, 1 rows rejected\n');
    const rows = await catalogRows(dir, 'select * from final.report order by region');
    expect(rows).toEqual([
      { region: 'East', units: 5, price: 2 },
      { region: 'North', units: 3, price: 1.5 },
    ]);
    const rejects = fs.readFileSync(path.join(dir, 'data/quarantine/report/report.rejects.csv'), 'utf8');
    expect(rejects).toBe('kind,line,column,value,reason\nrow,6,,South;4,MISSING COLUMNS: Expected Number of Columns: 3 Found: 2\n');
    const report = await sluiceJson<{ report: { dialect: { skipLines: number; delimiter: string } } }>(['status', 'report.csv', '--json', '--dir', dir]);
    expect(report.report.dialect).toMatchObject({ skipLines: 3, delimiter: ';' });
  });
});

describe('two raw files with one output key', () => {
  it('quarantines the second (x.csv.gz after x.csv) instead of overwriting the first one’s rows', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'x.csv'), 'id\n1\n2\n');
    fs.writeFileSync(path.join(dir, 'x.csv.gz'), zlib.gzipSync('id\n7\n8\n9\n'));

    await sluice(['ingest', 'x.csv', '--dir', dir], { cwd: dir });
    const second = await sluice(['ingest', 'x.csv.gz', '--dir', dir], { cwd: dir });

    expect(second.code).toBe(1);
    expect(second.stdout).toContain('already holds the data of x.csv; rename one of the two files');
    expect(await count(dir, 'select count(*) as n from final.x')).toBe(2);
    expect(await count(dir, 'select sum(id) as n from final.x')).toBe(3);
  });
});
