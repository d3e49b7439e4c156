/**
 * sluice catalog, jobs and replay through the real CLI. The files they read are ingested in the test process (the
 * ingest command has its own tests); what a command prints, and its exit code, comes from the command.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableDdl } from '../../src/views/ddl.js';
import { catalogRows } from '../helpers/catalog-rows.js';
import { crawlCatalog, ingestFiles, withProject } from '../helpers/in-process.js';
import { sluice, sluiceJson, stateRows, tempDir } from '../helpers/project.js';

/** A project with each file ingested in turn, one `sluice ingest` after the other, as `<dataset>/<name>`. */
async function ingested(files: Record<string, string>, dataset = 'sales'): Promise<string> {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    const [outcome] = await ingestFiles(dir, { [`${dataset}/${name}`]: text });
    if (outcome?.state !== 'done') throw new Error(`ingest ${name} failed: ${JSON.stringify(outcome)}`);
  }
  return dir;
}

describe('sluice catalog', () => {
  it('versions a schema that gains a column and widens a type, and diffs the versions', async () => {
    const dir = await ingested({ 'a.csv': 'id,qty\n1,2\n2,3\n', 'b.csv': 'id,qty,region\n3,2.5,EU\n' });

    const versions = await sluiceJson<{ version: number; diff: { added: { name: string }[]; widened: { name: string; from: string; to: string }[] } }[]>([
      'catalog',
      'versions',
      'processed.sales',
      '--json',
      '--dir',
      dir,
    ]);
    const diff = await sluiceJson<{ added: { name: string; type: string }[]; changed: { name: string; from: string; to: string }[] }>([
      'catalog',
      'diff',
      'processed.sales',
      '1',
      '2',
      '--json',
      '--dir',
      dir,
    ]);
    const rows = await catalogRows(dir, 'select id, qty, region from final.sales order by id');

    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    expect(versions[1]?.diff.added.map((c) => c.name)).toEqual(['region']);
    expect(versions[1]?.diff.widened).toEqual([{ name: 'qty', from: 'BIGINT', to: 'DECIMAL(21,2)' }]);
    expect(diff.added).toEqual([expect.objectContaining({ name: 'region', type: 'VARCHAR' })]);
    expect(diff.changed).toEqual([{ name: 'qty', from: 'BIGINT', to: 'DECIMAL(21,2)' }]);
    expect(rows).toEqual([
      { id: 1, qty: 2, region: null },
      { id: 2, qty: 3, region: null },
      { id: 3, qty: 2.5, region: 'EU' },
    ]);
  });

  it('prints Athena and DuckDB DDL with column comments, and refuses an unknown dialect', async () => {
    const dir = await ingested({ 'a.csv': "id,when,Buyer's Ref\n1,2024-01-02,x\n" });

    const athena = await sluice(['catalog', 'ddl', 'final.sales', '--dir', dir]);
    const duck = await withProject(dir, (project) => tableDdl(project, 'final.sales', 'duckdb'));
    const bad = await sluice(['catalog', 'ddl', 'final.sales', '--dialect', 'oracle', '--dir', dir]);

    expect(athena.stdout).toBe(
      `CREATE EXTERNAL TABLE \`final\`.\`sales\` (\n` +
        "  `id` bigint COMMENT '100% of values are whole numbers',\n" +
        "  `when` date COMMENT '100% of values are dates',\n" +
        "  `buyer_s_ref` string COMMENT 'from \"Buyer\\'s Ref\"; free text'\n" +
        `)\nSTORED AS PARQUET\nLOCATION 'file://${path.join(dir, 'data/final/sales')}/';\n`,
    );
    expect(duck).toBe('CREATE TABLE "final"."sales" (\n  "id" BIGINT,\n  "when" DATE,\n  "buyer_s_ref" VARCHAR\n);\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dialect must be athena or duckdb');
  });

  it('a crawl that finds nothing new changes nothing; --full re-reads every file without a new version', async () => {
    const dir = await ingested({ 'a.csv': 'id\n1\n' });
    const before = stateRows<{ n: number }>(dir, 'select count(*) as n from catalog_versions')[0]?.n;

    const incremental = await crawlCatalog(dir, false);
    const full = await sluiceJson<{ queued: number }>(['catalog', 'crawl', '--full', '--json', '--dir', dir]);

    expect(incremental.queued).toBe(0);
    expect(full.queued).toBe(1);
    expect(stateRows<{ n: number }>(dir, 'select count(*) as n from catalog_versions')[0]?.n).toBe(before);
  });

  it('names the tables that exist when asked for one that does not', async () => {
    const dir = await ingested({ 'a.csv': 'id\n1\n' });
    const r = await sluice(['catalog', 'show', 'final.nope', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no table final.nope in the catalog (tables: processed.sales, final.sales)');
  });
});

describe('sluice jobs and replay', () => {
  it('lists the publish job, resets its bookmark and republishes without duplicates', async () => {
    const dir = await ingested({ 'a.csv': 'id\n1\n2\n', 'b.csv': 'id\n3\n' });

    const list = await sluiceJson<{ name: string; bookmarked: number }[]>(['jobs', 'list', '--json', '--dir', dir]);
    const again = await sluice(['jobs', 'run', 'publish_sales', '--dir', dir]);
    const reset = await sluice(['jobs', 'reset', 'publish_sales', '--dir', dir]);
    const rerun = await sluice(['jobs', 'run', 'publish_sales', '--dir', dir]);
    const count = await catalogRows<{ n: number }>(dir, 'select count(*) as n from final.sales');

    expect(list).toEqual([expect.objectContaining({ name: 'publish_sales', bookmarked: 2 })]);
    expect(again.stdout).toBe('publish_sales: nothing new since the last run\n');
    expect(reset.stdout).toContain('bookmark cleared (2 input(s))');
    expect(rerun.stdout).toBe('publish_sales: processed 2 new or changed input(s)\n');
    expect(count).toEqual([{ n: 3 }]);
  });

  it('replays a raw file through every stage again, changing nothing downstream', async () => {
    const dir = await ingested({ 'a.csv': 'id\n1\n2\n' });

    const r = await sluice(['replay', 'sales/a.csv', '--dir', dir]);
    const runs = stateRows<{ stage: string; attempts: number }>(dir, 'select stage, attempts from runs order by id');
    const count = await catalogRows<{ n: number }>(dir, 'select count(*) as n from final.sales');

    expect(r.code).toBe(0);
    expect(r.stdout).toBe('sales/a.csv: done: 2 rows in final.sales\n');
    expect(runs.map((x) => x.stage)).toEqual(['preprocess', 'crawl', 'publish']);
    expect(count).toEqual([{ n: 2 }]);
  });
});
