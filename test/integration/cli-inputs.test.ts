/**
 * `sluice ingest` (the built CLI, dist/) on the input endings beyond .csv:
 * tab- and pipe-separated files, compressed files made here by the system's
 * bzip2, xz, zstd and zip commands, and a zip it must quarantine. Tables are
 * read back in-process (catalogRows, the call `sluice query` makes).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogRows } from '../helpers/catalog-rows.js';
import { sluice, tempDir } from '../helpers/project.js';

describe('sluice ingest beyond .csv', () => {
  it('ingests a tab-separated .tab file and a bzip2-compressed CSV instead of refusing them as usage errors', async () => {
    // Prepare
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'sales.tab'), 'id\tregion\tunits\n1\tNorth\t3\n2\tSouth\t4\n');
    fs.writeFileSync(path.join(dir, 'stock.csv'), 'sku,count\nA-1,10\nB-2,0\n');
    execFileSync('bzip2', ['stock.csv'], { cwd: dir });

    // Act
    const tab = await sluice(['ingest', 'sales.tab', '--dir', dir], { cwd: dir });
    const bz2 = await sluice(['ingest', 'stock.csv.bz2', '--dir', dir], { cwd: dir });

    // Assess
    expect(tab.stderr).toBe('');
    expect(tab.code).toBe(0);
    expect(tab.stdout).toContain('sales.tab: done: 2 rows in final.sales');
    expect(bz2.stderr).toBe('');
    expect(bz2.code).toBe(0);
    expect(bz2.stdout).toContain('stock.csv.bz2: done: 2 rows in final.stock');
    expect(await catalogRows(dir, 'select * from final.sales order by id')).toEqual([
      { id: 1, region: 'North', units: 3 },
      { id: 2, region: 'South', units: 4 },
    ]);
    expect(await catalogRows(dir, 'select * from final.stock order by sku')).toEqual([
      { sku: 'A-1', count: 10 },
      { sku: 'B-2', count: 0 },
    ]);
  });

  it('ingests a folder of .psv.xz, .txt.zst and .zip files into one table', async () => {
    // Prepare
    const dir = tempDir();
    const src = path.join(dir, 'in');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'a.psv'), 'day|amount\n2024-01-01|1.5\n');
    fs.writeFileSync(path.join(src, 'b.txt'), 'day|amount\n2024-01-02|2.5\n');
    fs.writeFileSync(path.join(src, 'c.csv'), 'day|amount\n2024-01-03|3.5\n');
    execFileSync('xz', ['a.psv'], { cwd: src });
    execFileSync('zstd', ['-q', '--rm', 'b.txt'], { cwd: src });
    execFileSync('zip', ['-q', '-m', 'c.zip', 'c.csv'], { cwd: src });

    // Act
    const r = await sluice(['ingest', './in', '--dataset', 'daily', '--dir', dir], { cwd: dir });

    // Assess
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(src).sort()).toEqual(['a.psv.xz', 'b.txt.zst', 'c.zip']);
    expect(await catalogRows(dir, 'select day::varchar as day, amount from final.daily order by day')).toEqual([
      { day: '2024-01-01', amount: 1.5 },
      { day: '2024-01-02', amount: 2.5 },
      { day: '2024-01-03', amount: 3.5 },
    ]);
  });

  it('quarantines a zip of two files, naming them, and keeps the raw file', async () => {
    // Prepare
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'x\n1\n');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'x\n2\n');
    execFileSync('zip', ['-q', 'both.zip', 'a.csv', 'b.csv'], { cwd: dir });
    const bytes = fs.readFileSync(path.join(dir, 'both.zip'));

    // Act
    const r = await sluice(['ingest', 'both.zip', '--dataset', 'pairs', '--dir', dir], { cwd: dir });

    // Assess
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('pairs/both.zip: quarantined: pairs/both.zip: the zip archive holds 2 files (a.csv, b.csv)');
    const reason = JSON.parse(fs.readFileSync(path.join(dir, 'data/quarantine/pairs/both.zip.error.json'), 'utf8'));
    expect(reason.reason).toContain('a zip must hold exactly one delimited text file');
    expect(fs.readFileSync(path.join(dir, 'data/raw/pairs/both.zip')).equals(bytes)).toBe(true);
  });

  it('still refuses a file that is no input, naming the endings it takes', async () => {
    // Prepare
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'data.json'), '{}\n');

    // Act
    const r = await sluice(['ingest', 'data.json', '--dir', dir], { cwd: dir });

    // Assess
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'data.json: not an input file (expected .csv, .tsv, .tab, .txt, .psv, each optionally compressed (.gz, .bz2, .xz, .zst, .zstd), or a .zip holding one such file)',
    );
  });
});
