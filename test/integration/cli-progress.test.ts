/**
 * `sluice ingest` progress through the built CLI: on a real pseudo-terminal
 * (util-linux `script`), a line of files, bytes and rows is drawn and cleared
 * before the results; through a pipe, and with --json, stderr holds none of it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, sluice, tempDir } from '../helpers/project.js';

/** Run a shell command line on a pseudo-terminal; all it wrote (stdout and stderr share the terminal). */
function onTerminal(command: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '120' } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
}

/** What the progress line writes to go back to the line's start and clear it, as a regular expression. */
const CLEAR = '\\r\\x1b\\[2K';

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe('sluice ingest progress', () => {
  it('draws the upload and pipeline progress on a terminal, then clears it before the results', async () => {
    // Prepare
    const dir = tempDir();
    for (const name of ['a.csv', 'b.csv']) fs.writeFileSync(path.join(dir, name), 'id,x\n1,2\n2,3\n');

    // Act
    const out = await onTerminal(`${quote(process.execPath)} ${quote(CLI)} ingest a.csv b.csv --dataset t`, dir);

    // Assess
    expect(out).toContain('\r\x1b[2Kuploading 0/2 files, 0.0 of 0.0 MB');
    expect(out).toMatch(new RegExp(`${CLEAR}processing: \\d/2 files done \\(0 quarantined, 0 failed\\), \\d+ rows written`));
    // The last progress line is cleared, and the results follow on lines of their own.
    expect(out).toMatch(new RegExp(`${CLEAR}t/a\\.csv: done: 2 rows in final\\.t\\r?\\nt/b\\.csv: done: 2 rows in final\\.t`));
  });

  it('writes no progress through a pipe, nor with --json on a terminal', async () => {
    // Prepare
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,x\n1,2\n');

    // Act
    const piped = await sluice(['ingest', 'a.csv', '--dataset', 't', '--dir', dir], { cwd: dir });
    const json = await onTerminal(`${quote(process.execPath)} ${quote(CLI)} ingest a.csv --dataset u --json`, dir);

    // Assess
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('t/a.csv: done: 1 rows in final.t\n');
    expect(json).not.toContain('uploading');
    expect(json).not.toContain('processing:');
    expect(JSON.parse(json.replaceAll('\r\n', '\n'))).toEqual([
      expect.objectContaining({ key: 'u/a.csv', outcome: expect.objectContaining({ state: 'done' }) }),
    ]);
  });
});
