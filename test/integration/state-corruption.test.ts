/**
 * A damaged state database, through the real CLI: found when a command opens
 * it and when a running `sluice start` reads a bad page, reported with the
 * file and the recovery (never a stack trace), and rebuilt from the raw zone
 * on `--rebuild-state`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sluice, sluiceJson, startSluice, stopSluice, tempDir, waitFor } from '../helpers/project.js';

const FILES = 12;
const ROWS = 20;

/** A project whose dataset `sales` has FILES files of ROWS rows each (amount = row × file), ingested: many runs, logs and reports. */
async function ingestedProject(): Promise<{ dir: string; stateFile: string }> {
  const dir = tempDir();
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  for (let f = 1; f <= FILES; f++) {
    const rows = Array.from({ length: ROWS }, (_, i) => `${i + 1},n${i + 1},${(i + 1) * f}`);
    fs.writeFileSync(path.join(input, `f${f}.csv`), `id,name,amount\n${rows.join('\n')}\n`);
  }
  const r = await sluice(['ingest', input, '--dataset', 'sales', '--dir', dir]);
  if (r.code !== 0) throw new Error(`ingest failed:\n${r.stdout}\n${r.stderr}`);
  return { dir, stateFile: path.join(dir, 'data/.sluice/state.db') };
}

const EXPECTED_SUM = ((ROWS * (ROWS + 1)) / 2) * ((FILES * (FILES + 1)) / 2);

/** Pages of the named b-trees: `leaf` pages in file order, or their `root` pages. */
function pagesOf(file: string, names: string[], which: 'leaf' | 'root'): number[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const marks = names.map(() => '?').join(', ');
    const sql =
      which === 'root'
        ? `SELECT rootpage AS pageno FROM sqlite_schema WHERE name IN (${marks})`
        : `SELECT pageno FROM dbstat WHERE name IN (${marks}) AND pagetype = 'leaf' ORDER BY pageno`;
    return (db.prepare(sql).all(...names) as { pageno: number }[]).map((r) => r.pageno);
  } finally {
    db.close();
  }
}

/** Overwrite whole pages of the main file with pseudo-random bytes, after moving every WAL frame into it. */
function overwritePages(file: string, pages: number[]): void {
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  let seed = 12345;
  const noise = Buffer.alloc(pageSize);
  const fd = fs.openSync(file, 'r+');
  try {
    for (const page of pages) {
      for (let i = 0; i < pageSize; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        noise[i] = seed >> 16;
      }
      fs.writeSync(fd, noise, 0, pageSize, (page - 1) * pageSize);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** What SQLite's own check says of the file: 'ok', its findings, or the error it stopped on. */
function quickCheck(file: string): string {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check).join('\n');
  } catch (err) {
    return String(err);
  } finally {
    db?.close();
  }
}

function expectCleanCorruptionMessage(r: { code: number; stdout: string; stderr: string }, stateFile: string): void {
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`sluice: the state database ${stateFile} is corrupt`);
  expect(r.stderr).toContain('--rebuild-state');
  expect(r.stderr).toContain(`mv ${stateFile} ${stateFile}.corrupt`);
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('unexpected error');
}

describe('a damaged state database', () => {
  it('that is not SQLite at all stops every command with the file and the recovery, not a stack trace', async () => {
    // Prepare
    const { dir, stateFile } = await ingestedProject();
    fs.writeFileSync(stateFile, Buffer.from('this is not a database, just some bytes '.repeat(200)));

    // Act
    const results = await Promise.all(
      [
        ['status'],
        ['query', 'select count(*) from final.sales'],
        ['catalog'],
        ['run'],
        ['ingest', path.join(dir, 'in/f1.csv'), '--dataset', 'sales'],
        ['start', '--port', '0'],
      ].map((args) => sluice([...args, '--dir', dir], { timeoutMs: 30_000 })),
    );

    // Assess
    for (const r of results) expectCleanCorruptionMessage(r, stateFile);
    expect(results[0]?.stderr).toContain('(file is not a database)');
  });

  it('with pages overwritten mid-file is found when a command opens it, before sluice start serves anything', async () => {
    // Prepare: the middle leaf page of the runs table.
    const { dir, stateFile } = await ingestedProject();
    const leaves = pagesOf(stateFile, ['runs'], 'leaf');
    expect(leaves.length).toBeGreaterThan(2);
    overwritePages(stateFile, [leaves[Math.floor(leaves.length / 2)] as number]);
    expect(quickCheck(stateFile)).not.toBe('ok');

    // Act
    const status = await sluice(['status', '--dir', dir]);
    const start = await sluice(['start', '--port', '0', '--dir', dir], { timeoutMs: 30_000 });

    // Assess
    expectCleanCorruptionMessage(status, stateFile);
    expectCleanCorruptionMessage(start, stateFile);
    expect(start.stdout).not.toContain('serving');
  });

  it('is moved aside and rebuilt from the raw zone on --rebuild-state, and a sound one is left alone', async () => {
    // Prepare
    const { dir, stateFile } = await ingestedProject();
    const leaves = pagesOf(stateFile, ['runs'], 'leaf');
    overwritePages(stateFile, [leaves[Math.floor(leaves.length / 2)] as number]);
    const damaged = fs.readFileSync(stateFile);

    // Act
    const rebuilt = await sluice(['run', '--rebuild-state', '--dir', dir]);
    const again = await sluice(['run', '--rebuild-state', '--dir', dir]);

    // Assess
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toContain(`sluice: the state database ${stateFile} was corrupt`);
    expect(rebuilt.stdout).toContain(`${FILES} file(s) processed, 0 failed or quarantined`);
    const copies = fs.readdirSync(path.dirname(stateFile)).filter((f) => f.startsWith('state.db.corrupt-'));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^state\.db\.corrupt-\d{8}T\d{6}Z$/);
    expect(fs.readFileSync(path.join(path.dirname(stateFile), copies[0] as string)).equals(damaged)).toBe(true);
    expect(quickCheck(stateFile)).toBe('ok');
    const totals = await sluiceJson<{ n: number; s: number }[]>([
      'query',
      'select count(*) as n, sum(amount) as s from final.sales',
      '--format',
      'json',
      '--dir',
      dir,
    ]);
    expect(totals).toEqual([{ n: FILES * ROWS, s: EXPECTED_SUM }]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('is sound; nothing was moved');
    expect(again.stdout).toContain('nothing to do');
    expect(fs.readdirSync(path.dirname(stateFile)).filter((f) => f.startsWith('state.db.corrupt-'))).toHaveLength(1);
  });

  it('that is garbage is moved aside by sluice start --rebuild-state, which then serves the tables rebuilt from raw', async () => {
    // Prepare
    const { dir, stateFile } = await ingestedProject();
    fs.writeFileSync(stateFile, Buffer.from('garbage '.repeat(1000)));

    // Act
    const started = await startSluice(dir, ['--rebuild-state']);
    try {
      const totals = await waitFor('the rebuilt final.sales', async () => {
        const r = await sluice(['query', 'select count(*) as n, sum(amount) as s from final.sales', '--format', 'json', '--dir', dir]);
        const rows = r.code === 0 ? (JSON.parse(r.stdout) as { n: number; s: number }[]) : [];
        return rows[0]?.n === FILES * ROWS ? rows : undefined;
      });

      // Assess
      expect(totals).toEqual([{ n: FILES * ROWS, s: EXPECTED_SUM }]);
      expect(started.output()).toContain(`sluice: the state database ${stateFile} was corrupt (file is not a database); moved it aside`);
      expect(fs.readdirSync(path.dirname(stateFile)).filter((f) => f.startsWith('state.db.corrupt-'))).toHaveLength(1);
    } finally {
      await stopSluice(started);
    }
  });

  it('under a running sluice start makes it stop and exit with the message instead of serving errors', async () => {
    // Prepare
    const { dir, stateFile } = await ingestedProject();
    const started = await startSluice(dir);
    const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
    try {
      // Act: damage the queue's b-trees, then commit from another connection so the server drops its page cache.
      overwritePages(stateFile, pagesOf(stateFile, ['runs', 'runs_by_status', 'runs_by_lock', 'runs_by_root'], 'root'));
      const poke = new Database(stateFile, { fileMustExist: true });
      poke.exec('CREATE TABLE poke (x)');
      poke.close();
      fs.writeFileSync(path.join(dir, 'data/raw/sales/new.csv'), 'id,name,amount\n1,a,1\n');
      const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 20_000))]);

      // Assess
      expect(code).toBe(2);
      expect(started.output()).toContain(`sluice: the state database ${stateFile} is corrupt`);
      expect(started.output()).not.toMatch(/\n\s+at /);
    } finally {
      await stopSluice(started, 'SIGKILL');
    }
  });
});
