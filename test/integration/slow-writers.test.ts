/**
 * Files written slowly into the watched raw folder (a slow copy, an FTP or
 * network-share upload), and files that change while they are processed:
 * only whole files reach `final`, each once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Started, sluice, sluiceJson, startSluice, stateRows, stopSluice, tempDir, waitFor } from '../helpers/project.js';

/** `rows` CSV lines of `id,label`, numbered from `from`. */
function rows(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `${from + i},row ${from + i}\n`).join('');
}

/**
 * A node child writing `chunks` to `file` with `pauseMs` between them: with
 * `keepOpen` through one open descriptor (a copy that stalls), otherwise
 * opening and closing the file for each chunk (a transfer that resumes).
 */
function slowWriter(file: string, chunks: string[], pauseMs: number, keepOpen: boolean): ChildProcess {
  const script = `
    const fs = require('fs');
    const [file, chunks, pause, keepOpen] = JSON.parse(process.argv[1]);
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      const fd = keepOpen ? fs.openSync(file, 'w') : undefined;
      for (const [i, chunk] of chunks.entries()) {
        if (i > 0) await sleep(pause);
        if (keepOpen) fs.writeSync(fd, chunk); else fs.appendFileSync(file, chunk);
      }
      if (keepOpen) fs.closeSync(fd);
    })();`;
  return spawn(process.execPath, ['-e', script, JSON.stringify([file, chunks, pauseMs, keepOpen])], { stdio: 'inherit' });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', resolve));
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function api<T>(server: Started, method: string, route: string, body?: object): Promise<T> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return (await res.json()) as T;
}

/** How many table.updated events the state database holds for `table`. */
function tableUpdates(dir: string, table: string): number {
  return (
    stateRows<{ n: number }>(dir, `SELECT count(*) AS n FROM events WHERE type = 'table.updated' AND json_extract(payload, '$.table') = ?`, table)[0]?.n ?? 0
  );
}

describe('the watched raw folder and slow writers (defaults.settleMs 2000)', () => {
  it('publishes only the whole file, once, whether the writer closes the file between chunks or holds it open through a long pause', async () => {
    // Prepare
    const dir = tempDir();
    const server = await startSluice(dir);
    const raw = path.join(dir, 'data/raw');
    fs.mkdirSync(path.join(raw, 'resumed'), { recursive: true });
    fs.mkdirSync(path.join(raw, 'stalled'), { recursive: true });
    fs.mkdirSync(path.join(raw, 'renamed'), { recursive: true });
    const resumed = path.join(raw, 'resumed/a.csv');
    const stalled = path.join(raw, 'stalled/b.csv');
    const partial = path.join(raw, 'renamed/c.csv.part');
    try {
      // Act: pauses longer than the old 150 ms threshold but shorter than the settle time,
      // and one pause longer than the settle time with the file held open.
      const writers = [
        slowWriter(resumed, [`id,label\n${rows(1, 100)}`, rows(101, 100), rows(201, 100)], 400, false),
        slowWriter(stalled, [`id,label\n${rows(1, 100)}`, rows(101, 100)], 3_000, true),
        slowWriter(partial, [`id,label\n${rows(1, 50)}`, rows(51, 50)], 400, false),
      ];
      expect(await Promise.all(writers.map(exited))).toEqual([0, 0, 0]);
      fs.renameSync(partial, path.join(raw, 'renamed/c.csv'));
      const done = async (key: string, file: string) => {
        const whole = sha256(file);
        return waitFor(`${key} to be done in its whole version`, async () => {
          const status = await api<{ sha256?: string; outcome?: { state: string } }>(server, 'GET', `/api/status/${key}`);
          return status.sha256 === whole && status.outcome?.state === 'done' ? status : undefined;
        });
      };
      await done('resumed/a.csv', resumed);
      await done('stalled/b.csv', stalled);
      await done('renamed/c.csv', path.join(raw, 'renamed/c.csv'));
      const count = async (table: string) => (await api<{ rows: number[][] }>(server, 'POST', '/api/query', { sql: `select count(*) from ${table}` })).rows;

      // Assess
      expect(await count('final.resumed')).toEqual([[300]]);
      expect(await count('final.stalled')).toEqual([[200]]);
      expect(await count('final.renamed')).toEqual([[100]]);
      expect(tableUpdates(dir, 'final.resumed')).toBe(1);
      expect(tableUpdates(dir, 'final.stalled')).toBe(1);
      expect(tableUpdates(dir, 'final.renamed')).toBe(1);
      expect(stateRows(dir, `SELECT key FROM raw_objects WHERE key LIKE '%.part'`)).toEqual([]);
      expect(server.output()).not.toContain('c.csv.part');
    } finally {
      await stopSluice(server);
    }
  }, 60_000);
});

describe('the start-up scan and files still being written', () => {
  it('takes a finished file at once and waits for the writer of one still open when sluice start comes up', async () => {
    // Prepare
    const dir = tempDir();
    const raw = path.join(dir, 'data/raw');
    fs.mkdirSync(path.join(raw, 'ready'), { recursive: true });
    fs.mkdirSync(path.join(raw, 'copying'), { recursive: true });
    fs.writeFileSync(path.join(raw, 'ready/a.csv'), `id,label\n${rows(1, 10)}`);
    const copying = path.join(raw, 'copying/b.csv');
    const writer = slowWriter(copying, [`id,label\n${rows(1, 100)}`, rows(101, 100)], 3_000, true);
    await waitFor('the writer to start', () => (fs.existsSync(copying) && fs.statSync(copying).size > 0 ? true : undefined));

    // Act
    const server = await startSluice(dir);
    try {
      expect(await exited(writer)).toBe(0);
      const whole = sha256(copying);
      await waitFor('copying/b.csv to be done in its whole version', async () => {
        const status = await api<{ sha256?: string; outcome?: { state: string } }>(server, 'GET', '/api/status/copying/b.csv');
        return status.sha256 === whole && status.outcome?.state === 'done' ? true : undefined;
      });

      await waitFor('ready/a.csv to be done', async () => {
        const status = await api<{ outcome?: { state: string } }>(server, 'GET', '/api/status/ready/a.csv');
        return status.outcome?.state === 'done' ? true : undefined;
      });

      // Assess
      expect(tableUpdates(dir, 'final.ready')).toBe(1);
      expect(tableUpdates(dir, 'final.copying')).toBe(1);
      expect((await api<{ rows: number[][] }>(server, 'POST', '/api/query', { sql: 'select count(*) from final.copying' })).rows).toEqual([[200]]);
    } finally {
      await stopSluice(server);
    }
  }, 60_000);
});

describe('a raw file that changes while it is processed', () => {
  it('is not published half: the run ends superseded, writes nothing, and the new version is processed', async () => {
    // Prepare
    const dir = tempDir();
    const file = path.join(dir, 'data/raw/live/a.csv');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `id,label\n${rows(1, 3)}`);
    const pauseFile = path.join(dir, 'paused');
    const running = sluice(['run', '--dir', dir], { env: { SLUICE_PAUSE_AT: 'preprocess.read', SLUICE_PAUSE_FILE: pauseFile } });
    await waitFor('preprocess to have read the file', () => (fs.existsSync(pauseFile) ? true : undefined), 30_000);

    // Act: the writer adds rows after the file was read, before anything was written
    fs.appendFileSync(file, rows(4, 2));
    fs.rmSync(pauseFile);
    const r = await running;

    // Assess
    expect(r.code, r.stderr).toBe(0);
    const preprocessRuns = stateRows<{ status: string; result: string }>(dir, `SELECT status, result FROM runs WHERE stage = 'preprocess' ORDER BY id`);
    expect(preprocessRuns.map((x) => x.status)).toEqual(['superseded', 'succeeded']);
    expect(JSON.parse(preprocessRuns[0]?.result ?? '{}')).toMatchObject({ superseded: true, reason: 'raw object changed while it was read' });
    expect(stateRows(dir, `SELECT stage FROM runs WHERE stage <> 'preprocess' AND root_hash <> ?`, sha256(file))).toEqual([]);
    expect(tableUpdates(dir, 'final.live')).toBe(1);
    expect(tableUpdates(dir, 'processed.live')).toBe(1);
    expect(await sluiceJson<{ n: number }[]>(['query', 'select count(*) as n from final.live', '--format', 'json', '--dir', dir])).toEqual([{ n: 5 }]);
  }, 60_000);
});
