/**
 * Transform jobs from sluice.yaml on real DuckDB and SQLite files. Files are ingested and jobs run in the test process,
 * as `sluice ingest` and `sluice jobs run` do; the real CLI where what it prints is checked (one ingest, the job run
 * messages, `jobs runs --json`) and for every run that is killed part-way and resumed. Results are read back in-process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { quoteString } from '../../src/engine/sql.js';
import { queueJob } from '../../src/runtime/local/job-commands.js';
import { showTable } from '../../src/views/catalog.js';
import { jobHistory, listJobs } from '../../src/views/jobs.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { ingestFiles, resetJobBookmark, runJob, runPipeline, viewJson, withProject } from '../helpers/in-process.js';
import { sluice, sluiceJson, stateRows, tempDir } from '../helpers/project.js';

const ORDERS_JOBS = `
jobs:
  orders_clean:
    source: processed.orders
    mode: incremental
    mappings:
      - [order_id, bigint, order_id, bigint]
      - [amount, double, revenue, "decimal(12,2)"]
      - [order_date, date, order_date, date]
      - [country, string, country, string]
      - [note, string, note, string]
    derive:
      order_month: "strftime(order_date, '%Y-%m')"
      country: "upper(country)"
    filter: "revenue > 0"
    output: { table: orders, partitionBy: [order_month], csv: true }
  revenue_by_country:
    source: final.orders
    mode: full
    aggregate:
      groupBy: [country]
      measures: { revenue: "sum(revenue)", orders: "count(*)" }
    sort: [revenue desc]
    output: { table: revenue_by_country }
`;

const V1 = [
  'order_id,amount,order_date,country,note',
  '1,10.50,2024-01-05,de,ok',
  '2,20.25,2024-01-20,fr,=HYPERLINK("http://x")',
  '3,-5.00,2024-02-01,de,refund',
  '4,7.125,2024-02-11,us,+1 555',
  '5,0.00,2024-03-01,fr,@sum',
].join('\n');

/** A v2 of the same raw file: one row changed, one removed, one added. */
const V2 = ['order_id,amount,order_date,country,note', '1,11.50,2024-01-05,de,ok', '2,20.25,2024-01-20,fr,x', '6,3.00,2024-03-09,us,new'].join('\n');

function project(yaml = ORDERS_JOBS): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), yaml);
  return dir;
}

/** `sluice ingest <name> --dataset orders` through the CLI (with SLUICE_CRASH_AT in `env`, killed where it says). */
async function ingestCli(dir: string, text: string, name = 'orders.csv', env: NodeJS.ProcessEnv = {}) {
  fs.writeFileSync(path.join(dir, name), text);
  return sluice(['ingest', name, '--dataset', 'orders', '--dir', dir], { cwd: dir, env });
}

/** `orders/<name>` ingested in the test process; where it ended. */
async function ingest(dir: string, text: string | Uint8Array, name = 'orders.csv') {
  const [outcome] = await ingestFiles(dir, { [`orders/${name}`]: text });
  return outcome;
}

/** The runs one `sluice jobs run` recorded, as it reports them: status, inputs read, rows written, and why it skipped, if it did. */
function summary(runs: { status: string; inputs: number; rowsWritten: number; detail?: unknown }[]) {
  return runs.map((r) => ({
    status: r.status,
    inputs: r.inputs,
    rowsWritten: r.rowsWritten,
    skipped: (r.detail as { skipped?: string } | undefined)?.skipped,
  }));
}

function query<T>(dir: string, sql: string): Promise<T[]> {
  return catalogRows<T>(dir, sql);
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

async function parquetTypes(file: string): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteString(file)}, hive_partitioning = false)`);
    return Object.fromEntries(r.getRowObjectsJS().map((row) => [String(row.column_name), String(row.column_type)]));
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

describe('a mapping, derive and filter job', () => {
  it('writes a partitioned table whose Parquet files hold exactly the target types, and an aggregate job downstream', async () => {
    const dir = project();

    const r = await ingestCli(dir, V1);

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('orders/orders.csv: done: 5 rows in processed.orders; read by job orders_clean');
    expect(r.stdout).toContain('job orders_clean: wrote 3 rows to final.orders (1 input file(s))');
    const rows = await query(dir, 'select order_id, revenue, order_date, country, order_month from final.orders order by order_id');
    expect(rows).toEqual([
      { order_id: 1, revenue: 10.5, order_date: '2024-01-05', country: 'DE', order_month: '2024-01' },
      { order_id: 2, revenue: 20.25, order_date: '2024-01-20', country: 'FR', order_month: '2024-01' },
      { order_id: 4, revenue: 7.13, order_date: '2024-02-11', country: 'US', order_month: '2024-02' },
    ]);
    const parquet = filesUnder(path.join(dir, 'data/final/orders'));
    expect(parquet.map((f) => path.dirname(f))).toEqual(['order_month=2024-01', 'order_month=2024-02']);
    for (const f of parquet) {
      expect(await parquetTypes(path.join(dir, 'data/final/orders', f))).toEqual({
        order_id: 'BIGINT',
        revenue: 'DECIMAL(12,2)',
        order_date: 'DATE',
        country: 'VARCHAR',
        note: 'VARCHAR',
      });
    }
    const table = await viewJson(dir, (p) => showTable(p, 'final.orders'));
    expect(table.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'order_id BIGINT',
      'revenue DECIMAL(12,2)',
      'order_date DATE',
      'country VARCHAR',
      'note VARCHAR',
    ]);
    expect(table.partitionKeys.map((c) => `${c.name} ${c.type}`)).toEqual(['order_month VARCHAR']);

    // The aggregate job reads final.orders and ran because that table changed.
    expect(await query(dir, 'select * from final.revenue_by_country')).toEqual([
      { country: 'FR', revenue: 20.25, orders: 1 },
      { country: 'DE', revenue: 10.5, orders: 1 },
      { country: 'US', revenue: 7.13, orders: 1 },
    ]);
    const runs = await viewJson(dir, (p) => jobHistory(p, 'revenue_by_country'));
    expect(runs[0]).toMatchObject({ status: 'succeeded', trigger: 'table.updated final.orders', mode: 'full', rowsRead: 3, rowsWritten: 3 });
  });

  it('writes CSV with formula cells neutralised, and a QuickSight manifest beside it', async () => {
    const dir = project();
    await ingest(dir, V1);

    const csvFiles = filesUnder(path.join(dir, 'data/final/_csv/orders'));
    expect(csvFiles).toHaveLength(1);
    const csv = fs.readFileSync(path.join(dir, 'data/final/_csv/orders', csvFiles[0] as string), 'utf8');
    expect(csv.split('\n').filter(Boolean)).toEqual([
      'order_id,revenue,order_date,country,note,order_month',
      '1,10.50,2024-01-05,DE,ok,2024-01',
      `2,20.25,2024-01-20,FR,"'=HYPERLINK(""http://x"")",2024-01`,
      "4,7.13,2024-02-11,US,'+1 555,2024-02",
    ]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'data/final/_csv/orders.manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      fileLocations: [{ URIPrefixes: [`file://${path.join(dir, 'data/final/_csv/orders')}/`] }],
      globalUploadSettings: { format: 'CSV', delimiter: ',', textqualifier: '"', containsHeader: 'true' },
    });
  });
});

describe('bookmarks and replacement', () => {
  it('a second run with no new data writes nothing', async () => {
    const dir = project();
    await ingest(dir, V1);
    const before = filesUnder(path.join(dir, 'data/final')).map((f) => [f, fs.statSync(path.join(dir, 'data/final', f)).mtimeMs]);

    const again = await sluice(['jobs', 'run', 'orders_clean', '--dir', dir]);
    const aggregate = await runJob(dir, 'revenue_by_country');

    expect(again.stdout).toBe('orders_clean: nothing new since the last run (no input changed since the last run)\n');
    expect(summary(aggregate)).toEqual([{ status: 'succeeded', inputs: 0, rowsWritten: 0, skipped: 'no input changed since the last run' }]);
    const after = filesUnder(path.join(dir, 'data/final')).map((f) => [f, fs.statSync(path.join(dir, 'data/final', f)).mtimeMs]);
    expect(after).toEqual(before);
    const runs = await sluiceJson<{ rowsWritten: number; filesWritten: number; trigger: string }[]>(['jobs', 'runs', 'orders_clean', '--json', '--dir', dir]);
    expect(runs[0]).toMatchObject({ trigger: 'manual', rowsWritten: 0, filesWritten: 0 });
  });

  it('re-uploading a changed raw file replaces its rows in final, with no duplicates, and downstream jobs follow', async () => {
    const dir = project();
    await ingest(dir, V1);
    await ingest(dir, 'order_id,amount,order_date,country,note\n10,1.00,2024-05-05,nl,other file\n', 'other.csv');

    const r = await ingest(dir, V2);

    expect(r?.state).toBe('done');
    expect(await query(dir, 'select order_id, revenue from final.orders order by order_id')).toEqual([
      { order_id: 1, revenue: 11.5 },
      { order_id: 2, revenue: 20.25 },
      { order_id: 6, revenue: 3 },
      { order_id: 10, revenue: 1 },
    ]);
    expect(await query(dir, 'select country, revenue, orders from final.revenue_by_country order by country')).toEqual([
      { country: 'DE', revenue: 11.5, orders: 1 },
      { country: 'FR', revenue: 20.25, orders: 1 },
      { country: 'NL', revenue: 1, orders: 1 },
      { country: 'US', revenue: 3, orders: 1 },
    ]);
    // Only the current outputs remain on disk: the replaced files were cleaned up after the switch.
    const listed = stateRows<{ file_key: string }>(dir, `select file_key from catalog_files where database = 'final' and name = 'orders'`).map(
      (x) => x.file_key,
    );
    expect(
      filesUnder(path.join(dir, 'data/final/orders'))
        .map((f) => `orders/${f}`)
        .sort(),
    ).toEqual([...listed].sort());
    expect(filesUnder(path.join(dir, 'data/final/_csv/orders'))).toHaveLength(2);
  });

  it('reset reprocesses every input and replaces its outputs rather than adding to them', async () => {
    const dir = project();
    await ingest(dir, V1);

    const reset = await resetJobBookmark(dir, 'orders_clean');
    const run = await runJob(dir, 'orders_clean');

    expect(reset).toBe(1);
    expect(summary(run)).toEqual([{ status: 'succeeded', inputs: 1, rowsWritten: 3, skipped: undefined }]);
    expect(await query(dir, 'select count(*) as n, count(distinct order_id) as ids from final.orders')).toEqual([{ n: 3, ids: 3 }]);
    expect(filesUnder(path.join(dir, 'data/final/orders'))).toHaveLength(2);
  });

  it('a raw file that leaves the source takes its rows out of final', async () => {
    const dir = project();
    await ingest(dir, V1);
    await ingest(dir, 'order_id,amount,order_date,country,note\n10,1.00,2024-05-05,nl,other file\n', 'other.csv');

    // The new version of other.csv is not a CSV table at all: it is quarantined and its outputs are withdrawn.
    const r = await ingest(dir, Buffer.from([0, 159, 146, 150, 0, 1, 2, 3]), 'other.csv');
    await runPipeline(dir);

    expect(r?.state).toBe('quarantined');
    expect(await query(dir, 'select order_id from final.orders order by order_id')).toEqual([{ order_id: 1 }, { order_id: 2 }, { order_id: 4 }]);
    expect(await query(dir, 'select sum(orders) as n from final.revenue_by_country')).toEqual([{ n: 3 }]);
  });
});

describe('changing a job', () => {
  it('reprocesses every input when the job spec changes, and keeps the table whole across mode switches', async () => {
    const job = (extra: string) => `jobs:\n  j:\n    source: processed.orders\n    filter: "amount > 0"\n${extra}    output: { table: out }\n`;
    const dir = project(job(''));
    await ingest(dir, V1);
    const ids = () => query<{ order_id: number }>(dir, 'select order_id from final.out order by order_id').then((r) => r.map((x) => x.order_id));
    expect(await ids()).toEqual([1, 2, 4]);

    fs.writeFileSync(path.join(dir, 'sluice.yaml'), job('    derive: { big: "amount > 10" }\n'));
    const edited = await runJob(dir, 'j');
    expect(summary(edited)).toEqual([{ status: 'succeeded', inputs: 1, rowsWritten: 3, skipped: undefined }]);
    expect(await query(dir, 'select order_id, big from final.out order by order_id')).toEqual([
      { order_id: 1, big: true },
      { order_id: 2, big: true },
      { order_id: 4, big: false },
    ]);

    for (const mode of ['full', 'incremental', 'full']) {
      fs.writeFileSync(path.join(dir, 'sluice.yaml'), job(`    mode: ${mode}\n`));
      const r = await runJob(dir, 'j');
      expect(r[0]?.status).toBe('succeeded');
      expect(await ids()).toEqual([1, 2, 4]);
      // Exactly the files the catalog lists are on disk: what the other mode wrote is gone.
      const listed = stateRows<{ file_key: string }>(dir, `select file_key from catalog_files where database = 'final' and name = 'out'`).map(
        (x) => x.file_key,
      );
      expect(filesUnder(path.join(dir, 'data/final/out')).map((f) => `out/${f}`)).toEqual([...listed].sort());
      const marks = stateRows<{ input_key: string }>(dir, `select input_key from bookmarks where job = 'j'`).map((x) => x.input_key);
      expect(marks).toEqual(mode === 'full' ? ['*'] : ['orders/orders.parquet']);
    }
  });
});

describe('a job added to a published dataset', () => {
  it('takes over the table: the unchanged copies published before are swapped out, not kept beside its rows', async () => {
    const dir = tempDir();
    await ingest(dir, V1);
    expect(await query(dir, 'select count(*) as n from final.orders')).toEqual([{ n: 5 }]);
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), ORDERS_JOBS);

    const r = await sluice(['jobs', 'run', 'orders_clean', '--dir', dir]);

    expect(r.stdout).toBe('orders_clean: read 1 input file(s), wrote 3 rows to final.orders\n');
    expect(await query(dir, 'select order_id, revenue from final.orders order by order_id')).toEqual([
      { order_id: 1, revenue: 10.5 },
      { order_id: 2, revenue: 20.25 },
      { order_id: 4, revenue: 7.13 },
    ]);
    const listed = stateRows<{ file_key: string }>(dir, `select file_key from catalog_files where database = 'final' and name = 'orders'`).map(
      (x) => x.file_key,
    );
    expect(filesUnder(path.join(dir, 'data/final/orders')).map((f) => `orders/${f}`)).toEqual([...listed].sort());
    expect(listed.every((k) => k.includes('order_month='))).toBe(true);
  });
});

describe('a job removed from sluice.yaml', () => {
  it('gives the table back to the built-in publish, which swaps the job output out', async () => {
    const dir = project();
    await ingest(dir, V1);
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), '');

    const queued = await withProject(dir, async (p, pipeline) => {
      const n = await queueJob(p, 'publish_orders');
      await pipeline.workUntilIdle();
      return n;
    });

    expect(queued).toBe(1);
    expect(await query(dir, 'select count(*) as n, count(distinct order_id) as ids from final.orders')).toEqual([{ n: 5, ids: 5 }]);
    expect(filesUnder(path.join(dir, 'data/final/orders'))).toEqual(['orders.parquet']);
  });
});

describe('atomic commits', () => {
  it('a run killed before its commit leaves the previous final table intact and readable; the next run completes it', async () => {
    const dir = project();
    await ingest(dir, V1);
    const before = await query(dir, 'select order_id, revenue from final.orders order by order_id');

    const killed = await ingestCli(dir, V2, 'orders.csv', { SLUICE_CRASH_AT: 'job.before-commit' });

    expect(killed.signal).toBe('SIGKILL');
    expect(await query(dir, 'select order_id, revenue from final.orders order by order_id')).toEqual(before);
    // The killed run's new files are on disk but not in the table.
    const listed = stateRows<{ n: number }>(dir, `select count(*) as n from catalog_files where database = 'final' and name = 'orders'`)[0]?.n;
    expect(filesUnder(path.join(dir, 'data/final/orders')).length).toBeGreaterThan(listed ?? 0);

    const resumed = await sluice(['run', '--dir', dir]);

    expect(resumed.code).toBe(0);
    expect(await query(dir, 'select order_id, revenue from final.orders order by order_id')).toEqual([
      { order_id: 1, revenue: 11.5 },
      { order_id: 2, revenue: 20.25 },
      { order_id: 6, revenue: 3 },
    ]);
    const keys = stateRows<{ file_key: string }>(dir, `select file_key from catalog_files where database = 'final' and name = 'orders'`).map((x) => x.file_key);
    expect(
      filesUnder(path.join(dir, 'data/final/orders'))
        .map((f) => `orders/${f}`)
        .sort(),
    ).toEqual([...keys].sort());
  });

  it('a job killed after its commit, before its run completed, still sets off the jobs reading its table on the retry', async () => {
    const dir = project();

    const killed = await ingestCli(dir, V1, 'orders.csv', { SLUICE_CRASH_AT: 'job.before-complete' });
    const resumed = await sluice(['run', '--dir', dir]);

    expect(killed.signal).toBe('SIGKILL');
    expect(resumed.code).toBe(0);
    expect(await query(dir, 'select country, orders from final.revenue_by_country order by country')).toEqual([
      { country: 'DE', orders: 1 },
      { country: 'FR', orders: 1 },
      { country: 'US', orders: 1 },
    ]);
  });

  it('a job whose source files are missing for one attempt is retried, and sluice jobs run reports how it ended', async () => {
    const dir = project();
    await ingest(dir, V1);
    expect(await resetJobBookmark(dir, 'revenue_by_country')).toBe(1);
    // The files of final.orders gone from disk, as when orders_clean swaps its outputs while revenue_by_country plans its read.
    const files = filesUnder(path.join(dir, 'data/final/orders'))
      .filter((f) => f.endsWith('.parquet'))
      .map((f) => path.join(dir, 'data/final/orders', f));
    for (const file of files) fs.renameSync(file, `${file}.away`);

    const running = sluice(['jobs', 'run', 'revenue_by_country', '--dir', dir]);
    let firstAttempt: { status: string; error: string | null } | undefined;
    for (let i = 0; i < 200 && !firstAttempt; i++) {
      await new Promise((r) => setTimeout(r, 50));
      firstAttempt = stateRows<{ status: string; error: string | null }>(
        dir,
        "select status, error from runs where stage = 'job' and subject = 'revenue_by_country' and error is not null order by id desc limit 1",
      )[0];
    }
    for (const file of files) fs.renameSync(`${file}.away`, file);
    const done = await running;

    expect(firstAttempt?.status).toBe('queued');
    expect(firstAttempt?.error).not.toMatch(/sluice\.yaml/);
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(await query(dir, 'select country, orders from final.revenue_by_country order by country')).toEqual([
      { country: 'DE', orders: 1 },
      { country: 'FR', orders: 1 },
      { country: 'US', orders: 1 },
    ]);
  });

  it('a built-in publish killed after its commit still sets off the jobs reading final.<dataset> on the retry', async () => {
    const dir = project(`
jobs:
  orders_per_country:
    source: final.orders
    aggregate: { groupBy: [country], measures: { orders: "count(*)" } }
    output: { table: orders_per_country }
`);

    const killed = await ingestCli(dir, V1, 'orders.csv', { SLUICE_CRASH_AT: 'publish.before-complete' });
    const resumed = await sluice(['run', '--dir', dir]);

    expect(killed.signal).toBe('SIGKILL');
    expect(resumed.code).toBe(0);
    expect(await query(dir, 'select country, orders from final.orders_per_country order by country')).toEqual([
      { country: 'de', orders: 2 },
      { country: 'fr', orders: 2 },
      { country: 'us', orders: 1 },
    ]);
  });
});

describe('joins, dedupe and full mode', () => {
  it('joins a lookup table, keeps the latest row per key and recomputes when either input changes', async () => {
    const dir = project(`
jobs:
  latest_orders:
    source: processed.orders
    join: { table: processed.countries, on: { country: code }, kind: left, columns: [name], prefix: country_ }
    dedupe: { keys: [order_id], keep: last, orderBy: [updated_at] }
    sort: [order_id]
    output: { table: latest_orders }
`);
    await ingestFiles(dir, { 'countries/countries.csv': 'code,name\nDE,Germany\nFR,France\n' });

    const r = await ingest(
      dir,
      'order_id,status,updated_at,country\n1,new,2024-01-01 10:00,DE\n1,paid,2024-01-02 09:00,DE\n2,new,2024-01-03 08:00,FR\n1,open,2024-01-01 12:00,DE\n3,new,2024-01-04 00:00,US\n',
    );

    expect(r?.state).toBe('done');
    expect(await query(dir, 'select order_id, status, country, country_name from final.latest_orders')).toEqual([
      { order_id: 1, status: 'paid', country: 'DE', country_name: 'Germany' },
      { order_id: 2, status: 'new', country: 'FR', country_name: 'France' },
      { order_id: 3, status: 'new', country: 'US', country_name: null },
    ]);
    const jobs = await viewJson(dir, listJobs);
    expect(jobs.find((j) => j.name === 'latest_orders')).toMatchObject({ mode: 'full', kind: 'config' });
    // processed.countries has no job reading it as a source, so it is still published as final.countries; orders is not.
    expect(jobs.map((j) => j.name).sort()).toEqual(['latest_orders', 'publish_countries']);

    await ingestFiles(dir, { 'countries/countries.csv': 'code,name\nDE,Deutschland\nFR,France\nUS,United States\n' });

    expect(await query(dir, 'select order_id, country_name from final.latest_orders')).toEqual([
      { order_id: 1, country_name: 'Deutschland' },
      { order_id: 2, country_name: 'France' },
      { order_id: 3, country_name: 'United States' },
    ]);
    expect(filesUnder(path.join(dir, 'data/final/latest_orders'))).toHaveLength(1);
  });
});
