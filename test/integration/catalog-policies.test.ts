/**
 * Schema change policies, drift events and folder layouts. Files are ingested and the catalog read in the test
 * process; the real CLI where its output is the point (a refusal as `sluice ingest` prints it, the text of
 * `catalog show`, `status --json`, `query`), and the HTTP API against the CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeOutcome } from '../../src/cli/context.js';
import { catalogEvents, showTable, tableSummary, tableVersions } from '../../src/views/catalog.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { crawlCatalog, ingestFiles, viewJson } from '../helpers/in-process.js';
import { sluice, sluiceJson, startSluice, stateRows, stopSluice, tempDir } from '../helpers/project.js';

interface Column {
  name: string;
  type: string;
  nullable: boolean;
}
interface SchemaDiff {
  added: Column[];
  removed: Column[];
  widened: { name: string; from: string; to: string }[];
  changed: { name: string; from: string; to: string }[];
}
interface CatalogEvent {
  type: string;
  table: string;
  version: number;
  policy?: string;
  applied?: boolean;
  file?: string;
  files?: string[];
  diff?: SchemaDiff;
}

function project(policy?: 'update' | 'log' | 'fail'): string {
  const dir = tempDir();
  if (policy) fs.writeFileSync(path.join(dir, 'sluice.yaml'), `datasets:\n  sales:\n    schemaChange: ${policy}\n`);
  return dir;
}

/** `sales/<name>` ingested in the test process; where it ended, and the line `sluice ingest` prints for it. */
async function ingest(dir: string, name: string, text: string) {
  const [outcome] = await ingestFiles(dir, { [`sales/${name}`]: text });
  if (!outcome) throw new Error(`no outcome for sales/${name}`);
  return { outcome, line: `sales/${name}: ${describeOutcome(outcome)}` };
}

/** As `sluice ingest <name> --dataset sales`, through the CLI. */
async function ingestCli(dir: string, name: string, text: string) {
  fs.writeFileSync(path.join(dir, name), text);
  return sluice(['ingest', name, '--dataset', 'sales', '--dir', dir], { cwd: dir });
}

const show = (dir: string, table: string) => viewJson(dir, (project) => showTable(project, table));
const versionsOf = (dir: string, table: string) => viewJson(dir, (project) => tableVersions(project, table));
const eventsOf = (dir: string, table: string) => viewJson<CatalogEvent[]>(dir, async (project) => (await catalogEvents(project, { table })) as CatalogEvent[]);

const FIRST = 'id,qty\n1,2\n2,3\n';
const WIDER = 'id,qty,region\n3,2.5,EU\n';

describe('schemaChange: fail', () => {
  it('quarantines a file that does not fit, with the diff, and leaves the table as it was', async () => {
    const dir = project('fail');
    expect((await ingest(dir, 'a.csv', FIRST)).outcome.state).toBe('done');
    const before = await show(dir, 'processed.sales');

    const refused = await ingestCli(dir, 'b.csv', WIDER);

    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('sales/b.csv: quarantined');
    expect(refused.stdout).toContain('+ region VARCHAR');
    expect(refused.stdout).toContain('~ qty BIGINT → DECIMAL(21,2)');
    expect(refused.stdout).toContain('datasets.sales.schemaChange is fail');
    const reason = JSON.parse(fs.readFileSync(path.join(dir, 'data/quarantine/sales/b.csv.error.json'), 'utf8'));
    expect(reason.table).toBe('processed.sales');
    expect(reason.diff.added).toEqual([{ name: 'region', type: 'VARCHAR', nullable: true, comment: 'free text' }]);
    expect(reason.diff.widened).toEqual([{ name: 'qty', from: 'BIGINT', to: 'DECIMAL(21,2)' }]);
    expect(fs.readFileSync(path.join(dir, 'data/quarantine/sales/b.csv'), 'utf8')).toBe(WIDER);
    expect(fs.readFileSync(path.join(dir, 'data/raw/sales/b.csv'), 'utf8')).toBe(WIDER);
    expect(fs.existsSync(path.join(dir, 'data/processed/sales/b.parquet'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'data/final/sales/b.parquet'))).toBe(false);

    const after = await show(dir, 'processed.sales');
    expect(after).toMatchObject({ version: before.version, columns: before.columns, rows: 2, files: 1 });
    const versions = await versionsOf(dir, 'processed.sales');
    expect(versions).toHaveLength(1);
    const rows = await catalogRows<unknown>(dir, 'select id, qty from final.sales order by id');
    expect(rows).toEqual([
      { id: 1, qty: 2 },
      { id: 2, qty: 3 },
    ]);
    const status = await sluiceJson<{ outcome: { state: string; reason: string }; report: { quarantine: { reason: string } } }>([
      'status',
      'sales/b.csv',
      '--json',
      '--dir',
      dir,
    ]);
    expect(status.outcome.state).toBe('quarantined');
    expect(status.report.quarantine.reason).toContain('+ region VARCHAR');

    const events = await eventsOf(dir, 'processed.sales');
    const refusal = events.find((e) => e.type === 'schema.changed');
    expect(refusal).toMatchObject({ table: 'processed.sales', policy: 'fail', applied: false, file: 'sales/b.parquet', version: 1 });
    expect(refusal?.diff?.added.map((c) => c.name)).toEqual(['region']);
  });

  it('accepts a file with fewer columns and narrower types', async () => {
    const dir = project('fail');
    await ingest(dir, 'a.csv', 'id,qty,note\n1,2.5,x\n');

    const fits = await ingest(dir, 'b.csv', 'id,qty\n2,3\n');

    expect(fits.outcome.state).toBe('done');
    const rows = await catalogRows<unknown>(dir, 'select id, qty, note from final.sales order by id');
    expect(rows).toEqual([
      { id: 1, qty: 2.5, note: 'x' },
      { id: 2, qty: 3, note: null },
    ]);
    for (const table of ['processed.sales', 'final.sales']) {
      const shown = await show(dir, table);
      expect(shown.version).toBe(1);
      expect(shown.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id BIGINT', 'qty DECIMAL(18,2)', 'note VARCHAR']);
      expect(shown.warnings).toEqual([]);
    }
  });

  it('refuses text in a BIGINT column with its diff, in one crawl run, instead of failing on a conversion error', async () => {
    const dir = project('fail');
    expect((await ingest(dir, 'a.csv', 'id,when\n1,2024-01-01\n')).outcome.state).toBe('done');

    const refused = await ingest(dir, 'b.csv', 'id,when\nabc,hello\n');

    expect(refused.outcome.state).toBe('quarantined');
    expect(refused.line).toContain('sales/b.csv: quarantined');
    expect(refused.line).toContain('~ id BIGINT → VARCHAR');
    expect(refused.line).not.toMatch(/Conversion Error/i);
    const reason = JSON.parse(fs.readFileSync(path.join(dir, 'data/quarantine/sales/b.csv.error.json'), 'utf8'));
    expect(reason.table).toBe('processed.sales');
    expect([...reason.diff.widened, ...reason.diff.changed].map((d: { name: string }) => d.name).sort()).toEqual(['id', 'when']);
    expect(fs.existsSync(path.join(dir, 'data/processed/sales/b.parquet'))).toBe(false);
    const crawls = stateRows<{ status: string; attempts: number }>(
      dir,
      "SELECT status, attempts FROM runs WHERE stage = 'crawl' AND subject = 'sales/b.parquet'",
    );
    expect(crawls).toEqual([{ status: 'quarantined', attempts: 1 }]);
    const rows = await catalogRows<unknown>(dir, 'select id, "when" from final.sales order by id');
    expect(rows).toEqual([{ id: 1, when: '2024-01-01' }]);
  });

  it('refusing a new version of a file withdraws the old version from every table', async () => {
    const dir = project('fail');
    await ingest(dir, 'a.csv', FIRST);
    await ingest(dir, 'b.csv', 'id,qty\n9,9\n');

    const refused = await ingest(dir, 'b.csv', WIDER);

    expect(refused.outcome.state).toBe('quarantined');
    const ids = await catalogRows<{ id: number }>(dir, 'select id from final.sales order by id');
    expect(ids.map((r) => r.id)).toEqual([1, 2]);
    const processed = await show(dir, 'processed.sales');
    expect(processed.files).toBe(1);
  });
});

describe('schemaChange: log', () => {
  it('keeps the schema, registers the file, reports the drift, and never rounds a wider value', async () => {
    const dir = project('log');
    await ingest(dir, 'a.csv', FIRST);

    const drifted = await ingest(dir, 'b.csv', 'id,qty,region\n3,2.5,EU\n4,7,US\n');

    expect(drifted.outcome.state).toBe('done');
    const table = await show(dir, 'processed.sales');
    expect(table.version).toBe(1);
    expect(table.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id BIGINT', 'qty BIGINT']);
    expect(table.files).toBe(2);
    expect(table.warnings).toEqual([expect.stringContaining('+ region VARCHAR, ~ qty BIGINT → DECIMAL(21,2)')]);
    const text = await sluice(['catalog', 'show', 'processed.sales', '--dir', dir]);
    expect(text.stdout).toContain('warning: the files hold columns or types the schema does not show (schemaChange: log)');
    const rows = await catalogRows<unknown>(dir, 'select * from processed.sales order by id');
    expect(rows).toEqual([
      { id: 1, qty: 2 },
      { id: 2, qty: 3 },
      { id: 3, qty: null },
      { id: 4, qty: 7 },
    ]);
    const events = await eventsOf(dir, 'processed.sales');
    expect(events.filter((e) => e.type === 'schema.changed').map((e) => [e.policy, e.applied, e.file])).toEqual([
      ['log', false, 'sales/b.parquet'],
      ['log', true, 'sales/a.parquet'],
    ]);
  });

  it('reads text that does not fit a BIGINT or DATE column as NULL instead of failing the query', async () => {
    const dir = project('log');
    await ingest(dir, 'a.csv', 'id,when\n1,2024-01-01\n');

    const drifted = await ingest(dir, 'b.csv', 'id,when\nabc,hello\n2,2024-01-02\n');

    expect(drifted.outcome.state).toBe('done');
    const rows = await sluice(['query', 'select id, "when" from processed.sales order by id nulls last', '--format', 'json', '--dir', dir]);
    expect(rows.stderr).toBe('');
    expect(JSON.parse(rows.stdout)).toEqual([
      { id: 1, when: '2024-01-01' },
      { id: 2, when: '2024-01-02' },
      { id: null, when: null },
    ]);
  });

  it('takes the drift in once the policy is update and the catalog is crawled in full', async () => {
    const dir = project('log');
    await ingest(dir, 'a.csv', FIRST);
    await ingest(dir, 'b.csv', WIDER);
    fs.writeFileSync(path.join(dir, 'sluice.yaml'), 'datasets:\n  sales:\n    schemaChange: update\n');

    const crawl = await crawlCatalog(dir, true);

    expect(crawl.queued).toBe(2);
    const table = await show(dir, 'processed.sales');
    expect(table.version).toBe(2);
    expect(table.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id BIGINT', 'qty DECIMAL(21,2)', 'region VARCHAR']);
    expect(table.warnings).toEqual([]);
  });
});

describe('schemaChange: update (the default)', () => {
  it('emits table.updated and schema.changed with the column-level diff, and versions a removed column', async () => {
    const dir = project();
    await ingest(dir, 'a.csv', 'id,qty,note\n1,2,x\n');
    await ingest(dir, 'a.csv', 'id,qty\n1,2\n');

    const versions = await versionsOf(dir, 'processed.sales');
    const events = await eventsOf(dir, 'processed.sales');

    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.diff.removed.map((c) => c.name)).toEqual(['note']);
    const changes = events.filter((e) => e.type === 'schema.changed');
    expect(changes.map((e) => [e.version, e.applied, e.diff?.removed.map((c) => c.name), e.diff?.added.map((c) => c.name)])).toEqual([
      [2, true, ['note'], []],
      [1, true, [], ['id', 'qty', 'note']],
    ]);
    const updates = events.filter((e) => e.type === 'table.updated');
    expect(updates.map((e) => [e.version, e.files])).toEqual([
      [2, ['sales/a.parquet']],
      [1, ['sales/a.parquet']],
    ]);
    expect(updates[0]?.diff?.removed.map((c) => c.name)).toEqual(['note']);
  });
});

describe('folder layouts', () => {
  it('types date and number partitions, and reports files at inconsistent depths instead of making tables of them', async () => {
    const dir = tempDir();

    // The keys `sluice ingest metrics` gives the folder's files (cli-pipeline.test.ts ingests a folder through the CLI).
    const outcomes = await ingestFiles(dir, {
      'metrics/day=2024-03-05/shard=1/a.csv': 'host,value\nweb1,1\n',
      'metrics/day=2024-03-06/shard=2/a.csv': 'host,value\nweb2,2\n',
      'metrics/stray.csv': 'host,value\nweb3,3\n',
    });

    expect(outcomes.map((o) => o.state)).toEqual(['done', 'done', 'done']);
    const tables = await viewJson(dir, async (project) => (await project.catalog.listTables()).map(tableSummary));
    expect(tables.map((t) => t.table).sort()).toEqual(['final.metrics', 'processed.metrics']);
    const table = await show(dir, 'processed.metrics');
    expect(table.partitions).toEqual([
      { values: { day: '2024-03-05', shard: '1' }, files: 1, rows: 1, bytes: expect.any(Number) },
      { values: { day: '2024-03-06', shard: '2' }, files: 1, rows: 1, bytes: expect.any(Number) },
      { values: { day: null, shard: null }, files: 1, rows: 1, bytes: expect.any(Number) },
    ]);
    expect(table.partitionKeys).toEqual([
      { name: 'day', type: 'DATE', nullable: true },
      { name: 'shard', type: 'BIGINT', nullable: true },
    ]);
    expect(table.warnings).toEqual([
      expect.stringContaining('inconsistent folder depths: 2 at day=/shard=/ (e.g. metrics/day=2024-03-05/shard=1/a.parquet); 1 at the top level'),
    ]);
    const rows = await catalogRows<unknown>(
      dir,
      "select host, value, day, shard, typeof(day) as t from processed.metrics where day >= DATE '2024-03-06' or day is null order by host",
    );
    expect(rows).toEqual([
      { host: 'web2', value: 2, day: '2024-03-06', shard: 2, t: 'DATE' },
      { host: 'web3', value: 3, day: null, shard: null, t: 'DATE' },
    ]);
    // Whichever file was crawled after a differently laid out one carries the warning in its run.
    const crawls = stateRows<{ result: string }>(dir, `select result from runs where stage = 'crawl'`);
    expect(crawls.filter((x) => String(JSON.parse(x.result).warning ?? '').includes('inconsistent folder depths')).length).toBeGreaterThan(0);
  });
});

describe('catalog over HTTP', () => {
  it('serves the same table, warnings and events as the CLI', async () => {
    const dir = project('log');
    await ingest(dir, 'a.csv', FIRST);
    await ingest(dir, 'b.csv', WIDER);
    const cli = await sluiceJson<Record<string, unknown>>(['catalog', 'show', 'processed.sales', '--json', '--dir', dir]);
    const cliEvents = await sluiceJson<CatalogEvent[]>(['catalog', 'events', '--json', '--dir', dir]);
    const s = await startSluice(dir);
    try {
      const show = (await (await fetch(`${s.url}/api/catalog/tables/processed.sales`)).json()) as Record<string, unknown>;
      const events = await (await fetch(`${s.url}/api/catalog/events`)).json();
      const tableEvents = (await (await fetch(`${s.url}/api/catalog/tables/processed.sales/events`)).json()) as CatalogEvent[];
      const missing = await fetch(`${s.url}/api/catalog/tables/processed.nope/events`);

      expect({ ...show, updatedAt: undefined }).toEqual({ ...cli, updatedAt: undefined });
      expect(events).toEqual(cliEvents);
      expect(tableEvents.every((e) => e.table === 'processed.sales')).toBe(true);
      expect(tableEvents.length).toBeGreaterThan(0);
      expect(missing.status).toBe(404);
    } finally {
      await stopSluice(s);
    }
  });
});
