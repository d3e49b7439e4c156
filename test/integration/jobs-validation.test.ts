/**
 * Transform jobs that are wrong: refused when sluice.yaml loads, or failed with the YAML path when they meet the catalog.
 * Each mistake is checked in-process against the config parser or the job planner, which takes milliseconds; one of
 * each kind also goes through the real CLI, for its output, exit code and what the run leaves in the state database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { JobConfig } from '../../src/config/schema.js';
import { parseTableName } from '../../src/core/catalog.js';
import { ConfigError } from '../../src/core/errors.js';
import { Engine } from '../../src/engine/duckdb.js';
import { type QueryTable, tableSelect } from '../../src/engine/query.js';
import { quoteIdentifier } from '../../src/engine/sql.js';
import { readableTables } from '../../src/engine/tables.js';
import { createLogger } from '../../src/runtime/logger.js';
import { openProject } from '../../src/runtime/project.js';
import { joinsOf, planJob } from '../../src/stages/transform/plan.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { sluice, sluiceJson, stateRows, tempDir } from '../helpers/project.js';

interface Column {
  name: string;
  type: string;
}
interface JobRun {
  id: number;
  job: string;
  status: string;
  trigger: string;
  rowsWritten: number;
  error?: string;
}

const ORDERS = 'order_id,amount,order_date,country\n1,10.50,2024-01-05,DE\n2,20.00,2024-02-07,FR\n';
const COUNTRIES = 'country,name,amount\nDE,Germany,1\nFR,France,2\n';

function writeConfig(dir: string, text: string) {
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), text);
}

/** sluice.yaml with one job `j` reading processed.orders into final.out, plus `extra` keys of the job. */
function jobConfig(extra: Record<string, unknown>, output: Record<string, unknown> = {}): string {
  return stringify({ jobs: { j: { source: 'processed.orders', ...extra, output: { table: 'out', ...output } } } });
}

async function ingest(dir: string, name: string, dataset: string, text: string) {
  fs.writeFileSync(path.join(dir, name), text);
  return sluice(['ingest', name, '--dataset', dataset, '--dir', dir], { cwd: dir });
}

/** The newest run of job `j` in the queue and in the job's history. */
function lastJobRun(dir: string) {
  const [queued] = stateRows<{ status: string; attempts: number }>(
    dir,
    `select status, attempts from runs where stage = 'job' and subject = 'j' order by id desc limit 1`,
  );
  const [history] = stateRows<{ status: string; error: string | null }>(dir, `select status, error from job_runs where job = 'j' order by id desc limit 1`);
  return { queued, history };
}

/** What `fn` threw (or rejected with); undefined when it did not. */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** Expect `err` to be the ConfigError a command reports with exit code 2 (and a job run does not retry), saying `message`. */
function expectConfigError(err: unknown, message: string) {
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).exitCode).toBe(2);
  expect((err as ConfigError).message).toBe(message);
}

describe('jobs refused when sluice.yaml is loaded', () => {
  const cases: { name: string; yaml: string; error: string }[] = [
    {
      name: 'an incremental job that aggregates',
      yaml: 'jobs:\n  j:\n    source: processed.orders\n    mode: incremental\n    aggregate:\n      groupBy: [country]\n      measures:\n        total: sum(amount)\n    output:\n      table: out\n',
      error: 'jobs.j.mode (line 4): an incremental job runs file by file, but aggregate needs the whole table; use mode: full (or leave mode out)',
    },
    {
      name: 'an incremental job that joins',
      yaml: 'jobs:\n  j:\n    source: processed.orders\n    mode: incremental\n    join:\n      table: processed.countries\n      on: [country]\n    output:\n      table: out\n',
      error: 'jobs.j.mode (line 4): an incremental job runs file by file, but join needs the whole table; use mode: full (or leave mode out)',
    },
    {
      name: 'an incremental job that dedupes',
      yaml: 'jobs:\n  j:\n    source: processed.orders\n    mode: incremental\n    dedupe:\n      keys: [order_id]\n    output:\n      table: out\n',
      error: 'jobs.j.mode (line 4): an incremental job runs file by file, but dedupe needs the whole table; use mode: full (or leave mode out)',
    },
    {
      name: 'two jobs writing one table',
      yaml: 'jobs:\n  a:\n    source: processed.orders\n    output:\n      table: out\n  b:\n    source: processed.orders\n    output:\n      table: out\n',
      error: 'jobs.b.output.table (line 9): job a already writes final.out; give each job its own output table',
    },
    {
      name: 'two jobs reading each other',
      yaml: 'jobs:\n  a:\n    source: final.b_out\n    output:\n      table: a_out\n  b:\n    source: final.a_out\n    output:\n      table: b_out\n',
      error:
        'jobs.a.source (line 3): jobs form a cycle: a (writes final.a_out) → b (writes final.b_out) → a (writes final.a_out); a job cannot read, directly or through other jobs, the table it writes',
    },
    {
      name: 'a job reading its own output',
      yaml: 'jobs:\n  j:\n    source: final.out\n    output:\n      table: out\n',
      error:
        'jobs.j.source (line 3): jobs form a cycle: j (writes final.out) → j (writes final.out); a job cannot read, directly or through other jobs, the table it writes',
    },
    {
      name: 'a job joining its own output',
      yaml: 'jobs:\n  j:\n    source: processed.orders\n    join: { table: final.out, on: [order_id] }\n    output:\n      table: out\n',
      error:
        'jobs.j.join.table (line 4): jobs form a cycle: j (writes final.out) → j (writes final.out); a job cannot read, directly or through other jobs, the table it writes',
    },
    {
      name: 'a mapping to a type that does not exist',
      yaml: 'jobs:\n  j:\n    source: processed.orders\n    mappings:\n      - [amount, decimal, revenue, "numbr"]\n    output:\n      table: out\n',
      error:
        'jobs.j.mappings[0][3] (line 5): unknown type "numbr"; use one of string, int, bigint, double, decimal(p,s), boolean, date, timestamp (or a DuckDB type name)',
    },
    {
      name: 'a source without its zone',
      yaml: 'jobs:\n  j:\n    source: orders\n    output:\n      table: out\n',
      error: 'jobs.j.source (line 3): write a table as processed.<table> or final.<table>',
    },
    {
      name: 'a source in the raw zone',
      yaml: 'jobs:\n  j:\n    source: raw.orders\n    output:\n      table: out\n',
      error: 'jobs.j.source (line 3): write a table as processed.<table> or final.<table>',
    },
  ];

  it.each(cases)('$name: refused with the YAML path and line', async ({ yaml, error }) => {
    expectConfigError(await thrown(() => parseConfig(yaml)), `sluice.yaml: ${error}`);
  });

  it('every command exits 2 naming the file, the YAML path and line, and creates nothing', async () => {
    const { yaml, error } = cases.find((c) => c.name === 'two jobs writing one table') as (typeof cases)[number];
    const dir = tempDir();
    writeConfig(dir, yaml);
    const expected = `sluice: ${path.join(dir, 'sluice.yaml')}: ${error}\n`;

    const ingested = await ingest(dir, 'orders.csv', 'orders', ORDERS);
    const listed = await sluice(['jobs', 'list', '--dir', dir]);

    expect(ingested).toEqual({ code: 2, stdout: '', stderr: expected });
    expect(listed).toEqual({ code: 2, stdout: '', stderr: expected });
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
  });
});

describe('a job that does not fit the catalog, run by an ingest', () => {
  it('processes the file, fails the job once with the YAML path, writes nothing, and runs once sluice.yaml is fixed', async () => {
    const dir = tempDir();
    writeConfig(dir, jobConfig({ mappings: [['ammount', 'decimal', 'revenue', 'double']] }));

    const r = await ingest(dir, 'orders.csv', 'orders', ORDERS);

    expect(r.code).toBe(1);
    expect(r.stdout).toContain('orders/orders.csv: done: 2 rows in processed.orders; read by job j\n');
    expect(r.stdout).toContain('job j: failed: sluice.yaml: jobs.j.mappings[0][0]: unknown column "ammount" in processed.orders (did you mean "amount"?)\n');
    const table = await sluiceJson<{ columns: Column[]; rows: number }>(['catalog', 'show', 'processed.orders', '--json', '--dir', dir]);
    expect(table.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['order_id BIGINT', 'amount DECIMAL(18,2)', 'order_date DATE', 'country VARCHAR']);
    expect(table.rows).toBe(2);
    const runs = await sluiceJson<JobRun[]>(['jobs', 'runs', 'j', '--json', '--dir', dir]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ job: 'j', status: 'failed', trigger: 'table.updated processed.orders', rowsWritten: 0 });
    expect(runs[0]?.error).toBe('sluice.yaml: jobs.j.mappings[0][0]: unknown column "ammount" in processed.orders (did you mean "amount"?)');
    // A configuration error is not retried: the run failed on its first attempt.
    expect(lastJobRun(dir).queued).toEqual({ status: 'failed', attempts: 1 });
    expect(fs.existsSync(path.join(dir, 'data/final/out'))).toBe(false);
    const tables = await sluiceJson<{ table: string }[]>(['catalog', 'tables', '--json', '--dir', dir]);
    expect(tables.map((t) => t.table)).toEqual(['processed.orders']);

    writeConfig(dir, jobConfig({ mappings: [['amount', 'decimal', 'revenue', 'double']] }));
    const fixed = await sluice(['jobs', 'run', 'j', '--dir', dir]);

    expect(fixed).toMatchObject({ code: 0, stdout: 'j: read 1 input file(s), wrote 2 rows to final.out\n' });
    const rows = await catalogRows<unknown>(dir, 'select * from final.out order by revenue');
    expect(rows).toEqual([{ revenue: 10.5 }, { revenue: 20 }]);
    const after = await sluiceJson<JobRun[]>(['jobs', 'runs', 'j', '--json', '--dir', dir]);
    expect(after.map((x) => [x.status, x.trigger])).toEqual([
      ['succeeded', 'manual'],
      ['failed', 'table.updated processed.orders'],
    ]);
  });
});

describe('jobs that do not fit the catalog, run by hand', () => {
  let dir = '';
  let engine: Engine | undefined;
  /** processed.orders and processed.countries as the catalog has them after the ingests. */
  const catalogTables = new Map<string, QueryTable>();
  beforeAll(async () => {
    dir = tempDir();
    expect((await ingest(dir, 'orders.csv', 'orders', ORDERS)).code).toBe(0);
    expect((await ingest(dir, 'countries.csv', 'countries', COUNTRIES)).code).toBe(0);
    const project = openProject(dir, { log: createLogger({ level: 'error' }) });
    try {
      for (const qualified of ['processed.orders', 'processed.countries']) {
        const ref = parseTableName(qualified);
        const table = await project.catalog.getTable(ref.database, ref.name);
        if (!table) throw new Error(`${qualified} is not in the catalog after its ingest`);
        const files = await project.catalog.files(ref.database, ref.name);
        const [readable] = (await readableTables([{ table, files }], (t) => project.zones[t.database], project.tmpDir)).tables;
        if (readable) catalogTables.set(qualified, readable);
      }
    } finally {
      project.close();
    }
    engine = await Engine.open({ tempDir: tempDir('sluice-plan-engine-') });
  });
  afterAll(() => engine?.close());

  /**
   * Plan job `j` over the catalog's tables as a run does (the source with its ordinal columns, each joined table
   * that is in the catalog), without writing anything.
   */
  async function plan(job: Record<string, unknown>, output?: Record<string, unknown>) {
    const config = parseConfig(jobConfig(job, output)).jobs.j as JobConfig;
    return (engine as Engine).withConnection(async (c) => {
      const view = async (name: string, qualified: string, ordinal: boolean) => {
        const table = catalogTables.get(qualified);
        if (!table) return undefined;
        await c.run(`CREATE TEMP VIEW ${quoteIdentifier(name)} AS ${tableSelect(table, { ordinal })}`);
        return name;
      };
      const source = (await view('job_source', config.source, true)) as string;
      const joins: (string | undefined)[] = [];
      for (const [k, join] of joinsOf(config).entries()) joins.push(await view(`job_join_${k}`, join.table, false));
      return planJob(c, 'j', config, { source, joins });
    });
  }

  const cases: { name: string; job: Record<string, unknown>; output?: Record<string, unknown>; error: string }[] = [
    {
      name: 'a source type that is not the catalog type',
      job: { mappings: [['amount', 'string', 'revenue', 'double']] },
      error:
        'jobs.j.mappings[0][1]: amount is DECIMAL(18,2) in processed.orders, not string; write the source type as it is in the catalog (sluice catalog show processed.orders)',
    },
    {
      name: 'a cast that has no meaning',
      job: {
        mappings: [
          ['amount', 'decimal', 'revenue', 'double'],
          ['order_date', 'date', 'day', 'bigint'],
        ],
      },
      error:
        'jobs.j.mappings[1][3]: order_date (DATE) cannot become bigint: a date value has no numeric meaning; map it to string, or derive the value you need with an expression',
    },
    {
      name: 'two mappings to one target',
      job: {
        mappings: [
          ['amount', 'decimal', 'value', 'double'],
          ['order_id', 'bigint', 'value', 'bigint'],
        ],
      },
      error: 'jobs.j.mappings[1][2]: the target "value" clashes with the column "value" (names are compared without regard to case); pick another name',
    },
    {
      name: 'renaming an unknown column',
      job: { rename: { amout: 'revenue' } },
      error: 'jobs.j.rename.amout: unknown column "amout" (did you mean "amount"?)',
    },
    {
      name: 'renaming onto an existing column',
      job: { rename: { amount: 'country' } },
      error: 'jobs.j.rename.amount: the new name "country" clashes with the column "country" (names are compared without regard to case); pick another name',
    },
    {
      name: 'dropping an unknown column',
      job: { drop: ['order_id', 'countri'] },
      error: 'jobs.j.drop[1]: unknown column "countri" (did you mean "country"?)',
    },
    {
      name: 'dropping every column',
      job: { drop: ['order_id', 'amount', 'order_date', 'country'] },
      error: 'jobs.j.drop: this would drop every column',
    },
    {
      name: 'a dedupe key that is not a column',
      job: { dedupe: { keys: ['order_idd'] } },
      error: 'jobs.j.dedupe.keys[0]: unknown column "order_idd" (did you mean "order_id"?)',
    },
    {
      name: 'a dedupe order on an unknown column',
      job: { dedupe: { keys: ['country'], orderBy: ['amout desc'] } },
      error: 'jobs.j.dedupe.orderBy[0]: unknown column "amout" (did you mean "amount"?)',
    },
    {
      name: 'grouping by an unknown column',
      job: { aggregate: { groupBy: ['contry'], measures: { total: 'sum(amount)' } } },
      error: 'jobs.j.aggregate.groupBy[0]: unknown column "contry" (did you mean "country"?)',
    },
    {
      name: 'sorting by an unknown column',
      job: { sort: ['order_date desc', 'amout'] },
      error: 'jobs.j.sort[1]: unknown column "amout" (did you mean "amount"?)',
    },
    {
      name: 'sorting by a column an aggregate left out',
      job: { aggregate: { groupBy: ['country'], measures: { total: 'sum(amount)' } }, sort: ['amount'] },
      error: 'jobs.j.sort[0]: unknown column "amount" (columns: country, total)',
    },
    {
      name: 'partitioning by an unknown column',
      job: {},
      output: { partitionBy: ['contry'] },
      error: 'jobs.j.output.partitionBy[0]: unknown column "contry" (did you mean "country"?)',
    },
    {
      name: 'a derive using an unknown column',
      job: { derive: { doubled: 'ammount * 2' } },
      error: 'jobs.j.derive.doubled: "ammount * 2": unknown column "ammount" (did you mean "amount"?)',
    },
    {
      name: 'a derive reading a file',
      job: { derive: { secret: "read_csv('/etc/passwd')" } },
      error:
        'jobs.j.derive.secret: "read_csv(\'/etc/passwd\')": the function read_csv() is not allowed (expressions may not read files, settings or the network, or depend on the time or chance)',
    },
    {
      name: 'a derive reading the environment',
      job: { derive: { home: "getenv('HOME')" } },
      error:
        'jobs.j.derive.home: "getenv(\'HOME\')": the function getenv() is not allowed (expressions may not read files, settings or the network, or depend on the time or chance)',
    },
    {
      name: 'a derive with a subquery',
      job: { derive: { n: '(select count(*) from processed.orders)' } },
      error: 'jobs.j.derive.n: "(select count(*) from processed.orders)": subqueries are not allowed in an expression',
    },
    {
      name: 'a derive using an aggregate',
      job: { derive: { total: 'sum(amount)' } },
      error: 'jobs.j.derive.total: "sum(amount)": sum() is an aggregate; a row expression works on one row at a time (aggregates belong in aggregate.measures)',
    },
    {
      name: 'a derive that smuggles in a clause',
      job: { derive: { x: 'amount) FROM t WHERE (true) --' } },
      error: 'jobs.j.derive.x: "amount) FROM t WHERE (true) --" is not a valid SQL expression: syntax error at or near ")"',
    },
    {
      name: 'a derive whose types do not combine',
      job: { derive: { x: 'amount + order_date' } },
      error:
        "jobs.j.derive.x: does not work on the columns order_id, amount, order_date, country: Binder Error: No function matches the given name and argument types '+(DECIMAL(18,2), DATE)'. You might need to add explicit type casts.",
    },
    {
      name: 'a filter that is not a condition',
      job: { filter: 'amount + 1' },
      error: 'jobs.j.filter: "amount + 1" must be a condition (true or false), but it gives DECIMAL(18,2)',
    },
    {
      name: 'a filter on an unknown column',
      job: { filter: "contry = 'DE'" },
      error: 'jobs.j.filter: "contry = \'DE\'": unknown column "contry" (did you mean "country"?)',
    },
    {
      name: 'a measure on an unknown column',
      job: { aggregate: { groupBy: ['country'], measures: { total: 'sum(amout)' } } },
      error: 'jobs.j.aggregate.measures.total: "sum(amout)": unknown column "amout" (did you mean "amount"?)',
    },
    {
      name: 'a measure named like a group column',
      job: { aggregate: { groupBy: ['country'], measures: { country: 'count(*)' } } },
      error:
        'jobs.j.aggregate.measures.country: the measure "country" clashes with the column "country" (names are compared without regard to case); pick another name',
    },
    {
      name: 'a join to a table not in the catalog',
      job: { join: { table: 'processed.regions', on: ['country'] } },
      error: 'jobs.j.join.table: processed.regions is not in the catalog yet; ingest its data first',
    },
    {
      name: 'a second join to a table not in the catalog',
      job: {
        join: [
          { table: 'processed.countries', on: ['country'], prefix: 'c_' },
          { table: 'final.nope', on: ['country'] },
        ],
      },
      error: 'jobs.j.join[1].table: final.nope is not in the catalog yet; ingest its data first',
    },
    {
      name: 'a join key unknown on the right',
      job: { join: { table: 'processed.countries', on: { country: 'contry' } } },
      error: 'jobs.j.join.on: unknown column "contry" in processed.countries (did you mean "country"?)',
    },
    {
      name: 'a join key unknown on the right, with nothing close',
      job: { join: { table: 'processed.countries', on: { country: 'iso_code' } } },
      error: 'jobs.j.join.on: unknown column "iso_code" in processed.countries (columns: country, name, amount)',
    },
    {
      name: 'a join key unknown on the left',
      job: { join: { table: 'processed.countries', on: ['contry'] } },
      error: 'jobs.j.join.on: unknown column "contry" (did you mean "country"?)',
    },
    {
      name: 'a derive that depends on the time',
      job: { derive: { d: 'today()' } },
      error:
        'jobs.j.derive.d: "today()": the function today() is not allowed (expressions may not read files, settings or the network, or depend on the time or chance)',
    },
    {
      name: 'a derive that sleeps',
      job: { derive: { d: 'sleep_ms(10)' } },
      error:
        'jobs.j.derive.d: "sleep_ms(10)": the function sleep_ms() is not allowed (expressions may not read files, settings or the network, or depend on the time or chance)',
    },
    {
      name: 'two mapping targets that differ only in case',
      job: {
        mappings: [
          ['amount', 'decimal', 'X', 'double'],
          ['order_id', 'bigint', 'x', 'bigint'],
        ],
      },
      error: 'jobs.j.mappings[1][2]: the target "x" clashes with the column "X" (names are compared without regard to case); pick another name',
    },
    {
      name: "a name reserved for Sluice's own columns",
      job: { rename: { amount: '__sluice_file' } },
      error: 'jobs.j.rename.amount: names starting with "__sluice" are reserved for Sluice\'s own columns; pick another name',
    },
    {
      name: 'a measure that is not an aggregate',
      job: { aggregate: { groupBy: ['country'], measures: { n: 'count(*)', total: 'amount' } } },
      error: 'jobs.j.aggregate.measures.total: "amount" uses amount outside an aggregate; wrap it in one (e.g. sum(amount), max(amount)) or add it to groupBy',
    },
    {
      name: 'a joined column that is not there',
      job: { join: { table: 'processed.countries', on: ['country'], columns: ['nme'] } },
      error: 'jobs.j.join.columns[0]: unknown column "nme" in processed.countries (did you mean "name"?)',
    },
    {
      name: 'a joined column whose name the job already has',
      job: { join: { table: 'processed.countries', on: ['country'] } },
      error:
        'jobs.j.join: processed.countries.amount would be named "amount", which the job already has; set join.prefix (e.g. prefix: countries_) or list the columns to take',
    },
  ];

  it.each(cases)('$name', async ({ job, output, error }) => {
    expectConfigError(await thrown(() => plan(job, output)), `sluice.yaml: ${error}`);
  });

  it.each([
    { name: 'a derive that does not parse', job: { derive: { x: 'amount * (2' } }, error: 'jobs.j.derive.x: "amount * (2" is not a valid SQL expression: ' },
    {
      name: 'a measure that does not parse',
      job: { aggregate: { groupBy: ['country'], measures: { total: 'sum(amount' } } },
      error: 'jobs.j.aggregate.measures.total: "sum(amount" is not a valid SQL expression: ',
    },
  ])('$name', async ({ job, error }) => {
    expectConfigError(await thrown(() => plan(job)), `sluice.yaml: ${error}it ends too early (is a parenthesis or quote left open?)`);
  });

  it('a job the planner refuses fails its run once, with the YAML path, and writes nothing', async () => {
    const { job, error } = cases.find((c) => c.name === 'a source type that is not the catalog type') as (typeof cases)[number];
    writeConfig(dir, jobConfig(job));

    const r = await sluice(['jobs', 'run', 'j', '--dir', dir]);

    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`j: failed: sluice.yaml: ${error}\n`);
    expect(lastJobRun(dir)).toEqual({ queued: { status: 'failed', attempts: 1 }, history: { status: 'failed', error: `sluice.yaml: ${error}` } });
    expect(fs.existsSync(path.join(dir, 'data/final/out'))).toBe(false);
  });

  it('a derive named like a column in another case replaces it, and a repeated drop is one drop', async () => {
    writeConfig(dir, jobConfig({ derive: { Amount: 'amount * 2' }, drop: ['country', 'country', 'order_id'] }));

    const r = await sluice(['jobs', 'run', 'j', '--dir', dir]);

    expect(r.code).toBe(0);
    const rows = await catalogRows<unknown>(dir, 'select * from final.out order by order_date');
    expect(rows).toEqual([
      { amount: 21, order_date: '2024-01-05' },
      { amount: 40, order_date: '2024-02-07' },
    ]);
  });

  it('runs once the job fits, and joins with a prefix', async () => {
    writeConfig(
      dir,
      jobConfig({
        join: { table: 'processed.countries', on: ['country'], prefix: 'c_' },
        derive: { doubled: 'amount * 2' },
        filter: 'amount > 15',
      }),
    );

    const r = await sluice(['jobs', 'run', 'j', '--dir', dir]);

    expect(r).toMatchObject({ code: 0, stdout: 'j: read 1 input file(s), wrote 1 rows to final.out\n' });
    const rows = await catalogRows<unknown>(dir, 'select * from final.out');
    expect(rows).toEqual([{ order_id: 2, amount: 20, order_date: '2024-02-07', country: 'FR', c_name: 'France', c_amount: 2, doubled: 40 }]);
  });
});
