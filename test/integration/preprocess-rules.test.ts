/** Validation rules, dedupe policies, rejected cells and their line numbers, through the real CLI and sluice.yaml. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogRows } from '../helpers/catalog-rows.js';
import { sluice, sluiceJson, tempDir } from '../helpers/project.js';

function project(yaml: string, files: Record<string, string>): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const rejectsOf = (dir: string, dataset: string, file: string) =>
  fs
    .readFileSync(path.join(dir, 'data/quarantine', dataset, `${file}.rejects.csv`), 'utf8')
    .trim()
    .split('\n');

async function rows(dir: string, sql: string) {
  return catalogRows(dir, sql);
}

describe('validation rules', () => {
  it('quarantines rows that break a rule with line, column, value and reason; the rest go on', async () => {
    const dir = project(
      `datasets:
  orders:
    rules:
      - { column: amount, min: 0 }
      - { column: "Customer", required: true }
      - { column: status, allowed: [open, shipped] }
      - { column: email, regex: "[^@]+@[^@]+" }
      - { check: "amount < 1000 OR status = 'shipped'" }
`,
      {
        'orders.csv': [
          'id,Customer,amount,status,email,note',
          '1,ann,10,open,a@x.io,ok',
          '2,bob,-5,open,b@x.io,"negative',
          'amount"',
          '3,,7,open,c@x.io,no customer',
          '4,dan,8,lost,d@x.io,bad status',
          '5,eve,9,open,not-an-email,bad email',
          '6,fay,2000,open,f@x.io,too big while open',
          '7,gus,2000,shipped,g@x.io,ok big shipped',
          '',
        ].join('\n'),
      },
    );

    const r = await sluice(['ingest', 'orders.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });

    expect(r.code).toBe(0);
    expect(await rows(dir, 'select id from final.orders order by id')).toEqual([{ id: 1 }, { id: 7 }]);
    expect(rejectsOf(dir, 'orders', 'orders')).toEqual([
      'kind,line,column,value,reason',
      'rule,3,amount,-5,below the minimum 0',
      'rule,5,Customer,,required value is missing',
      'rule,6,status,lost,"not one of the allowed values (open, shipped)"',
      'rule,7,email,not-an-email,does not match the pattern [^@]+@[^@]+',
      "rule,8,,,fails the check amount < 1000 OR status = 'shipped'",
    ]);
    const report = await sluiceJson<{ report: { rows: Record<string, number> } }>(['status', 'orders/orders.csv', '--json', '--dir', dir]);
    expect(report.report.rows).toMatchObject({ read: 7, invalid: 5, written: 2 });
  });

  it('a unique rule keeps the first row with each value and rejects the repeats (exact duplicates are just dropped)', async () => {
    const dir = project('datasets:\n  people:\n    rules:\n      - { column: email, unique: true }\n', {
      'people.csv': 'email,name\na@x.io,Ann\nb@x.io,Bob\na@x.io,Ann\na@x.io,Annie\n',
    });

    await sluice(['ingest', 'people.csv', '--dir', dir], { cwd: dir });

    expect(await rows(dir, 'select name from final.people order by name')).toEqual([{ name: 'Ann' }, { name: 'Bob' }]);
    expect(rejectsOf(dir, 'people', 'people')).toEqual(['kind,line,column,value,reason', 'rule,5,email,a@x.io,repeats a value of a unique column']);
  });

  it('refuses a check expression that could read files, and names its YAML path', async () => {
    const dir = project('datasets:\n  t:\n    rules:\n      - { check: "length(read_text(\'/etc/passwd\')::VARCHAR) > 0" }\n', { 't.csv': 'a\n1\n' });

    const r = await sluice(['ingest', 't.csv', '--dir', dir], { cwd: dir });

    expect(r.code).toBe(1);
    expect(r.stdout).toContain('datasets.t.rules[0].check');
    expect(r.stdout).toContain('read_text() is not allowed');
  });

  it('a rule on a column the file lacks quarantines the file with a did-you-mean', async () => {
    const dir = project('datasets:\n  t:\n    rules:\n      - { column: amout, min: 0 }\n', { 't.csv': 'amount\n1\n' });

    const r = await sluice(['ingest', 't.csv', '--dir', dir], { cwd: dir });

    expect(r.code).toBe(1);
    expect(r.stdout).toContain('names column "amout", which this file does not have (did you mean "amount"?)');
  });
});

describe('dedupe policies', () => {
  it('keeps the last row per key when asked', async () => {
    const dir = project('datasets:\n  prices:\n    dedupe: { keys: [sku], keep: last }\n', { 'prices.csv': 'sku,price\nA,1\nB,2\nA,3\n' });

    await sluice(['ingest', 'prices.csv', '--dir', dir], { cwd: dir });

    expect(await rows(dir, 'select sku, price from final.prices order by sku')).toEqual([
      { sku: 'A', price: 3 },
      { sku: 'B', price: 2 },
    ]);
  });

  it('keeps the identical rows of a file without a key by default, says so, and drops them with dedupe: exact', async () => {
    const panel = 'wave,sex,age\n1,F,30\n1,F,30\n1,M,30\n2,F,31\n2,F,31\n2,M,31\n';
    const dir = project('', { 'panel.csv': panel });
    const exactDir = project('datasets:\n  panel:\n    dedupe: exact\n', { 'panel.csv': panel });

    const r = await sluice(['ingest', 'panel.csv', '--dir', dir], { cwd: dir });
    const exact = await sluice(['ingest', 'panel.csv', '--dir', exactDir], { cwd: exactDir });

    expect(r.stdout).toBe('panel.csv: done: 6 rows in final.panel, 2 identical rows kept (no column identifies a row; see the report)\n');
    const status = await sluiceJson<{ report: { duplicates: { decision: string } } }>(['status', 'panel.csv', '--json', '--dir', dir]);
    expect(status.report.duplicates.decision).toBe('kept 2 identical rows (no column identifies a row; set datasets.panel.dedupe: exact to drop them)');
    expect(exact.stdout).toBe('panel.csv: done: 4 rows in final.panel, 2 duplicates dropped\n');
    expect(await rows(exactDir, 'select count(*) as n from final.panel')).toEqual([{ n: 4 }]);
  });

  it('keeps exact duplicates with dedupe: none', async () => {
    const dir = project('defaults:\n  dedupe: none\n', { 'd.csv': 'a,b\n1,2\n1,2\n' });
    await sluice(['ingest', 'd.csv', '--dir', dir], { cwd: dir });
    expect(await rows(dir, 'select count(*) as n from final.d')).toEqual([{ n: 2 }]);
  });
});

describe('rejected cells', () => {
  it('lists values that did not fit the column type at their physical line, after multi-line records', async () => {
    const lines = ['id,qty,note'];
    for (let i = 1; i <= 60; i++) lines.push(i === 2 ? `${i},5,"spans\ntwo lines"` : `${i},${i === 40 ? 'lots' : i},x`);
    const dir = project('', { 'q.csv': `${lines.join('\n')}\n` });

    await sluice(['ingest', 'q.csv', '--dir', dir], { cwd: dir });

    const table = await sluiceJson<{ columns: { name: string; type: string }[] }>(['catalog', 'show', 'final.q', '--json', '--dir', dir]);
    expect(table.columns.find((c) => c.name === 'qty')?.type).toBe('BIGINT');
    // Row 40 starts on physical line 42: the header, then row 2 takes two lines.
    expect(rejectsOf(dir, 'q', 'q')).toEqual(['kind,line,column,value,reason', 'cell,42,qty,lots,not a valid integer (BIGINT)']);
    expect(await rows(dir, 'select qty from final.q where id = 40')).toEqual([{ qty: null }]);
  });

  it('keeps such a column as text with typeOutliers: text', async () => {
    const lines = ['id,qty', ...Array.from({ length: 60 }, (_, i) => `${i + 1},${i === 39 ? 'lots' : i}`)];
    const dir = project('defaults:\n  typeOutliers: text\n', { 'q.csv': `${lines.join('\n')}\n` });

    await sluice(['ingest', 'q.csv', '--dir', dir], { cwd: dir });

    const table = await sluiceJson<{ columns: { name: string; type: string }[] }>(['catalog', 'show', 'final.q', '--json', '--dir', dir]);
    expect(table.columns.find((c) => c.name === 'qty')?.type).toBe('VARCHAR');
    expect(fs.existsSync(path.join(dir, 'data/quarantine/q/q.rejects.csv'))).toBe(false);
  });
});
