/**
 * The HTTP API served by `sluice start`: health, upload into raw, status,
 * catalog and read-only query. Handlers only translate HTTP to the same
 * services the CLI uses. Bodies are streamed, never buffered whole.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { errorMessage, StorageError, UsageError } from '../core/errors.js';
import { isInputKey, validateKey } from '../core/keys.js';
import { dashboardData, type Filters, getDashboard, listDashboards } from '../runtime/dashboards.js';
import { previewTable, profileTable } from '../runtime/explore.js';
import { jobHistory, listJobs } from '../runtime/jobs.js';
import type { Pipeline } from '../runtime/pipeline.js';
import type { Project } from '../runtime/project.js';
import {
  catalogEvents,
  diffVersions,
  fileDetail,
  fileStatuses,
  queryCatalog,
  recentRuns,
  showTable,
  tableDdl,
  tableSummary,
  tableVersions,
} from '../runtime/services.js';
import { type AccessPolicy, checkApiRequest, checkHost, mediaType, sessionCookie, tokenMatches } from './access.js';
import { renderHome } from './home.js';
import { HttpError, headersOf, statusOf } from './http-error.js';

const MAX_QUERY_BODY = 1024 * 1024;

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
  res.end(text);
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  if (mediaType(req) !== 'application/json') throw new HttpError(415, 'send the body as JSON with Content-Type: application/json');
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

/** The path's segments, decoded; a malformed %-escape is the client's mistake, not the server's. */
function pathSegments(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, `the path ${pathname} holds a malformed %-escape; write a literal "%" as %25`);
  }
}

export function createApp(pipeline: Pipeline, access: AccessPolicy): http.Server {
  const project = pipeline.project;
  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    checkHost(req, access);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = pathSegments(url.pathname);
    // HEAD is GET without the body (node's response leaves the body out by itself).
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    if (parts[0] !== 'api' && method === 'GET') return serveWebApp(url.pathname, res, () => renderHome(project));
    if (parts[0] !== 'api') throw new HttpError(405, `${method} ${url.pathname} is not allowed; the web app is read with GET`, { allow: 'GET, HEAD' });
    const [, area, ...rest] = parts;
    checkApiRequest(req, access, { tokenFree: area === 'session' });
    if (area === 'session' && method === 'POST') {
      const body = await readJson(req);
      if (!access.token) return send(res, 200, { authenticated: true, tokenRequired: false });
      if (typeof body.token !== 'string' || !tokenMatches(body.token, access.token)) throw new HttpError(401, "that is not this server's access token");
      return send(res, 200, { authenticated: true, tokenRequired: true }, { 'set-cookie': sessionCookie(access.token) });
    }
    if (area === 'health' && method === 'GET') {
      // Files still settling in the raw folder count: they are work this server has seen and will do.
      return send(res, 200, { ok: true, pending: project.queue.pendingCount() + pipeline.intakePending() });
    }
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
      return send(res, 200, await fileDetail(project, rest.join('/')));
    }
    if (area === 'runs' && method === 'GET') return send(res, 200, recentRuns(project, Math.min(Number(url.searchParams.get('limit') ?? 200) || 200, 2000)));
    if (area === 'events' && method === 'GET' && rest[0] === 'stream') return changes.subscribe(req, res);
    if (area === 'dashboards' && method === 'GET') {
      if (rest.length === 0) return send(res, 200, listDashboards(project));
      return send(res, 200, await getDashboard(project, rest[0] as string));
    }
    if (area === 'dashboards' && method === 'POST' && rest[1] === 'data') {
      const body = await readJson(req);
      const filters = typeof body.filters === 'object' && body.filters !== null && !Array.isArray(body.filters) ? (body.filters as Filters) : {};
      return send(res, 200, await dashboardData(project, rest[0] as string, filters));
    }
    if (area === 'catalog' && method === 'GET' && rest[0] === 'events' && rest.length === 1) {
      return send(res, 200, catalogEvents(project, { limit: Number(url.searchParams.get('limit') ?? 100) || 100 }));
    }
    if (area === 'catalog' && method === 'GET' && rest[0] === 'tables') {
      const [, table, sub] = rest;
      if (!table) return send(res, 200, project.catalog.listTables().map(tableSummary));
      if (!sub) return send(res, 200, showTable(project, table));
      if (sub === 'events') return send(res, 200, catalogEvents(project, { table, limit: Number(url.searchParams.get('limit') ?? 100) || 100 }));
      if (sub === 'preview') return send(res, 200, await previewTable(project, table, Number(url.searchParams.get('limit') ?? 50) || 50));
      if (sub === 'profile') return send(res, 200, await profileTable(project, table));
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
    if (area === 'query' && method === 'GET') {
      throw new HttpError(405, 'send queries as POST /api/query with a JSON body {"sql": "…"}', { allow: 'POST' });
    }
    if (area === 'query' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body.sql !== 'string' || !body.sql.trim()) throw new HttpError(400, 'give the query as "sql"');
      const limit = Math.min(Number(body.limit ?? 1000) || 1000, 10_000);
      return send(res, 200, await queryCatalog(project, body.sql, { limit, timeoutMs: 30_000 }));
    }
    if (area === 'jobs' && method === 'GET' && rest.length === 0) return send(res, 200, listJobs(project));
    if (area === 'jobs' && method === 'GET' && rest.length === 2 && rest[1] === 'runs') return send(res, 200, jobHistory(project, rest[0] as string));
    throw new HttpError(404, `no route ${method} ${url.pathname}`);
  };
  const changes = new ChangeFeed(project);
  const server = http.createServer((req, res) => {
    route(req, res).catch((err) => {
      const status = statusOf(err);
      if (status >= 500) project.log.error('http error', { path: req.url, error: errorMessage(err) });
      // Read and discard what is left of a refused body, so the client gets the answer rather than a reset.
      if (!req.complete) req.resume();
      if (!res.headersSent) send(res, status, { error: errorMessage(err) }, headersOf(err));
      else res.destroy();
    });
  });
  server.on('close', () => changes.close());
  return server;
}

/**
 * Server-sent events for the web app: `change` whenever the state database
 * shows new pipeline events or runs, whichever process made them (a `sluice
 * ingest` beside this server counts too). One poll serves every client.
 */
class ChangeFeed {
  private readonly clients = new Set<http.ServerResponse>();
  private timer?: NodeJS.Timeout;
  private lastEvent = 0;
  private lastRuns = '';
  private beats = 0;

  constructor(private readonly project: Project) {}

  subscribe(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    req.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    if (!this.timer) {
      this.lastEvent = this.project.events.recent(1)[0]?.id ?? 0;
      this.lastRuns = this.runsSignature();
      this.timer = setInterval(() => this.poll(), 300);
    }
  }

  private runsSignature(): string {
    const r = this.project.db
      .prepare(`SELECT max(id) AS id, count(*) FILTER (WHERE status IN ('queued', 'running')) AS open, max(finished_at) AS done FROM runs`)
      .get() as Record<string, unknown>;
    return JSON.stringify(r);
  }

  private poll(): void {
    try {
      const events = this.project.events.recent(50).filter((e) => e.id > this.lastEvent);
      const runs = this.runsSignature();
      if (events.length || runs !== this.lastRuns) {
        this.lastEvent = Math.max(this.lastEvent, ...events.map((e) => e.id));
        this.lastRuns = runs;
        const data = JSON.stringify({ events: events.reverse().map((e) => ({ id: e.id, at: new Date(e.at).toISOString(), ...e.payload })) });
        for (const c of this.clients) c.write(`event: change\ndata: ${data}\n\n`);
      } else if (++this.beats % 50 === 0) {
        for (const c of this.clients) c.write(': still here\n\n');
      }
    } catch (err) {
      this.project.log.warn('change feed poll failed', { error: errorMessage(err) });
    }
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.stop();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}

const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};
/** No inline script, nothing from elsewhere: a value that slipped into the page as HTML still could not run. */
const CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The built web app: `/` is its page, `/assets/<file>` its scripts and styles (hash routing needs nothing else). */
async function serveWebApp(pathname: string, res: http.ServerResponse, fallback: () => string): Promise<void> {
  const headers = { 'x-content-type-options': 'nosniff', 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' };
  if (pathname === '/favicon.ico') {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  const asset = /^\/assets\/([A-Za-z0-9._-]+)$/.exec(pathname)?.[1];
  if (pathname !== '/' && pathname !== '/index.html' && !asset) throw new HttpError(404, `no page ${pathname}; the app lives at /`);
  const file = asset ? path.join(WEB_ROOT, 'assets', asset) : path.join(WEB_ROOT, 'index.html');
  let body: Buffer;
  try {
    body = await fs.readFile(file);
  } catch {
    if (asset) throw new HttpError(404, `no asset ${asset}`);
    // The web app is not built (a source checkout without \`npm run build\`): a plain overview instead.
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    res.end(fallback());
    return;
  }
  res.writeHead(200, {
    ...headers,
    'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    // Asset names carry a content hash; the page itself is always fetched fresh.
    'cache-control': asset ? 'public, max-age=31536000, immutable' : 'no-store',
  });
  res.end(body);
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
