/**
 * `kill -9` of `sluice start` under load, as one module shared by the fault
 * suite (a few kills) and `npm run soak` (fifty). A seeded schedule uploads
 * files over HTTP, drops others into the raw folder by atomic rename, replaces
 * existing keys with new content and kills the server at random moments while
 * the stages and jobs run. A final start settles the queue; the result is then
 * checked against what the raw zone implies, computed independently: a fresh
 * project runs the same raw files with `sluice run` (tables compared by count
 * and an order-free hash of their rows, row by row on a mismatch), and the row
 * counts must equal the generator's own count of good rows per file.
 *
 * Uploads are awaited before a kill: a kill during an upload body leaves a
 * temp file in `raw` (swept on the next start by another change), which this
 * scenario does not exercise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { messyOrdersCsv, mulberry32 } from '../../src/sample/messy-orders.js';
import {
  rowsMissingFrom,
  type Started,
  sluice,
  sluiceJson,
  startSluice,
  stateIntegrity,
  stateRows,
  stopSluice,
  tableRows,
  tempDir,
  waitForIdle,
  zoneTempFiles,
} from './project.js';

/** One incremental row-wise job, one full aggregate job reading it, and a dataset with the built-in publish. */
export const KILL_SCENARIO_YAML = `
jobs:
  orders_clean:
    source: processed.orders
    mode: incremental
    mappings:
      - [order_id, bigint, order_id, bigint]
      - [customer_code, string, customer_code, string]
      - [amount, double, amount, "decimal(12,2)"]
      - [country, string, country, string]
      - [created_at, timestamp, created_at, timestamp]
    derive:
      country: "upper(trim(country))"
    output: { table: orders_clean, partitionBy: [country] }
  orders_by_country:
    source: final.orders_clean
    aggregate:
      groupBy: [country]
      measures: { amount: "sum(amount)", orders: "count(*)" }
    output: { table: orders_by_country }
`;

/** Final tables and the datasets whose good rows each holds one-for-one (the aggregate has none). */
const TABLES: { table: string; rowsOf?: string }[] = [
  { table: 'final.orders_clean', rowsOf: 'orders' },
  { table: 'final.shipments', rowsOf: 'shipments' },
  { table: 'final.orders_by_country' },
];

export interface KillScenarioOptions {
  seed: number;
  kills: number;
  /** Row counts to pick file sizes from. */
  sizes: number[];
  /** Uploads, drops and replacements per round (between two kills). */
  actionsPerRound: number;
  /** A kill comes up to this long after the round's last action. */
  maxKillDelayMs: number;
  log?: (line: string) => void;
}

export interface KillScenarioReport {
  seed: number;
  dir: string;
  kills: number;
  /** Raw files at the end and the good rows each should give. */
  files: Record<string, number>;
  /** Everything that did not hold; empty when the run was clean. */
  problems: string[];
}

type Action = 'upload' | 'drop' | 'replace';

/** PUT a file through the upload API; throws unless it was taken (201). */
export async function uploadFile(url: string, key: string, body: string | Uint8Array): Promise<void> {
  const put = () =>
    fetch(`${url}/api/files/${key}`, { method: 'PUT', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'text/csv' } });
  // Once more on a connection error before any answer: while this process was busy generating a big file, the server
  // closed the idle keep-alive socket the client then wrote to (EPIPE). A PUT of the same bytes is idempotent.
  const res = await put().catch(put);
  if (res.status !== 201) throw new Error(`PUT ${key}: ${res.status} ${await res.text()}`);
}

/** Write a file next to the project and rename it into the raw zone: the watcher sees it whole. */
export function dropFile(dir: string, key: string, body: string | Buffer): void {
  const staging = path.join(dir, 'incoming', key.replaceAll('/', '__'));
  fs.mkdirSync(path.dirname(staging), { recursive: true });
  fs.writeFileSync(staging, body);
  const target = path.join(dir, 'data/raw', ...key.split('/'));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(staging, target);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runKillScenario(opts: KillScenarioOptions): Promise<KillScenarioReport> {
  const rand = mulberry32(opts.seed);
  const log = opts.log ?? (() => {});
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const dir = tempDir('sluice-kill-');
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), KILL_SCENARIO_YAML);
  const files: Record<string, number> = {};
  let made = 0;
  const content = () => {
    const rows = pick(opts.sizes);
    return messyOrdersCsv({ rows, seed: opts.seed * 1000 + made++ });
  };

  const act = async (server: Started, action: Action) => {
    const existing = Object.keys(files);
    const key =
      action === 'replace' && existing.length > 0 ? pick(existing) : `${pick(['orders', 'orders', 'shipments'])}/${action === 'drop' ? 'd' : 'u'}-${made}.csv`;
    const { text, stats } = content();
    if (action === 'drop' || (action === 'replace' && rand() < 0.5)) dropFile(dir, key, text);
    else
      await uploadFile(server.url, key, text).catch((err) => {
        throw new Error(`seed ${opts.seed}: upload of ${key} failed (${err.cause ?? err}); the server said:\n${server.output()}`, { cause: err });
      });
    files[key] = stats.expectedRows;
    log(`  ${action} ${key} (${stats.lines} lines)`);
  };

  for (let round = 0; round < opts.kills; round++) {
    const server = await startSluice(dir, ['--workers', '2']);
    for (let i = 0; i < opts.actionsPerRound; i++) {
      await act(server, pick<Action>(['upload', 'drop', 'replace']));
      await sleep(Math.floor(rand() * 150));
    }
    const delay = Math.floor(rand() * opts.maxKillDelayMs);
    await sleep(delay);
    const running = stateRows<{ stage: string; subject: string }>(dir, "select stage, subject from runs where status = 'running'");
    await stopSluice(server, 'SIGKILL');
    log(`kill ${round + 1}/${opts.kills} after ${delay} ms; running: ${running.map((r) => `${r.stage} ${r.subject}`).join(', ') || 'nothing'}`);
  }

  const last = await startSluice(dir, ['--workers', '2']);
  try {
    await waitForIdle(last.url, 180_000);
  } finally {
    await stopSluice(last);
  }
  return { seed: opts.seed, dir, kills: opts.kills, files, problems: await checkAgainstRaw(dir, files) };
}

/** What does not hold after the settle, each as one line. */
async function checkAgainstRaw(dir: string, files: Record<string, number>): Promise<string[]> {
  const problems: string[] = [];
  const again = await sluice(['run', '--dir', dir]);
  if (!again.stdout.includes('nothing to do')) problems.push(`sluice run after the settle still found work: ${again.stdout.trim()}`);
  const unfinished = stateRows<{ id: number; stage: string; subject: string; status: string; attempts: number; error: string | null }>(
    dir,
    "select id, stage, subject, status, attempts, error from runs where status not in ('succeeded', 'superseded')",
  );
  for (const r of unfinished) problems.push(`run ${r.id} ${r.stage} ${r.subject} ended ${r.status} after ${r.attempts} attempt(s): ${r.error ?? ''}`);
  const integrity = stateIntegrity(dir);
  if (integrity !== 'ok') problems.push(`state.db integrity_check: ${integrity}`);
  const temps = zoneTempFiles(dir);
  if (temps.length) problems.push(`temp files left in the zones: ${temps.join(', ')}`);

  // The expectation, computed apart: the same raw files through a fresh project in one batch.
  const reference = tempDir('sluice-kill-ref-');
  fs.writeFileSync(path.join(reference, 'sluice.yaml'), KILL_SCENARIO_YAML);
  fs.cpSync(path.join(dir, 'data/raw'), path.join(reference, 'data/raw'), { recursive: true });
  const batch = await sluice(['run', '--dir', reference], { timeoutMs: 300_000 });
  if (batch.code !== 0) problems.push(`the reference sluice run failed: ${batch.stdout}\n${batch.stderr}`);

  const rawKeys = listRaw(path.join(dir, 'data/raw'));
  if (rawKeys.join() !== Object.keys(files).sort().join())
    problems.push(`raw zone holds ${rawKeys.join(', ')}; written: ${Object.keys(files).sort().join(', ')}`);
  for (const { table, rowsOf } of TABLES) {
    const datasetFiles = Object.entries(files).filter(([k]) => rowsOf && k.startsWith(`${rowsOf}/`));
    if (rowsOf && datasetFiles.length === 0) continue;
    const [got, want] = await Promise.all([tableFingerprint(dir, table), tableFingerprint(reference, table)]);
    if (rowsOf) {
      const expected = datasetFiles.reduce((n, [, rows]) => n + rows, 0);
      if (got.rows !== expected) problems.push(`${table}: ${got.rows} rows; the raw files hold ${expected} good rows`);
    }
    if (got.rows === want.rows && got.hash === want.hash) continue;
    if (got.rows + want.rows > ROW_DIFF_LIMIT) {
      problems.push(`${table}: ${got.rows} rows (content hash ${got.hash}); a fresh batch run of the raw zone gives ${want.rows} (${want.hash})`);
      continue;
    }
    const [gotRows, wantRows] = await Promise.all([tableRows(dir, table), tableRows(reference, table)]);
    const lost = rowsMissingFrom(wantRows, gotRows);
    const extra = rowsMissingFrom(gotRows, wantRows);
    if (lost.length) problems.push(`${table}: ${lost.length} row(s) lost, e.g. ${lost.slice(0, 3).join(' ')}`);
    if (extra.length) problems.push(`${table}: ${extra.length} row(s) extra or doubled, e.g. ${extra.slice(0, 3).join(' ')}`);
  }
  fs.rmSync(reference, { recursive: true, force: true });
  return problems;
}

/** Above this many rows (both sides) a mismatch is reported by counts and hashes, not row by row. */
const ROW_DIFF_LIMIT = 400_000;

/** Row count and an order-free content hash (the sum of every row's hash): equal tables give equal pairs. */
async function tableFingerprint(dir: string, table: string): Promise<{ rows: number; hash: string }> {
  const [r] = await sluiceJson<{ rows: number; hash: string | null }[]>([
    'query',
    `select count(*) as rows, sum(hash(t)::hugeint)::varchar as hash from ${table} t`,
    '--format',
    'json',
    '--dir',
    dir,
  ]);
  return { rows: Number(r?.rows ?? 0), hash: r?.hash ?? '' };
}

function listRaw(root: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(root, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listRaw(root, rel ? `${rel}/${e.name}` : e.name) : [rel ? `${rel}/${e.name}` : e.name]))
    .sort();
}
