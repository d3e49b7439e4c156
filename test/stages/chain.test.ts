/**
 * The chain's rules, called directly: for each way a run can end, the
 * outcome, the events and the runs that follow. No database, no files.
 */
import { describe, expect, it } from 'vitest';
import { sluiceConfigSchema } from '../../src/config/schema.js';
import type { TableChange } from '../../src/core/catalog.js';
import type { SchemaDiff } from '../../src/core/schema.js';
import {
  afterCrawl,
  afterJob,
  afterJobStarted,
  afterPreprocess,
  afterPublish,
  afterWithdrawal,
  chainOutcome,
  downstreamRun,
  hasDefaultPublish,
  jobRunSpec,
  jobsReading,
  preprocessRun,
} from '../../src/stages/chain.js';
import type { Run } from '../../src/stages/runs.js';
import { runOf } from '../helpers/factories.js';

const config = (jobs: Record<string, unknown> = {}, datasets: Record<string, unknown> = {}) => sluiceConfigSchema.parse({ jobs, datasets });
const JOBS = {
  daily: { source: 'final.orders', mappings: [['amount', 'double', 'amount', 'double']], output: { table: 'daily' } },
  totals: { source: 'final.daily', mappings: [['amount', 'double', 'amount', 'double']], output: { table: 'totals' } },
};

const diff = (added: string[]): SchemaDiff => ({
  added: added.map((name) => ({ name, type: 'VARCHAR', nullable: true })),
  removed: [],
  widened: [],
  changed: [],
});
const change = (c: Partial<TableChange> = {}): TableChange => ({ database: 'processed', table: 'orders', version: 2, ...c });

describe('run specs', () => {
  it('keys a preprocess run by the raw version and locks it per raw key', () => {
    expect(preprocessRun('orders/a.csv', 'h1')).toEqual({
      stage: 'preprocess',
      subject: 'orders/a.csv',
      inputHash: 'h1',
      lockKey: 'raw:orders/a.csv',
      rootKey: 'orders/a.csv',
      rootHash: 'h1',
      payload: { rawKey: 'orders/a.csv', rawSha256: 'h1' },
    });
  });

  it('locks crawl runs per processed table and publish runs per final table, rooted at the raw version', () => {
    const crawl = downstreamRun('crawl', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' });
    const publish = downstreamRun('publish', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' });
    expect(crawl).toMatchObject({ stage: 'crawl', lockKey: 'catalog:processed.orders', rootKey: 'orders/a.csv', rootHash: 'h1' });
    expect(publish).toMatchObject({ stage: 'publish', lockKey: 'catalog:final.orders' });
  });

  it("keys a job run by its spec and its inputs' files, so the same inputs queue it once", () => {
    const c = config(JOBS);
    const files = (sha: string) => new Map([['final.orders', [{ fileKey: 'orders/a.parquet', sha256: sha } as never]]]);
    const a = jobRunSpec(c, 'daily', 'manual', files('x'));
    expect(jobRunSpec(c, 'daily', 'table.updated final.orders', files('x')).inputHash).toBe(a.inputHash);
    expect(jobRunSpec(c, 'daily', 'manual', files('y')).inputHash).not.toBe(a.inputHash);
    expect(a).toMatchObject({
      stage: 'job',
      subject: 'daily',
      lockKey: 'catalog:final.daily',
      rootKey: 'job:daily',
      payload: { job: 'daily', trigger: 'manual' },
    });
    expect(() => jobRunSpec(c, 'nope', 'manual', new Map())).toThrow('no job "nope" in sluice.yaml');
  });

  it('finds the jobs reading a table and whether a dataset keeps the built-in publish', () => {
    const c = config(JOBS);
    expect(jobsReading(c, 'final.orders')).toEqual(['daily']);
    expect(jobsReading(c, 'final.daily')).toEqual(['totals']);
    expect(hasDefaultPublish(c, 'orders')).toBe(true);
    expect(hasDefaultPublish(c, 'daily')).toBe(false);
    expect(hasDefaultPublish(config({ j: { source: 'processed.orders', mappings: [['a', 'int', 'a', 'int']], output: { table: 'x' } } }), 'orders')).toBe(
      false,
    );
  });
});

describe('after preprocess', () => {
  const run = runOf(preprocessRun('orders/a.csv', 'h1'));

  it('queues the crawl of the file it wrote', () => {
    const step = afterPreprocess(run, { kind: 'written', processedKey: 'orders/a.parquet', processedSha256: 'p1', rows: { written: 3 }, rejectedCells: 1 });
    expect(step.completion).toEqual({ status: 'succeeded', result: { processedKey: 'orders/a.parquet', rows: { written: 3 }, rejectedCells: 1 } });
    expect(step.next).toEqual([downstreamRun('crawl', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' })]);
    expect(step.events).toEqual([]);
    expect(step.withdraw).toBeUndefined();
  });

  it('withdraws the earlier outputs of a quarantined file, unless another raw file owns the output key', () => {
    const mine = afterPreprocess(run, { kind: 'quarantined', reason: 'not text', rows: {} });
    expect(mine.completion).toMatchObject({ status: 'quarantined', error: 'not text' });
    expect(mine.withdraw).toEqual({ rawKey: 'orders/a.csv', rawSha256: 'h1' });
    expect(mine.events).toEqual([{ type: 'run.quarantined', runId: 7, stage: 'preprocess', subject: 'orders/a.csv', error: 'not text' }]);
    expect(afterPreprocess(run, { kind: 'quarantined', reason: 'taken', rows: {}, outputTakenBy: 'orders/a.csv.gz' }).withdraw).toBeUndefined();
  });

  it('queues no crawl in crawler mode (a Glue crawler catalogs the file), and says so in the result', () => {
    // Prepare
    const written = { kind: 'written', processedKey: 'orders/a.parquet', processedSha256: 'p1', rows: { written: 3 }, rejectedCells: 1 } as const;

    // Act
    const crawler = afterPreprocess(run, written, 'crawler');
    const direct = afterPreprocess(run, written, 'direct');

    // Assess
    expect(crawler.completion).toEqual({
      status: 'succeeded',
      result: { processedKey: 'orders/a.parquet', rows: { written: 3 }, rejectedCells: 1, catalog: 'crawler' },
    });
    expect(crawler.next).toEqual([]);
    expect(crawler.jobs).toEqual([]);
    expect(crawler.events).toEqual([]);
    expect(direct.next.map((r) => r.stage)).toEqual(['crawl']);
  });

  it('withdraws and supersedes in crawler mode as in direct mode', () => {
    // Act
    const quarantined = afterPreprocess(run, { kind: 'quarantined', reason: 'not text', rows: {} }, 'crawler');
    const stale = afterPreprocess(run, { kind: 'stale', reason: 'raw object changed' }, 'crawler');

    // Assess
    expect(quarantined).toEqual(afterPreprocess(run, { kind: 'quarantined', reason: 'not text', rows: {} }, 'direct'));
    expect(stale).toEqual(afterPreprocess(run, { kind: 'stale', reason: 'raw object changed' }, 'direct'));
  });

  it('ends a run whose raw object changed as superseded, with nothing next', () => {
    expect(afterPreprocess(run, { kind: 'superseded' }).completion.status).toBe('superseded');
    const stale = afterPreprocess(run, { kind: 'stale', reason: 'raw object removed' });
    expect(stale.completion).toEqual({ status: 'succeeded', result: { superseded: true, reason: 'raw object removed' } });
    expect(stale.next).toEqual([]);
  });
});

describe('after crawl', () => {
  const crawlRun = runOf(downstreamRun('crawl', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' }));

  it('publishes the file when no job reads the dataset, and emits the schema change before table.updated', () => {
    const step = afterCrawl(crawlRun, { table: 'processed.orders', change: change({ diff: diff(['region']) }), rows: 5 }, config());
    expect(step.next).toEqual([downstreamRun('publish', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' })]);
    expect(step.jobs).toEqual([]);
    expect(step.events.map((e) => e.type)).toEqual(['schema.changed', 'table.updated']);
    expect(step.events[0]).toMatchObject({ applied: true, policy: 'update', file: 'orders/a.parquet', rawKey: 'orders/a.csv' });
    expect(step.completion.result).toMatchObject({ table: 'processed.orders', version: 2, rows: 5, published: true });
  });

  it('sets off the jobs reading the processed table instead of the built-in publish', () => {
    const c = config({ j: { source: 'processed.orders', mappings: [['a', 'int', 'a', 'int']], output: { table: 'x' } } });
    const step = afterCrawl(crawlRun, { table: 'processed.orders', change: change(), rows: 5 }, c);
    expect(step.next).toEqual([]);
    expect(step.jobs).toEqual([{ job: 'j', trigger: 'table.updated processed.orders' }]);
    expect(step.completion.result).toMatchObject({ jobs: ['j'], published: false });
  });

  it('publishes nothing where jobs run on a service: the table stays processed', () => {
    // Act
    const step = afterCrawl(crawlRun, { table: 'processed.orders', change: change(), rows: 5 }, config(), false);

    // Assess
    expect(step.next).toEqual([]);
    expect(step.events.map((e) => e.type)).toEqual(['table.updated']);
    expect(step.completion.result).toMatchObject({ table: 'processed.orders', published: false });
  });

  it('records drift under log without applying it', () => {
    const step = afterCrawl(
      crawlRun,
      { table: 'processed.orders', change: change({ drift: diff(['extra']) }), rows: 5 },
      config({}, { orders: { schemaChange: 'log' } }),
    );
    expect(step.completion.status).toBe('succeeded');
    expect(step.events[0]).toMatchObject({ type: 'schema.changed', applied: false, policy: 'log' });
    expect(step.completion.result?.drift).toEqual(diff(['extra']));
  });

  it('refuses a file under fail: quarantine with the reason, withdraw, and no publish', () => {
    const step = afterCrawl(
      crawlRun,
      { table: 'processed.orders', change: change({ rejected: diff(['extra']) }), rows: 5 },
      config({}, { orders: { schemaChange: 'fail' } }),
    );
    expect(step.completion.status).toBe('quarantined');
    expect(step.completion.error).toMatch(
      /^orders\/a\.csv: does not fit processed\.orders \(datasets\.orders\.schemaChange is fail in sluice\.yaml\): \+ extra VARCHAR\./,
    );
    expect(step.refuse).toMatchObject({ table: 'processed.orders', diff: diff(['extra']) });
    expect(step.withdraw).toEqual({ rawKey: 'orders/a.csv', rawSha256: 'h1' });
    expect(step.next).toEqual([]);
    expect(step.events.map((e) => e.type)).toEqual(['run.quarantined', 'schema.changed']);
  });
});

describe('after publish and jobs', () => {
  const publishRun = runOf(downstreamRun('publish', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' }));
  const end = { job: 'publish_orders', table: 'final.orders', outputKey: 'orders/a.parquet', rows: 5, written: true };

  it('sets off the jobs reading final.<dataset> when the table changed', () => {
    const step = afterPublish(publishRun, { ...end, change: change({ database: 'final' }) }, config(JOBS));
    expect(step.jobs).toEqual([{ job: 'daily', trigger: 'table.updated final.orders' }]);
    expect(step.events).toEqual([{ type: 'table.updated', table: 'final.orders', version: 2, files: ['orders/a.parquet'] }]);
    expect(step.completion.result).not.toHaveProperty('change');
  });

  it('owes the downstream jobs on a retry even when the commit was made by the killed attempt', () => {
    expect(afterPublish(publishRun, { ...end, written: false }, config(JOBS)).jobs).toEqual([]);
    expect(afterPublish(runOf(publishRun, { attempts: 2 }), { ...end, written: false }, config(JOBS)).jobs).toHaveLength(1);
  });

  it('chains jobs: a job that changed its table sets off the jobs reading it', () => {
    const jobRun = runOf(jobRunSpec(config(JOBS), 'daily', 'manual', new Map()));
    const step = afterJob(
      jobRun,
      { table: 'final.daily', change: change({ database: 'final', table: 'daily', diff: diff(['d']) }), jobRun: 3, summary: {} },
      config(JOBS),
    );
    expect(step.jobs).toEqual([{ job: 'totals', trigger: 'table.updated final.daily' }]);
    expect(step.events.map((e) => e.type)).toEqual(['schema.changed', 'table.updated']);
    expect(step.completion.result).toMatchObject({ version: 2, jobRun: 3 });
    expect(afterJob(jobRun, { table: 'final.daily', jobRun: 3, summary: {} }, config(JOBS)).jobs).toEqual([]);
    expect(afterJob(runOf(jobRun, { attempts: 2 }), { table: 'final.daily', jobRun: 3, summary: {} }, config(JOBS)).jobs).toHaveLength(1);
  });

  it("ends a job started on Glue once Glue took it: its table and the jobs after it are the Glue run's", () => {
    // Prepare
    const jobRun = runOf(jobRunSpec(config(JOBS), 'daily', 'table.updated final.orders', new Map()));

    // Act
    const step = afterJobStarted(jobRun, { service: 'glue', name: 'sluice-daily', runId: 'jr_1' });

    // Assess
    expect(step.completion).toEqual({
      status: 'succeeded',
      result: { started: { service: 'glue', name: 'sluice-daily', runId: 'jr_1' }, trigger: 'table.updated final.orders' },
    });
    expect(step.events).toEqual([]);
    expect(step.jobs).toEqual([]);
    expect(step.next).toEqual([]);
  });

  it('turns withdrawn files into table.updated events and the jobs reading those tables', () => {
    const w = afterWithdrawal([change(), change({ database: 'final' })], config(JOBS));
    expect(w.events.map((e) => (e.type === 'table.updated' ? e.table : ''))).toEqual(['processed.orders', 'final.orders']);
    expect(w.jobs).toEqual([{ job: 'daily', trigger: 'table.updated final.orders' }]);
  });
});

describe('the outcome of a file', () => {
  const pre = runOf(preprocessRun('orders/a.csv', 'h1'), { status: 'succeeded' });
  const crawl = runOf(downstreamRun('crawl', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' }), {
    status: 'succeeded',
    result: { table: 'processed.orders', rows: 5, published: true },
  });
  const publish = runOf(downstreamRun('publish', 'orders/a.parquet', 'p1', { rawKey: 'orders/a.csv', rawSha256: 'h1' }), {
    status: 'succeeded',
    result: { table: 'final.orders', rows: 5, jobs: ['daily'] },
  });

  it('is pending until the chain has run to its end, then done with the report figures', () => {
    expect(chainOutcome([])).toEqual({ state: 'pending' });
    expect(chainOutcome([pre, { ...crawl, status: 'running' } as Run])).toEqual({ state: 'pending', stage: 'crawl' });
    expect(chainOutcome([pre, crawl])).toEqual({ state: 'pending', stage: 'publish' });
    expect(chainOutcome([pre, crawl, publish], { rows: { written: 4, rejected: 1, duplicates: 2 }, rejectedCells: 3 })).toEqual({
      state: 'done',
      rowsWritten: 4,
      rowsRejected: 1,
      rejectedCells: 3,
      duplicates: 2,
      table: 'final.orders',
      jobs: ['daily'],
    });
  });

  it('counts the identical rows the preprocess report kept, and only those', () => {
    // Act
    const kept = chainOutcome([pre, crawl, publish], { rows: { written: 9, duplicates: 0 }, duplicates: { identical: 3, dropped: 0 } });
    const dropped = chainOutcome([pre, crawl, publish], { rows: { written: 6, duplicates: 3 }, duplicates: { identical: 3, dropped: 3 } });

    // Assess
    expect(kept).toMatchObject({ state: 'done', duplicates: 0, identicalKept: 3 });
    expect(dropped).toMatchObject({ state: 'done', duplicates: 3 });
    expect(dropped).not.toHaveProperty('identicalKept');
  });

  it('ends at preprocess in crawler mode, done in the processed table with the report figures', () => {
    // Prepare
    const crawled = { ...pre, result: { processedKey: 'orders/a.parquet', rows: { written: 5 }, rejectedCells: 0, catalog: 'crawler' } } as Run;

    // Act
    const outcome = chainOutcome([crawled], { rows: { written: 4, rejected: 1, duplicates: 0 }, rejectedCells: 2 });

    // Assess
    expect(outcome).toEqual({ state: 'done', rowsWritten: 4, rowsRejected: 1, rejectedCells: 2, duplicates: 0, table: 'processed.orders' });
    expect(chainOutcome([crawled])).toMatchObject({ state: 'done', rowsWritten: 5 });
    expect(chainOutcome([pre])).toEqual({ state: 'pending', stage: 'publish' });
  });

  it('ends at the crawl when no built-in publish follows, and reports failure, quarantine and supersession first', () => {
    const unpublished = { ...crawl, result: { table: 'processed.orders', rows: 5, published: false, jobs: ['j'] } } as Run;
    expect(chainOutcome([pre, unpublished])).toMatchObject({ state: 'done', table: 'processed.orders', rowsWritten: 5, jobs: ['j'] });
    expect(chainOutcome([pre, { ...crawl, status: 'failed', error: 'disk full' } as Run])).toEqual({ state: 'failed', error: 'disk full', stage: 'crawl' });
    expect(chainOutcome([{ ...pre, status: 'quarantined', error: 'not text' } as Run])).toEqual({ state: 'quarantined', reason: 'not text' });
    expect(chainOutcome([{ ...pre, status: 'superseded' } as Run])).toEqual({ state: 'superseded' });
    expect(chainOutcome([{ ...pre, result: { superseded: true } } as Run])).toEqual({ state: 'superseded' });
  });
});
