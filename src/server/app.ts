/**
 * The HTTP API served by `sluice start`: health, upload into raw, status,
 * catalog and read-only query. Handlers only translate HTTP to the same
 * services the CLI uses. Bodies are streamed, never buffered whole.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { CatalogError, errorMessage, InvalidKeyError, QueryError, SluiceError, StorageError, UsageError } from '../core/errors.js';
import { isInputKey, validateKey } from '../core/keys.js';
import { jobHistory, listJobs } from '../runtime/jobs.js';
import type { Pipeline } from '../runtime/pipeline.js';
import { catalogEvents, diffVersions, fileReport, fileStatuses, queryCatalog, showTable, tableDdl, tableSummary, tableVersions } from '../runtime/services.js';
import { renderHome } from './home.js';

const MAX_QUERY_BODY = 1024 * 1024;

class HttpError extends SluiceError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

function statusFor(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof CatalogError) return /^no table/.test(err.message) ? 404 : 400;
  if (err instanceof UsageError || err instanceof InvalidKeyError || err instanceof QueryError) return 400;
  return 500;
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_QUERY_BODY) throw new HttpError(413, `request body over ${MAX_QUERY_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v;
  } catch {
    throw new HttpError(400, 'the body must be a JSON object, e.g. {"sql": "select 1"}');
  }
}

const tooLarge = (limit: number) => new HttpError(413, `the file is over the limit of ${limit} bytes (defaults.maxFileBytes in sluice.yaml)`);

/**
 * The request body, failing once it passes `limit` bytes (a body without
 * Content-Length is counted as it streams; the failure aborts the atomic write).
 * A generator, not a piped Transform: nothing flows, and nothing can fail
 * unheard, before the store reads it.
 */
async function* limitBody(req: http.IncomingMessage, limit: number): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of req) {
    seen += (chunk as Buffer).length;
    if (seen > limit) throw tooLarge(limit);
    yield chunk as Buffer;
  }
}

export function createApp(pipeline: Pipeline): http.Server {
  const project = pipeline.project;
  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    if (url.pathname === '/' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
      res.end(renderHome(project));
      return;
    }
    if (parts[0] !== 'api') throw new HttpError(404, `no route ${url.pathname}`);
    const [, area, ...rest] = parts;
    if (area === 'health' && method === 'GET') return send(res, 200, { ok: true, pending: project.queue.pendingCount() });
    if (area === 'files' && (method === 'PUT' || method === 'POST')) {
      const key = validateKey(rest.join('/') || url.searchParams.get('key') || '');
      if (!isInputKey(key)) throw new HttpError(400, `"${key}" is not a CSV key; use <dataset>/<name>.csv (.tsv, .txt, optionally .gz)`);
      const limit = project.config.defaults.maxFileBytes;
      if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge(limit);
      try {
        await project.zones.raw.put(key, Readable.from(limitBody(req, limit)));
      } catch (err) {
        if (err instanceof StorageError && err.cause instanceof HttpError) throw err.cause;
        throw err;
      }
      const noted = await pipeline.noteRawObject(key, 'upload');
      return send(res, 201, { key, sha256: noted?.sha256, status: `/api/status/${key.split('/').map(encodeURIComponent).join('/')}` });
    }
    if (area === 'status' && method === 'GET') {
      if (rest.length === 0) return send(res, 200, fileStatuses(project));
      return send(res, 200, fileReport(project, rest.join('/')));
    }
    if (area === 'catalog' && method === 'GET' && rest[0] === 'events' && rest.length === 1) {
      return send(res, 200, catalogEvents(project, { limit: Number(url.searchParams.get('limit') ?? 100) || 100 }));
    }
    if (area === 'catalog' && method === 'GET' && rest[0] === 'tables') {
      const [, table, sub] = rest;
      if (!table) return send(res, 200, project.catalog.listTables().map(tableSummary));
      if (!sub) return send(res, 200, showTable(project, table));
      if (sub === 'events') return send(res, 200, catalogEvents(project, { table, limit: Number(url.searchParams.get('limit') ?? 100) || 100 }));
      if (sub === 'versions') return send(res, 200, tableVersions(project, table));
      if (sub === 'ddl') {
        const dialect = url.searchParams.get('dialect') ?? 'athena';
        if (dialect !== 'athena' && dialect !== 'duckdb') throw new HttpError(400, 'dialect must be athena or duckdb');
        return send(res, 200, { table, dialect, ddl: tableDdl(project, table, dialect) });
      }
      if (sub === 'diff') {
        return send(res, 200, diffVersions(project, table, Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))));
      }
    }
    if (area === 'query' && (method === 'POST' || method === 'GET')) {
      const body = method === 'POST' ? await readJson(req) : { sql: url.searchParams.get('sql'), limit: url.searchParams.get('limit') };
      if (typeof body.sql !== 'string' || !body.sql.trim()) throw new HttpError(400, 'give the query as "sql"');
      const limit = Math.min(Number(body.limit ?? 1000) || 1000, 10_000);
      return send(res, 200, await queryCatalog(project, body.sql, { limit, timeoutMs: 30_000 }));
    }
    if (area === 'jobs' && method === 'GET' && rest.length === 0) return send(res, 200, listJobs(project));
    if (area === 'jobs' && method === 'GET' && rest.length === 2 && rest[1] === 'runs') return send(res, 200, jobHistory(project, rest[0] as string));
    throw new HttpError(404, `no route ${method} ${url.pathname}`);
  };
  return http.createServer((req, res) => {
    route(req, res).catch((err) => {
      const status = statusFor(err);
      if (status >= 500) project.log.error('http error', { path: req.url, error: errorMessage(err) });
      // Read and discard what is left of a refused body, so the client gets the answer rather than a reset.
      if (!req.complete) req.resume();
      if (!res.headersSent) send(res, status, { error: errorMessage(err) });
      else res.destroy();
    });
  });
}

export function listen(server: http.Server, port: number, host: string): Promise<{ url: string; port: number }> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UsageError(`port ${port} on ${host} is in use; pick another with --port`) : err),
    );
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({ url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`, port: actual });
    });
  });
}
