/**
 * Runs executed in process, as any runner executes them: preprocess, crawl,
 * publish and jobs against real zones (folders), a real state file and
 * DuckDB, with the runs each one queues followed by hand. No CLI, no server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { Engine } from '../../src/engine/duckdb.js';
import { preprocessRun } from '../../src/stages/chain.js';
import { executeRun } from '../../src/stages/execute.js';
import type { Completion, Run, RunSpec } from '../../src/stages/runs.js';
import { queryCatalog } from '../../src/views/query.js';
import { runOf, stageDeps, type TestDeps } from '../helpers/factories.js';
import { tempDir } from '../helpers/project.js';
import { RemoteLikeStore } from '../helpers/remote-store.js';

let engine: Engine;
const open: TestDeps[] = [];

beforeAll(async () => {
  engine = await Engine.open({ tempDir: tempDir('sluice-execute-engine-') });
});
afterAll(() => engine?.close());
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

function deps(config: ConfigInput = {}): TestDeps {
  const d = stageDeps(engine, config);
  open.push(d);
  return d;
}

let ids = 0;
/** Execute `specs` and every run they queue, first in first out; the runs with their completions, in order. */
async function drain(d: TestDeps, specs: RunSpec[]): Promise<{ run: Run; completion: Completion }[]> {
  const done: { run: Run; completion: Completion }[] = [];
  const queue = [...specs];
  for (let spec = queue.shift(); spec; spec = queue.shift()) {
    const run = runOf(spec, { id: ++ids });
    const completion = await executeRun(run, d);
    done.push({ run, completion });
    queue.push(...(completion.next ?? []));
  }
  return done;
}

async function ingest(d: TestDeps, key: string, text: string): Promise<RunSpec> {
  const stat = await d.zones.raw.put(key, text);
  return preprocessRun(key, stat.sha256);
}

const ORDERS = 'id,amount,day\n1,10.5,2024-01-02\n2,7,2024-01-03\n2,7,2024-01-03\n';

describe('a raw file through the chain', () => {
  it('preprocesses, crawls and publishes it, with the events a runner records', async () => {
    const d = deps();
    const runs = await drain(d, [await ingest(d, 'orders/a.csv', ORDERS)]);
    expect(runs.map((r) => [r.run.stage, r.completion.status])).toEqual([
      ['preprocess', 'succeeded'],
      ['crawl', 'succeeded'],
      ['publish', 'succeeded'],
    ]);
    const table = await d.catalog.getTable('final', 'orders');
    expect(table?.columns.map((c) => [c.name, c.type])).toEqual([
      ['id', 'BIGINT'],
      ['amount', 'DECIMAL(18,2)'],
      ['day', 'DATE'],
    ]);
    expect(table?.stats).toMatchObject({ rows: 2, files: 1 });
    expect(await d.bookmarks.get('publish_orders', 'orders/a.parquet')).toMatchObject({ outputKey: 'orders/a.parquet' });
    expect((await d.reports.get('orders/a.csv'))?.report).toMatchObject({ rows: { read: 3, duplicates: 1, written: 2 } });
    const events = (await d.events.recent()).map((e) => `${e.type} ${'table' in e.payload ? e.payload.table : ''}`).reverse();
    // The publish's table.updated carries the new table's schema as its diff; only the crawl says schema.changed.
    expect(events).toEqual(['schema.changed processed.orders', 'table.updated processed.orders', 'table.updated final.orders']);
  });

  it('refuses a file that does not fit under schemaChange: fail, quarantines it and withdraws its earlier version', async () => {
    const d = deps({ datasets: { orders: { schemaChange: 'fail' } } });
    await drain(d, [await ingest(d, 'orders/a.csv', ORDERS)]);
    const runs = await drain(d, [await ingest(d, 'orders/a.csv', 'id,amount,day,region\n3,1,2024-01-04,north\n')]);
    expect(runs.map((r) => [r.run.stage, r.completion.status])).toEqual([
      ['preprocess', 'succeeded'],
      ['crawl', 'quarantined'],
    ]);
    expect(runs[1]?.completion.error).toMatch(/does not fit processed\.orders .*\+ region VARCHAR/);
    // The earlier version's rows left both tables; the raw file is quarantined with the diff beside it.
    expect((await d.catalog.getTable('processed', 'orders'))?.stats.files).toBe(0);
    expect((await d.catalog.getTable('final', 'orders'))?.stats.files).toBe(0);
    expect(await d.zones.quarantine.head('orders/a.csv')).toBeDefined();
    expect(JSON.parse(await text(d, 'orders/a.csv.error.json'))).toMatchObject({ rawKey: 'orders/a.csv', table: 'processed.orders' });
    expect((await d.reports.get('orders/a.csv'))?.report).toMatchObject({ quarantine: { reason: runs[1]?.completion.error } });
  });

  it('ends a run whose raw object changed since it was queued, and says so to the runner', async () => {
    const d = deps();
    const first = await ingest(d, 'orders/a.csv', ORDERS);
    await d.zones.raw.put('orders/a.csv', `${ORDERS}3,1,2024-01-05\n`);
    const [only] = await drain(d, [first]);
    expect(only?.completion).toEqual({ status: 'succeeded', result: { superseded: true, reason: 'raw object changed' }, next: [] });
  });
});

describe('a configured job', () => {
  it('runs when its source table changes, records its run, and sets off the job reading its output', async () => {
    const d = deps({
      jobs: {
        big: {
          source: 'processed.orders',
          mappings: [
            ['id', 'bigint', 'id', 'bigint'],
            ['amount', 'double', 'amount', 'double'],
          ],
          filter: 'amount > 8',
          output: { table: 'big' },
        },
        total: { source: 'final.big', mappings: [['amount', 'double', 'amount', 'double']], output: { table: 'total' } },
      },
    });
    const runs = await drain(d, [await ingest(d, 'orders/a.csv', ORDERS)]);
    expect(runs.map((r) => `${r.run.stage}:${r.run.subject}`)).toEqual(['preprocess:orders/a.csv', 'crawl:orders/a.parquet', 'job:big', 'job:total']);
    expect((await d.catalog.getTable('final', 'big'))?.stats.rows).toBe(1);
    expect((await d.catalog.getTable('final', 'total'))?.stats.rows).toBe(1);
    const [history] = await d.jobRuns.list('big');
    expect(history).toMatchObject({ status: 'succeeded', trigger: 'table.updated processed.orders', rowsWritten: 1 });
    // Nothing new: a second run of the same job reads nothing and queues nothing.
    const again = await drain(d, [runs[2]?.run as RunSpec]);
    expect(again[0]?.completion.result).toMatchObject({ skipped: 'no input changed since the last run' });
    expect(again).toHaveLength(1);
  });
});

async function text(d: TestDeps, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await d.zones.quarantine.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('zones that are not local folders', () => {
  it('reads table files through copies for jobs and queries, and removes the copies after', async () => {
    const d = deps({
      jobs: { big: { source: 'processed.orders', mappings: [['amount', 'double', 'amount', 'double']], filter: 'amount > 8', output: { table: 'big' } } },
    });
    const processed = new RemoteLikeStore(d.zones.processed);
    const final = new RemoteLikeStore(d.zones.final);
    d.zones.processed = processed;
    d.zones.final = final;
    const runs = await drain(d, [await ingest(d, 'orders/a.csv', ORDERS)]);
    expect(runs.map((r) => [r.run.stage, r.completion.status])).toEqual([
      ['preprocess', 'succeeded'],
      ['crawl', 'succeeded'],
      ['job', 'succeeded'],
    ]);
    expect((await d.catalog.getTable('final', 'big'))?.stats.rows).toBe(1);
    // The crawl read the processed file through a copy, and so did the job (planning over all files, then its input).
    expect(processed.materialized).toBeGreaterThanOrEqual(3);
    const result = await queryCatalog({ ...d, queries: { run: (fn) => fn() } }, 'select count(*) as n, sum(amount) as total from final.big');
    expect(result.rows).toEqual([[1, 10.5]]);
    expect(final.materialized).toBe(1);
    expect([...processed.live, ...final.live]).toEqual([]);
  });
});
