/**
 * `sluice logs` through the built CLI over a real project: the runs' log
 * lines with their run, stage and file, filtered by run or by raw file, as
 * JSON lines, and followed while another process writes more.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, sluice, stateRows, tempDir, waitFor } from '../helpers/project.js';

interface Line {
  id: number;
  run: number;
  stage?: string;
  subject?: string;
  file?: string;
  level: string;
  message: string;
}

async function ingested(files: Record<string, string>): Promise<string> {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const r = await sluice(['ingest', ...Object.keys(files), '--dataset', 'orders', '--dir', dir], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

describe('sluice logs', () => {
  it('prints every run line with its run, stage and file, and filters by file and by run', async () => {
    // Prepare
    const dir = await ingested({ 'a.csv': 'id,x\n1,2\n', 'b.csv': 'id,x\n3,4\n' });
    const runs = stateRows<{ id: number; stage: string; root_key: string }>(dir, 'SELECT id, stage, root_key FROM runs ORDER BY id');

    // Act
    const all = await sluice(['logs', '--dir', dir, '--json']);
    const text = await sluice(['logs', '--dir', dir]);
    const ofA = await sluice(['logs', '--file', 'orders/a.csv', '--dir', dir, '--json']);
    const first = runs[0] as { id: number; stage: string; root_key: string };
    const ofRun = await sluice(['logs', '--run', String(first.id), '--dir', dir, '--json']);
    const last2 = await sluice(['logs', '--limit', '2', '--dir', dir, '--json']);

    // Assess
    const lines = jsonLines(all.stdout);
    expect(new Set(lines.map((l) => l.run))).toEqual(new Set(runs.map((r) => r.id)));
    for (const l of lines) {
      const run = runs.find((r) => r.id === l.run);
      expect(l).toMatchObject({ stage: run?.stage, file: run?.root_key });
    }
    expect(lines.map((l) => l.id)).toEqual([...lines.map((l) => l.id)].sort((x, y) => x - y));
    expect(text.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z info {2}run \d+ preprocess orders\/a\.csv: run\.succeeded /m);
    const a = jsonLines(ofA.stdout);
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((l) => l.file === 'orders/a.csv')).toBe(true);
    expect(lines.filter((l) => l.file === 'orders/a.csv')).toEqual(a);
    expect(jsonLines(ofRun.stdout).every((l) => l.run === first.id)).toBe(true);
    expect(jsonLines(last2.stdout)).toEqual(lines.slice(-2));
  });

  it('follows: lines written by another process after it started are printed, until it is stopped', async () => {
    // Prepare
    const dir = await ingested({ 'a.csv': 'id,x\n1,2\n' });
    const child = spawn(process.execPath, [CLI, 'logs', '--follow', '--json', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    await waitFor('the first lines', () => (out.includes('orders/a.csv') ? true : undefined));

    // Act
    fs.writeFileSync(path.join(dir, 'b.csv'), 'id,x\n3,4\n');
    const more = await sluice(['ingest', 'b.csv', '--dataset', 'orders', '--dir', dir], { cwd: dir });
    await waitFor('the new file in the followed lines', () => (out.includes('orders/b.csv') ? true : undefined));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    // Assess
    expect(more.code).toBe(0);
    expect(await exited).toBe(0);
    const ids = jsonLines(out).map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses --run with --file, and a run that is no number', async () => {
    // Act
    const both = await sluice(['logs', '--run', '1', '--file', 'x.csv', '--dir', tempDir()]);
    const word = await sluice(['logs', '--run', 'last', '--dir', tempDir()]);

    // Assess
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('logs: give --run or --file, not both');
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('logs: --run takes a whole number above 0, not "last"');
  });
});
