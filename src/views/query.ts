/**
 * Read-only SQL over the catalog (Athena, locally): every table is a view in
 * a sandboxed DuckDB session that can read only the tables' files. Sessions
 * are bounded (`defaults.maxConcurrentQueries`) and so are their answers.
 *
 * A table's files are made readable when a query of the session first names
 * it: a local folder's in place, a remote zone's (S3) through the project's
 * local copy cache, so a file is downloaded once for every query that reads
 * it while it stays in the cache (`defaults.queryCacheBytes`).
 */
import path from 'node:path';
import { type QueryOptions, type QueryResult, type ReadOnlyRunner, runReadOnlyQuery, type TableSource, withReadOnlyQueries } from '../engine/query.js';
import { type ReadableTables, readableTables } from '../engine/tables.js';
import type { ReadContext } from './context.js';

type QueryContext = Pick<ReadContext, 'catalog' | 'zones' | 'config' | 'queries' | 'tmpDir' | 'copies'>;

/** The catalog's tables, each with all its files made readable when a query names it (copies of a remote zone's files are linked into `dir`). */
async function catalogTables(ctx: QueryContext, dir: string): Promise<TableSource & { release(): Promise<void> }> {
  const tables = await ctx.catalog.listTables();
  const readable: ReadableTables[] = [];
  return {
    names: tables,
    bind: async (names) => {
      const entries = [];
      for (const table of tables.filter((t) => names.some((n) => n.database === t.database && n.name === t.name))) {
        entries.push({ table, files: await ctx.catalog.files(table.database, table.name) });
      }
      const r = await readableTables(entries, (t) => ctx.zones[t.database], dir, ctx.copies);
      readable.push(r);
      return r.tables;
    },
    release: async () => {
      for (const r of readable.splice(0)) await r.release();
    },
  };
}

/** Run `fn` over the catalog's tables, in one bounded query session. */
function inSession<T>(
  ctx: QueryContext,
  opts: { limit?: number; timeoutMs?: number },
  fn: (tables: TableSource, options: QueryOptions) => Promise<T>,
): Promise<T> {
  return ctx.queries.run(async () => {
    const dir = path.join(ctx.tmpDir, 'query');
    const tables = await catalogTables(ctx, dir);
    try {
      return await fn(tables, {
        limit: opts.limit ?? 10_000,
        maxBytes: ctx.config.defaults.maxQueryBytes,
        timeoutMs: opts.timeoutMs ?? 30_000,
        allowedDirs: [ctx.zones.processed.location, ctx.zones.final.location, dir],
      });
    } finally {
      await tables.release();
    }
  });
}

/** Several read-only queries over the catalog in one session (a dashboard's charts, a table's profile). */
export function withCatalogQueries<T>(ctx: QueryContext, fn: (run: ReadOnlyRunner) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  return inSession(ctx, { limit: 10_000, ...opts }, (tables, options) => withReadOnlyQueries(tables, options, fn));
}

export function queryCatalog(ctx: QueryContext, sql: string, opts: { limit?: number; timeoutMs?: number } = {}): Promise<QueryResult> {
  return inSession(ctx, opts, (tables, options) => runReadOnlyQuery(tables, sql, options));
}
