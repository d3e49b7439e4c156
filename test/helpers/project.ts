/** Test factories: temp project folders, the real CLI as a child process, sample files. */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { type MessyOptions, messyOrdersCsv } from '../../src/sample/messy-orders.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

export function tempDir(prefix = 'sluice-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CliResult {
  code: number;
  /** The signal that ended the process, when one did (a crash test kills it). */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
}

/** Run `sluice <args>` to completion. */
export function sluice(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, ...(signal ? { signal } : {}), stdout, stderr });
    });
  });
}

/** Rows and distinct orders in `final.orders` of the messy sample: equal counts mean nothing was doubled. */
export async function finalOrderCounts(dir: string): Promise<{ n: number; ids: number } | undefined> {
  const rows = await sluiceJson<{ n: number; ids: number }[]>([
    'query',
    'select count(*) as n, count(distinct (order_id, customer_code, created_at)) as ids from final.orders',
    '--format',
    'json',
    '--dir',
    dir,
  ]);
  return rows[0];
}

/** Run a command that prints JSON and parse it, failing with the output when it did not succeed. */
export async function sluiceJson<T = unknown>(args: string[], opts: { cwd?: string } = {}): Promise<T> {
  const r = await sluice(args, opts);
  if (r.code !== 0) throw new Error(`sluice ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** `sluice start --port 0` in the background; resolves once it prints its URL. */
export function startSluice(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--dir', dir, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sluice start did not come up:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /serving (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sluice start exited ${code}:\n${out}`));
    });
  });
}

export async function stopSluice(s: Started, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill(signal);
  await exited;
}

/** Write the messy sample to `file`; returns its stats (expected row counts). */
export function writeSample(file: string, opts: MessyOptions) {
  const { text, stats } = messyOrdersCsv(opts);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return stats;
}

/** Read the project's state database directly (read-only) to check what ran. */
export function stateRows<T>(dir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(dir, 'data/.sluice/state.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `PRAGMA integrity_check` of the project's state database: 'ok' when it is sound. */
export function stateIntegrity(dir: string): string {
  const db = new Database(path.join(dir, 'data/.sluice/state.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** Temp files (`.sluice-tmp-*`) anywhere under the project's zone folders, as paths relative to `data/`. */
export function zoneTempFiles(dir: string): string[] {
  const data = path.join(dir, 'data');
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const e of fs.readdirSync(folder, { withFileTypes: true })) {
      if (folder === data && e.name === '.sluice') continue;
      const full = path.join(folder, e.name);
      if (e.name.startsWith('.sluice-tmp-')) found.push(path.relative(data, full));
      else if (e.isDirectory()) walk(full);
    }
  };
  walk(data);
  return found.sort();
}

/** Every row of a catalog table through `sluice query`, in a stable order (all columns). */
export function tableRows(dir: string, table: string): Promise<Record<string, unknown>[]> {
  return sluiceJson<Record<string, unknown>[]>(['query', `select * from ${table} order by all`, '--format', 'json', '--limit', '100000000', '--dir', dir]);
}

/** Rows of `a` not matched one-for-one in `b` (a multiset difference), as JSON lines. */
export function rowsMissingFrom(a: Record<string, unknown>[], b: Record<string, unknown>[]): string[] {
  const left = new Map<string, number>();
  for (const r of b) {
    const k = JSON.stringify(r);
    left.set(k, (left.get(k) ?? 0) + 1);
  }
  const missing: string[] = [];
  for (const r of a) {
    const k = JSON.stringify(r);
    const n = left.get(k) ?? 0;
    if (n > 0) left.set(k, n - 1);
    else missing.push(k);
  }
  return missing;
}

/** Wait until `GET /api/health` says nothing is queued or running, `quietChecks` times in a row. */
export async function waitForIdle(url: string, timeoutMs = 60_000, quietChecks = 3): Promise<void> {
  let quiet = 0;
  await waitFor(
    'the pipeline to go idle (GET /api/health pending=0)',
    async () => {
      const health = (await (await fetch(`${url}/api/health`)).json()) as { pending: number };
      quiet = health.pending === 0 ? quiet + 1 : 0;
      return quiet >= quietChecks ? true : undefined;
    },
    timeoutMs,
    300,
  );
}

/**
 * Environment for a sluice process whose clock is off by `offsetMs` (Date.now only: the queue's leases and
 * retry times, the catalog's timestamps), through a preload module written to `dir`.
 */
export function skewedClockEnv(dir: string, offsetMs: number): NodeJS.ProcessEnv {
  const preload = path.join(dir, `clock${offsetMs}.mjs`);
  fs.writeFileSync(preload, `const realNow = Date.now;\nDate.now = () => realNow() + ${offsetMs};\n`);
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(preload).href}`.trim() };
}
