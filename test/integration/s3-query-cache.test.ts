/**
 * Queries over tables in S3 zones, in the test process: the project's zones
 * are prefixes in a real S3 protocol server on loopback (s3rver), reached as
 * any S3-compatible store through AWS_ENDPOINT_URL_S3. Each test counts the
 * objects a query downloads by wrapping the processed and final stores, and
 * checks the local copy cache (`data/.sluice/cache/`): a file is downloaded
 * once for many queries, only for the tables a query names, again when it is
 * replaced, and the cache keeps to its bound. Answers are compared with the
 * same files in local folders. Nothing is mocked.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Project } from '../../src/runtime/project.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { queryCatalog, withCatalogQueries } from '../../src/views/query.js';
import { ingestFiles, withProject } from '../helpers/in-process.js';
import { tempDir } from '../helpers/project.js';
import { type RunningS3, startS3 } from '../helpers/s3rver.js';
import { WrappedStore } from '../helpers/wrapped-store.js';

let s3: RunningS3;
let projects = 0;

beforeAll(async () => {
  s3 = await startS3(['lake']);
  // The project's S3 zones reach s3rver through the standard settings.
  for (const [k, v] of Object.entries(s3.env)) vi.stubEnv(k, v);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
});

/** A store that notes every key it is asked to read. */
class CountingStore extends WrappedStore {
  readonly reads: string[] = [];
  override get(key: string): Promise<Readable> {
    this.reads.push(key);
    return super.get(key);
  }
}

/** A project whose zones are S3 prefixes of their own (or local folders), with `defaults` below. */
function project(where: 's3' | 'local', defaults = ''): string {
  const dir = tempDir('sluice-query-cache-');
  const prefix = `q${++projects}`;
  const zones =
    where === 's3'
      ? ['raw', 'processed', 'final', 'quarantine'].map((z) => `  ${z}: s3://lake/${prefix}/${z}`).join('\n')
      : '  raw: data/raw\n  processed: data/processed\n  final: data/final\n  quarantine: data/quarantine';
  fs.writeFileSync(path.join(dir, 'sluice.yaml'), `zones:\n${zones}\n${defaults ? `defaults:\n${defaults}\n` : ''}`);
  return dir;
}

const FILES = {
  'orders/a.csv': 'id,customer,amount\n1,c1,10.5\n2,c2,20\n3,c1,7.25\n',
  'orders/b.csv': 'id,customer,amount\n4,c3,1\n5,c2,2.5\n',
  'customers/all.csv': 'customer,country\nc1,DE\nc2,FR\nc3,DE\n',
};

/** `fn` with the project at `dir` open, its processed and final zones counting what they read. */
function withCounting<T>(dir: string, fn: (ctx: Project, reads: () => string[]) => Promise<T>): Promise<T> {
  return withProject(dir, (project) => {
    const processed = new CountingStore(project.zones.processed);
    const final = new CountingStore(project.zones.final);
    const zones: Record<string, ObjectStore> = { ...project.zones, processed, final };
    const ctx = { ...project, zones } as Project;
    return fn(ctx, () => [...processed.reads.map((k) => `processed/${k}`), ...final.reads.map((k) => `final/${k}`)]);
  });
}

/** The copies kept in the project's cache folder, with their sizes. */
function cached(dir: string): { name: string; bytes: number }[] {
  const folder = path.join(dir, 'data', '.sluice', 'cache');
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder).map((name) => ({ name, bytes: fs.statSync(path.join(folder, name)).size }));
}

const JOINED =
  'select c.country, sum(o.amount) as revenue, count(*) as n from final.orders o join final.customers c using (customer) group by all order by all';

describe('queries over S3 zones', () => {
  it('download each file once for many queries, and only the files of the tables a query names', async () => {
    // Prepare
    const dir = project('s3');
    await ingestFiles(dir, FILES);

    // Act
    const result = await withCounting(dir, async (ctx, reads) => {
      const first = await queryCatalog(ctx, 'select count(*) as n from final.orders');
      const afterFirst = reads();
      const second = await queryCatalog(ctx, 'select sum(amount) as total from final.orders');
      const afterSecond = reads();
      // A dashboard's session: its second query names another table, fetched then.
      const session = await withCatalogQueries(ctx, async (run) => [await run('select count(*) as n from final.orders'), await run(JOINED)]);
      const scratchAfter = fs.readdirSync(path.join(ctx.tmpDir, 'query'));
      return { first, second, session, afterFirst, afterSecond, afterSession: reads(), scratchAfter };
    });

    // Assess
    expect(result.first.rows).toEqual([[5]]);
    expect(result.second.rows).toEqual([[41.25]]);
    expect(result.afterFirst.sort()).toEqual(['final/orders/a.parquet', 'final/orders/b.parquet']);
    expect(result.afterSecond.length).toBe(2);
    expect(result.afterSession.sort()).toEqual(['final/customers/all.parquet', 'final/orders/a.parquet', 'final/orders/b.parquet']);
    expect(result.session[1]?.rows).toEqual([
      ['DE', 18.75, 3],
      ['FR', 22.5, 2],
    ]);
    // Nothing left in the queries' scratch space; the copies stay in the cache, named by hash.
    expect(result.scratchAfter).toEqual([]);
    expect(cached(dir).map((c) => c.name)).toHaveLength(3);
    for (const c of cached(dir)) expect(c.name).toMatch(/^[0-9a-f]{64}\.parquet$/);
  });

  it('keep the copies for the next process, and fetch a replaced file again (a new hash), alone', async () => {
    // Prepare
    const dir = project('s3');
    await ingestFiles(dir, FILES);
    await withCounting(dir, (ctx) => queryCatalog(ctx, 'select count(*) from final.orders'));

    // Act
    const again = await withCounting(dir, async (ctx, reads) => ({
      rows: (await queryCatalog(ctx, 'select count(*) from final.orders')).rows,
      reads: reads(),
    }));
    await ingestFiles(dir, { 'orders/a.csv': 'id,customer,amount\n1,c1,10.5\n2,c2,20\n3,c1,7.25\n9,c9,100\n' });
    const replaced = await withCounting(dir, async (ctx, reads) => ({
      rows: (await queryCatalog(ctx, 'select count(*) from final.orders')).rows,
      reads: reads(),
    }));

    // Assess
    expect(again).toEqual({ rows: [[5]], reads: [] });
    expect(replaced).toEqual({ rows: [[6]], reads: ['final/orders/a.parquet'] });
  });

  it('download a file once for two queries reading it at the same time', async () => {
    // Prepare
    const dir = project('s3');
    await ingestFiles(dir, FILES);

    // Act
    const { answers, reads } = await withCounting(dir, async (ctx, reads) => {
      const answers = await Promise.all([queryCatalog(ctx, 'select count(*) from final.orders'), queryCatalog(ctx, 'select max(id) from final.orders')]);
      return { answers, reads: reads() };
    });

    // Assess
    expect(answers.map((a) => a.rows)).toEqual([[[5]], [[5]]]);
    expect(reads.sort()).toEqual(['final/orders/a.parquet', 'final/orders/b.parquet']);
  });

  it('keep the cache within defaults.queryCacheBytes, least recently used out, never a file a query is reading', async () => {
    // Prepare: a bound that holds any one of the files, not two.
    const probe = project('s3');
    await ingestFiles(probe, FILES);
    const sizes = await withProject(probe, async (p) =>
      [...(await p.catalog.files('final', 'orders')), ...(await p.catalog.files('final', 'customers'))].map((f) => f.bytes),
    );
    const bound = Math.max(...sizes) + 1;
    expect(Math.min(...sizes) * 2).toBeGreaterThan(bound);
    const dir = project('s3', `  queryCacheBytes: ${bound}`);
    await ingestFiles(dir, FILES);

    // Act
    const { both, during, customers, reads } = await withCounting(dir, async (ctx, reads) => {
      // Both orders files are read by one session: neither is evicted while it holds them, over the bound or not.
      const [both, during] = await withCatalogQueries(ctx, async (run) => [(await run('select count(*) from final.orders')).rows, cached(dir)]);
      const customers = await queryCatalog(ctx, 'select count(*) from final.customers');
      return { both, during, customers: customers.rows, reads: reads() };
    });

    // Assess
    expect(both).toEqual([[5]]);
    expect(during).toHaveLength(2);
    expect(customers).toEqual([[3]]);
    expect(reads).toHaveLength(3);
    const kept = cached(dir);
    expect(kept.reduce((sum, c) => sum + c.bytes, 0)).toBeLessThanOrEqual(bound);
    // The most recently used file stayed.
    const [customersFile] = await withProject(dir, (p) => p.catalog.files('final', 'customers'));
    expect(kept.map((c) => c.name)).toEqual([`${customersFile?.sha256}.parquet`]);
  });

  it('bind every table for a query whose tables its parse tree cannot tell (system views, table functions)', async () => {
    // Prepare
    const dir = project('s3');
    await ingestFiles(dir, FILES);

    // Act
    const { listed, byName, reads, hashes } = await withCounting(dir, async (ctx, reads) => ({
      listed: await queryCatalog(ctx, "select table_schema || '.' || table_name from information_schema.tables order by 1"),
      byName: await queryCatalog(ctx, "select count(*) from query_table('final.customers')"),
      reads: reads(),
      hashes: new Set((await Promise.all((await ctx.catalog.listTables()).map((t) => ctx.catalog.files(t.database, t.name)))).flat().map((f) => f.sha256)),
    }));

    // Assess
    expect(listed.rows.flat()).toEqual(['final.customers', 'final.orders', 'processed.customers', 'processed.orders']);
    expect(byName.rows).toEqual([[3]]);
    // Every table's files were bound; a content held by two tables (final files published as copies) is downloaded once.
    expect(reads).toHaveLength(hashes.size);
    expect(cached(dir)).toHaveLength(hashes.size);
  });

  it('answer as the same files in local folders do, read in place there', async () => {
    // Prepare
    const remote = project('s3');
    const local = project('local');
    await ingestFiles(remote, FILES);
    await ingestFiles(local, FILES);
    const queries = [
      JOINED,
      'select * from final.orders order by id',
      'select * from processed.customers order by all',
      "select o.id from final.orders o where o.customer in (select customer from final.customers where country = 'DE') order by 1",
    ];

    // Act
    const answers = async (dir: string) =>
      withCounting(dir, async (ctx, reads) => ({ results: await Promise.all(queries.map((q) => queryCatalog(ctx, q))), reads: reads() }));
    const fromS3 = await answers(remote);
    const fromFolders = await answers(local);

    // Assess
    expect(fromS3.results).toEqual(fromFolders.results);
    expect(fromFolders.results[0]?.rows.length).toBe(2);
    // Local folders are read in place: nothing read through the store, nothing cached.
    expect(fromFolders.reads).toEqual([]);
    expect(cached(local)).toEqual([]);
  });
});
