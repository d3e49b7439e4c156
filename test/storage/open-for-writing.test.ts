/** The open-for-writing probe, against real child processes holding files open. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openForWriting } from '../../src/storage/local/open-for-writing.js';

/** A node child that opens `file` with `flags`, says "open", and keeps it open until its stdin closes. */
async function holder(file: string, flags: string): Promise<ChildProcess> {
  const script = `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(file)}, ${JSON.stringify(flags)}); process.stdout.write('open'); process.stdin.on('end', () => { fs.closeSync(fd); process.exit(0); }); process.stdin.resume();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  await exited;
}

describe.runIf(process.platform === 'linux')('openForWriting (Linux /proc)', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-open-'));
  });

  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the files another process holds open for writing or appending, and only those', async () => {
    // Prepare
    const [written, appended, readOnly, untouched] = ['w.csv', 'a.csv', 'r.csv', 'u.csv'].map((n) => path.join(dir, n)) as [string, string, string, string];
    for (const f of [appended, readOnly, untouched]) fs.writeFileSync(f, 'x\n');
    children.push(await holder(written, 'w'), await holder(appended, 'a'), await holder(readOnly, 'r'));

    // Act
    const open = await openForWriting([written, appended, readOnly, untouched]);

    // Assess
    expect([...open].sort()).toEqual([appended, written].sort());
  });

  it('stops naming a file once its writer has closed it', async () => {
    // Prepare
    const file = path.join(dir, 'x.csv');
    fs.writeFileSync(file, 'x\n');
    const child = await holder(file, 'r+');
    const before = await openForWriting([file]);

    // Act
    await release(child);
    const after = await openForWriting([file]);

    // Assess
    expect([...before]).toEqual([file]);
    expect([...after]).toEqual([]);
  });

  it('finds a file asked about through a symbolic link to its folder', async () => {
    // Prepare
    const real = path.join(dir, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(dir, 'link'));
    children.push(await holder(path.join(real, 'x.csv'), 'w'));
    const viaLink = path.join(dir, 'link', 'x.csv');

    // Act
    const open = await openForWriting([viaLink]);

    // Assess
    expect([...open]).toEqual([viaLink]);
  });
});
