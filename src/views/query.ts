/**
 * Read-only SQL over the catalog (Athena, locally): every table is a view in
 * a sandboxed DuckDB session that can read only the tables' files. Sessions
 * are bounded (`defaults.maxConcurrentQueries`) and so are their answers.
 */
import path from 'node:path';
import { type QueryOptions, type QueryResult, type ReadOnlyRunner, runReadOnlyQuery, withReadOnlyQueries } from '../engine/query.js';
import { type ReadableTables, readableTables } from '../engine/tables.js';
import type { ReadContext } from './context.js';

type QueryContext = Pick<ReadContext, 'catalog' | 'zones' | 'config' | 'queries' | 'tmpDir'>;

/** Every catalog table with all its files, readable by the engine (copies of a remote zone's files go to `dir`). */
async function catalogTables(ctx: QueryContext, dir: string): Promise<ReadableTables> {
  const entries = [];
  for (const table of await ctx.catalog.listTables()) entries.push({ table, files: await ctx.catalog.files(table.database, table.name) });
  return readableTables(entries, (t) => ctx.zones[t.database], dir);
}

/** Run `fn` with the catalog's tables ready, in one bounded query session. */
function inSession<T>(
  ctx: QueryContext,
  opts: { limit?: number; timeoutMs?: number },
  fn: (tables: ReadableTables, options: QueryOptions) => Promise<T>,
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
  return inSession(ctx, { limit: 10_000, ...opts }, (t, options) => withReadOnlyQueries(t.tables, options, fn));
}

export function queryCatalog(ctx: QueryContext, sql: string, opts: { limit?: number; timeoutMs?: number } = {}): Promise<QueryResult> {
  return inSession(ctx, opts, (t, options) => runReadOnlyQuery(t.tables, sql, options));
}
